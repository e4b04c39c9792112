using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Compilation.ShapeInferenceTests;

using Shape = DeepSeek.Shape;

/// <summary>Every rule against the Interpreter: infer the types of a one-node graph, run it, compare dtypes and shapes.</summary>
public sealed class ShapeInferenceTheoryTests
{
    public static TheoryData<string> CaseNames() => new(ShapeInferenceCases.All.Keys);

    private static Tensor Feed(Fed f, int seed)
    {
        var gen = new Generator((ulong)seed);
        var shape = new Shape(f.Shape);
        return f.DType switch
        {
            DType.Bool => Tensor.RandInt(0, 2, shape, gen, DType.Bool),
            var t when t.IsInteger() => Tensor.RandInt(0, 3, shape, gen, t),
            var t => Tensor.RandN(shape, gen, dtype: t),
        };
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void InferredTypesMatchTheInterpreter(string name)
    {
        var c = ShapeInferenceCases.All[name];
        using var g = new Graph(name);
        g.OpsetImports[""] = c.Opset;
        var feeds = new Dictionary<string, RuntimeValue>();
        var inputs = new List<Value?>();
        for (int i = 0; i < c.Inputs.Length; i++)
            switch (c.Inputs[i])
            {
                case Fed f:
                    inputs.Add(g.AddInput($"in{i}", new TensorType(f.DType, f.Shape.Select(d => Dim.Of(d)).ToArray())));
                    feeds[$"in{i}"] = Feed(f, i + 1);
                    break;
                case Const k:
                    inputs.Add(g.AddConstant($"in{i}", k.Make()));
                    break;
                default:
                    inputs.Add(null);
                    break;
            }
        var node = g.AddNode(c.Op, inputs, Enumerable.Range(0, c.Outputs).Select(i => $"out{i}"), name: "n");
        foreach (var (k, v) in c.Attrs) node.Attributes[k] = v.Raw is Tensor t ? AttributeValue.Of(t.Clone()) : v;
        foreach (var o in node.Outputs) g.AddOutput(o);

        Assert.Equal(c.Outputs, ShapeInference.Run(g));
        var results = new Interpreter().Run(g, feeds);
        try
        {
            foreach (var o in node.Outputs)
            {
                var actual = results[o.Name].AsTensor(o.Name);
                var inferred = Assert.IsType<TensorType>(o.Type);
                Assert.Equal(actual.DType, inferred.ElementType);
                Assert.NotNull(inferred.Shape);
                Assert.True(inferred.Shape!.All(d => d.IsKnown), $"{o.Name}: {inferred} has unknown dims");
                Assert.Equal(actual.Shape.ToArray().Select(d => (long)d), inferred.Shape!.Select(d => d.Value!.Value));
            }
        }
        finally
        {
            foreach (var r in results.Values) r.Dispose();
            foreach (var f in feeds.Values) f.Dispose();
        }
    }

    [Fact]
    public void EveryFamilyOfTheBriefHasARule()
    {
        string[] required =
        [
            "Relu", "Add", "Where", "Cast", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm",
            "MatMul", "LeakyRelu", "Softmax", "LogSoftmax", "LayerNormalization", "BatchNormalization", "Transpose", "Reshape",
            "Flatten", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather", "Expand", "ReduceMean", "ReduceSum",
            "Shape", "Constant", "Identity", "Dropout", "Pad",
        ];
        Assert.All(required, op => Assert.True(ShapeInference.Knows(op), op));
        Assert.All(required.Where(op => op != "Relu"), op => Assert.Contains(ShapeInferenceCases.All.Values, k => k.Op == op));
    }
}
