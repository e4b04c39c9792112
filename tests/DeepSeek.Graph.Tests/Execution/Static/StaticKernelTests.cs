using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Tests.Execution.Static.PlanTestUtil;

namespace DeepSeek.Graph.Tests.Execution.Static;

/// <summary>
/// Every static kernel against the interpreter kernel of the same node: a one-node graph is planned (the node must get
/// a static kernel) and run on the example inputs and on the same values laid out with other strides.
/// </summary>
public sealed class StaticKernelTests
{
    private static OneNodeCase Op(string op, long opset) => new(op, opset);

    private static readonly Dictionary<string, Func<OneNodeCase>> Cases = new()
    {
        ["Relu f32"] = () => { var c = Op("Relu", 14); return c.X(c.N(3, 5)); },
        ["Relu i32"] = () => { var c = Op("Relu", 14); return c.X(c.I(-9, 9, DType.I32, 4, 6)); },
        ["Sigmoid"] = () => { var c = Op("Sigmoid", 13); return c.X(c.N(2, 3, 4)); },
        ["Tanh f64"] = () => { var c = Op("Tanh", 13); return c.X(c.U(-3, 3, DType.F64, 5, 4)); },
        ["Exp"] = () => { var c = Op("Exp", 13); return c.X(c.N(4, 4)); },
        ["Log"] = () => { var c = Op("Log", 13); return c.X(c.U(0.05, 5, DType.F32, 3, 7)); },
        ["Sqrt"] = () => { var c = Op("Sqrt", 13); return c.X(c.U(0, 9, DType.F32, 6, 2)); },
        ["Erf"] = () => { var c = Op("Erf", 13); return c.X(c.N(3, 3)); },
        ["Neg f64"] = () => { var c = Op("Neg", 13); return c.X(c.U(-2, 2, DType.F64, 2, 5)); },
        ["Abs i64"] = () => { var c = Op("Abs", 13); return c.X(c.I(-50, 50, DType.I64, 3, 4)); },
        ["LeakyRelu"] = () => { var c = Op("LeakyRelu", 16); return c.X(c.N(4, 5)).A("alpha", 0.2f); },
        ["HardSigmoid"] = () => { var c = Op("HardSigmoid", 6); return c.X(c.U(-6, 6, DType.F32, 3, 8)); },
        ["HardSwish"] = () => { var c = Op("HardSwish", 14); return c.X(c.U(-5, 5, DType.F32, 3, 8)); },
        ["Clip inputs"] = () => { var c = Op("Clip", 13); return c.X(c.N(4, 6)).C(Tensor.Scalar(-0.5)).C(Tensor.Scalar(0.7)); },
        ["Clip max only"] = () => { var c = Op("Clip", 13); return c.X(c.N(4, 6)).None().C(Tensor.Scalar(0.1)); },
        ["Clip attributes"] = () => { var c = Op("Clip", 6); return c.X(c.N(5, 3)).A("min", -0.25f).A("max", 0.5f); },
        ["Not"] = () => { var c = Op("Not", 1); using var t = c.N(3, 4); return c.X(t.Gt(0)); },
        ["Cast f32→i32"] = () => { var c = Op("Cast", 19); return c.X(c.U(-20, 20, DType.F32, 3, 5)).A("to", 6L); },
        ["Cast i64→f64"] = () => { var c = Op("Cast", 19); return c.X(c.I(-99, 99, DType.I64, 4, 2)).A("to", 11L); },
        ["Cast f32→f16"] = () => { var c = Op("Cast", 19); return c.X(c.N(2, 6)).A("to", 10L); },
        ["CastLike"] = () => { var c = Op("CastLike", 19); return c.X(c.U(-9, 9, DType.F64, 3, 4)).X(c.I(0, 2, DType.I32, 2)); },
        ["Add broadcast"] = () => { var c = Op("Add", 14); return c.X(c.N(2, 3, 4)).X(c.N(4)); },
        ["Add constant"] = () => { var c = Op("Add", 14); return c.X(c.N(3, 4)).C(c.N(3, 1)); },
        ["Sub both broadcast"] = () => { var c = Op("Sub", 14); return c.X(c.N(3, 1)).X(c.N(1, 4)); },
        ["Mul f64"] = () => { var c = Op("Mul", 14); return c.X(c.U(-2, 2, DType.F64, 2, 5)).X(c.U(-2, 2, DType.F64, 2, 5)); },
        ["Div f32"] = () => { var c = Op("Div", 14); return c.X(c.N(4, 3)).X(c.U(0.5, 2, DType.F32, 4, 3)); },
        ["Div i32 truncates"] = () => { var c = Op("Div", 14); return c.X(c.I(-40, 40, DType.I32, 3, 5)).X(c.I(1, 7, DType.I32, 5)); },
        ["Pow runtime"] = () => { var c = Op("Pow", 15); return c.X(c.U(0.1, 3, DType.F32, 3, 4)).X(c.U(-2, 2, DType.F32, 4)); },
        ["Pow square"] = () => { var c = Op("Pow", 15); return c.X(c.N(3, 4)).C(Tensor.Scalar(2.0)); },
        ["Pow cube"] = () => { var c = Op("Pow", 15); return c.X(c.N(3, 4)).C(Tensor.Scalar(3.0)); },
        ["Max variadic"] = () => { var c = Op("Max", 13); return c.X(c.N(2, 4)).X(c.N(4)).X(c.N(2, 1)); },
        ["Min i64"] = () => { var c = Op("Min", 13); return c.X(c.I(-9, 9, DType.I64, 3, 3)).X(c.I(-9, 9, DType.I64, 3, 3)); },
        ["Equal i64"] = () => { var c = Op("Equal", 13); return c.X(c.I(0, 3, DType.I64, 4, 4)).X(c.I(0, 3, DType.I64, 4)); },
        ["Less broadcast"] = () => { var c = Op("Less", 13); return c.X(c.N(3, 1)).X(c.N(5)); },
        ["Greater"] = () => { var c = Op("Greater", 13); return c.X(c.N(2, 6)).X(c.N(2, 6)); },
        ["GreaterOrEqual"] = () => { var c = Op("GreaterOrEqual", 16); return c.X(c.I(0, 4, DType.I32, 3, 3)).X(c.I(0, 4, DType.I32, 3, 3)); },
        ["Where broadcast"] = () => { var c = Op("Where", 16); using var m = c.N(3, 1); return c.X(m.Gt(0)).X(c.N(3, 4)).X(c.N(4)); },
        ["MatMul batch·matrix"] = () => { var c = Op("MatMul", 13); return c.X(c.N(2, 3, 4)).X(c.N(4, 5)); },
        ["MatMul vector·matrix"] = () => { var c = Op("MatMul", 13); return c.X(c.N(4)).X(c.N(4, 5)); },
        ["MatMul matrix·vector"] = () => { var c = Op("MatMul", 13); return c.X(c.N(3, 4)).X(c.N(4)); },
        ["MatMul broadcast batch"] = () => { var c = Op("MatMul", 13); return c.X(c.N(2, 1, 3, 4)).X(c.N(3, 4, 2)); },
        ["MatMul f64 weight"] = () => { var c = Op("MatMul", 13); return c.X(c.U(-1, 1, DType.F64, 5, 3)).C(c.U(-1, 1, DType.F64, 3, 2)); },
        ["Gemm linear"] = () => { var c = Op("Gemm", 13); return c.X(c.N(4, 6)).C(c.N(3, 6)).C(c.N(3)).A("transB", 1L); },
        ["Gemm alpha beta"] = () => { var c = Op("Gemm", 13); return c.X(c.N(6, 4)).X(c.N(6, 3)).X(c.N(4, 1)).A("transA", 1L).A("alpha", 0.5f).A("beta", 2f); },
        ["Gemm no C"] = () => { var c = Op("Gemm", 13); return c.X(c.N(2, 5)).X(c.N(5, 3)); },
        ["Conv stride pad bias"] = () => { var c = Op("Conv", 11); return c.X(c.N(2, 3, 7, 6)).C(c.N(4, 3, 3, 3)).C(c.N(4)).A("strides", 2, 1).A("pads", 1, 0, 1, 2); },
        ["Conv groups dilation"] = () => { var c = Op("Conv", 11); return c.X(c.N(1, 4, 9, 9)).C(c.N(6, 2, 3, 3)).A("group", 2L).A("dilations", 2, 2); },
        ["Conv 1-d same"] = () => { var c = Op("Conv", 11); return c.X(c.N(2, 3, 10)).C(c.N(5, 3, 4)).A("auto_pad", "SAME_UPPER").A("strides", [3L]); },
        ["MaxPool pads"] = () => { var c = Op("MaxPool", 12); return c.X(c.N(2, 3, 7, 7)).A("kernel_shape", 3, 3).A("strides", 2, 2).A("pads", 1, 1, 1, 1); },
        ["MaxPool ceil asymmetric"] = () => { var c = Op("MaxPool", 12); return c.X(c.N(1, 2, 6, 7)).A("kernel_shape", 2, 3).A("strides", 2, 2).A("pads", 0, 1, 1, 0).A("ceil_mode", 1L); },
        ["MaxPool 1-d dilated"] = () => { var c = Op("MaxPool", 12); return c.X(c.N(2, 2, 11)).A("kernel_shape", [3L]).A("dilations", [2L]); },
        ["AveragePool exclude pad"] = () => { var c = Op("AveragePool", 19); return c.X(c.N(2, 2, 6, 6)).A("kernel_shape", 3, 3).A("pads", 1, 1, 1, 1); },
        ["AveragePool include pad ceil"] = () => { var c = Op("AveragePool", 19); return c.X(c.N(1, 3, 7, 5)).A("kernel_shape", 2, 2).A("strides", 2, 2).A("pads", 1, 0, 0, 1).A("count_include_pad", 1L).A("ceil_mode", 1L); },
        ["GlobalAveragePool"] = () => { var c = Op("GlobalAveragePool", 1); return c.X(c.N(2, 3, 4, 5)); },
        ["BatchNormalization"] = () => { var c = Op("BatchNormalization", 15); return c.X(c.N(2, 3, 4, 4)).C(c.N(3)).C(c.N(3)).C(c.N(3)).C(c.U(0.5, 2, DType.F32, 3)).A("epsilon", 1e-3f); },
        ["LayerNormalization"] = () => { var c = Op("LayerNormalization", 17); return c.X(c.N(2, 3, 8)).C(c.N(8)).C(c.N(8)); },
        ["LayerNormalization axis 1"] = () => { var c = Op("LayerNormalization", 17); return c.X(c.N(4, 3, 5)).C(c.N(3, 5)).A("axis", 1L).A("epsilon", 1e-3f); },
        ["Softmax"] = () => { var c = Op("Softmax", 13); return c.X(c.N(2, 5, 3)).A("axis", 1L); },
        ["LogSoftmax coerced"] = () => { var c = Op("LogSoftmax", 11); return c.X(c.N(2, 3, 4)).A("axis", 1L); },
        ["Transpose perm"] = () => { var c = Op("Transpose", 13); return c.X(c.N(2, 3, 4)).A("perm", 1, 2, 0); },
        ["Transpose reverse"] = () => { var c = Op("Transpose", 13); return c.X(c.I(0, 100, DType.I64, 3, 5)); },
        ["Concat"] = () => { var c = Op("Concat", 13); return c.X(c.N(2, 3, 2)).C(c.N(2, 1, 2)).X(c.N(2, 4, 2)).A("axis", 1L); },
        ["Gather constant negative"] = () => { var c = Op("Gather", 13); return c.X(c.N(3, 5, 2)).C(Tensor.FromArray(new long[] { 4, -1, 0, -5 }, 2, 2)).A("axis", 1L); },
        ["Gather runtime indices"] = () => { var c = Op("Gather", 13); return c.X(c.N(6, 4)).X(c.I(-6, 6, DType.I64, 5)); },
        ["Gather scalar index"] = () => { var c = Op("Gather", 13); return c.X(c.N(4, 3)).X(Tensor.Scalar(2, DType.I32)).A("axis", 0L); },
        ["Slice steps"] = () => { var c = Op("Slice", 13); return c.X(c.N(6, 7, 3)).C(Tensor.FromArray(new long[] { 1, -1 })).C(Tensor.FromArray(new long[] { 100, -8 })).C(Tensor.FromArray(new long[] { 0, 1 })).C(Tensor.FromArray(new long[] { 2, -2 })); },
        ["Slice opset 1"] = () => { var c = Op("Slice", 1); return c.X(c.N(5, 6)).A("starts", 1, 2).A("ends", 4, -1); },
        ["Expand"] = () => { var c = Op("Expand", 13); return c.X(c.N(3, 1)).C(Tensor.FromArray(new long[] { 2, 3, 4 })); },
        ["Pad constant"] = () => { var c = Op("Pad", 13); return c.X(c.N(2, 3)).C(Tensor.FromArray(new long[] { 1, 0, 2, -1 })).C(Tensor.Scalar(1.5)); },
        ["Pad axes"] = () => { var c = Op("Pad", 18); return c.X(c.N(2, 3, 4)).C(Tensor.FromArray(new long[] { 1, 2, 0, 1 })).None().C(Tensor.FromArray(new long[] { 0, -1 })); },
        ["ReduceMean attribute"] = () => { var c = Op("ReduceMean", 13); return c.X(c.N(3, 4, 5)).A("axes", 0, 2); },
        ["ReduceMean input no keepdims"] = () => { var c = Op("ReduceMean", 18); return c.X(c.N(3, 4, 5)).C(Tensor.FromArray(new long[] { -1 })).A("keepdims", 0L); },
        ["ReduceSum i32"] = () => { var c = Op("ReduceSum", 13); return c.X(c.I(-9, 9, DType.I32, 4, 6)).C(Tensor.FromArray(new long[] { 1 })); },
        ["ReduceSum all"] = () => { var c = Op("ReduceSum", 13); return c.X(c.N(3, 4)); },
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void StaticKernelMatchesTheInterpreter(string name)
    {
        using var c = Cases[name]();
        var (g, feeds) = c.Build();
        using (g)
        {
            var expected = Interpret(g, feeds);
            using var plan = ExecutionPlan.Create(g, feeds);
            Assert.True(plan.Report.StaticNodes == 1, $"{name}: no static kernel was prepared (fallback: {string.Join(", ", plan.Report.FallbackNodes)})");
            var got = plan.Run(feeds);
            var strided = feeds.Select(Strided).ToArray();
            var again = plan.Run(strided);
            try
            {
                for (int i = 0; i < expected.Length; i++)
                {
                    AssertSame(expected[i], got[i], what: name);
                    AssertSame(expected[i], again[i], what: name + " (strided inputs)");
                }
            }
            finally
            {
                DisposeAll(expected, got, again, strided);
            }
        }
    }

    [Theory]
    [InlineData("Relu", 14, 0)]
    [InlineData("Sigmoid", 13, 0)]
    [InlineData("Exp", 13, 0)]
    [InlineData("LeakyRelu", 16, 0)]
    [InlineData("Clip", 6, 0)]
    [InlineData("Add", 14, 1)]
    [InlineData("Sub", 14, 1)]
    [InlineData("Div", 14, 1)]
    [InlineData("Pow", 15, 1)]
    [InlineData("Max", 13, 2)]
    [InlineData("Min", 13, 1)]
    [InlineData("Where", 16, -1)]
    public void KernelsWritingOverTheirDyingInputMatchTheInterpreter(string op, long opset, int others)
    {
        // x → Neg → p → op(p, …) → Neg → y: p is planned and dies at op, so op may write over it
        using var g = new Graph("inplace");
        g.OpsetImports[""] = opset;
        var x = g.AddInput("x");
        var p = g.AddNode("Neg", [x], ["p"]).Outputs[0];
        var ins = new List<Value?> { p };
        var gen = new Generator(3);
        if (op == "Where")
        {
            var cond = g.AddNode("Greater", [x, g.AddConstant("zero", Tensor.Scalar(0.0))], ["cond"]).Outputs[0];
            ins = [cond, p, g.AddConstant("b", Tensor.RandN(new DeepSeek.Shape(5), gen))];
        }
        for (int i = 0; i < others; i++) ins.Add(g.AddConstant("k" + i, Tensor.Rand(new DeepSeek.Shape(5), gen, 0.5, 2)));
        var n = g.AddNode(op, ins, ["q"]);
        if (op == "Clip") { n.Attributes["min"] = AttributeValue.Of(-0.5f); n.Attributes["max"] = AttributeValue.Of(0.5f); }
        g.AddOutput(g.AddNode("Neg", [n.Outputs[0]], ["y"]).Outputs[0]);
        using var xs = Tensor.Rand(new DeepSeek.Shape(4, 5), gen, -2, 2);
        using var xv = op == "Pow" ? xs.Abs() : xs.Detach();
        var expected = Interpret(g, xv);
        using var plan = ExecutionPlan.Create(g, [xv]);
        Assert.Equal(3, plan.Report.StaticNodes + (op == "Where" ? -1 : 0));
        Assert.Equal(op == "Where" ? 0 : 1, plan.Report.InPlaceReuses);
        var got = plan.Run([xv]);
        AssertSame(expected[0], got[0], what: op);
        DisposeAll(expected, got);
    }

    [Fact]
    public void EveryListedOpHasAStaticKernel()
    {
        string[] ops =
        [
            "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Erf", "Neg", "Abs",
            "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Where", "Equal", "Less", "Greater", "Not", "Cast", "MatMul", "Gemm",
            "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "LayerNormalization", "Softmax",
            "LogSoftmax", "Transpose", "Concat", "Gather", "Slice", "Expand", "ReduceMean", "ReduceSum", "Pad",
        ];
        foreach (var op in ops) Assert.True(StaticKernelRegistry.Default.Has("", op), op);
        var covered = Cases.Keys.Select(k => k.Split(' ')[0]).ToHashSet();
        foreach (var op in ops) Assert.Contains(op, covered);
    }

    [Fact]
    public void UnsupportedVariantsFallBackToTheInterpreter()
    {
        // F16 math, edge-mode Pad and MaxPool with indices have no static kernel: the plan runs them through the interpreter.
        using var c1 = Op("Relu", 14);
        using var h = c1.N(3, 4);
        c1.X(h.To(DType.F16));
        using var c2 = Op("Pad", 13);
        c2.X(c2.N(3, 4)).C(Tensor.FromArray(new long[] { 1, 1, 1, 1 })).A("mode", "edge");
        foreach (var c in new[] { c1, c2 })
        {
            var (g, feeds) = c.Build();
            using (g)
            {
                var expected = Interpret(g, feeds);
                using var plan = ExecutionPlan.Create(g, feeds);
                Assert.Equal(0, plan.Report.StaticNodes);
                Assert.Single(plan.Report.FallbackNodes);
                var got = plan.Run(feeds);
                AssertSame(expected[0], got[0], rtol: 1e-3);
                DisposeAll(expected, got);
            }
        }
        using var c3 = Op("MaxPool", 12);
        c3.X(c3.N(1, 2, 4, 4)).A("kernel_shape", 2, 2);
        var (g3, f3) = c3.Build(outputs: 2);
        using (g3)
        {
            using var plan = ExecutionPlan.Create(g3, f3);
            Assert.Equal(["MaxPool"], plan.Report.FallbackNodes);
        }
    }
}
