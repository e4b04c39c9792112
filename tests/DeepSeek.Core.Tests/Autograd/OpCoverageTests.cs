using System.Reflection;

namespace DeepSeek.Tests.Autograd;

/// <summary>
/// Every public op returning tensors must be classified here: differentiable (recorded by autograd and covered by
/// a finite-difference test in this folder) or not differentiable (integer/bool results, piecewise-constant values,
/// creation). A new op fails this test until someone decides which it is — so no op silently cuts the graph.
/// </summary>
public sealed class OpCoverageTests
{
    private static readonly HashSet<string> Differentiable =
    [
        // elementwise
        "Neg", "Abs", "Square", "Relu", "Exp", "Log", "Log1p", "Expm1", "Sqrt", "Rsqrt", "Reciprocal", "Sin", "Cos", "Tanh",
        "Sigmoid", "Erf", "Silu", "Gelu", "LeakyRelu", "HardSwish", "HardSigmoid", "Clamp", "Add", "Sub", "Mul", "Div", "Pow",
        "Maximum", "Minimum", "Remainder", "Fmod", "Where", "To", "op_Addition", "op_Subtraction", "op_Multiply", "op_Division",
        "op_UnaryNegation",
        // views
        "Reshape", "ViewAs", "Transpose", "get_T", "Permute", "Slice", "Narrow", "Select", "Expand", "BroadcastTo", "Squeeze",
        "Unsqueeze", "Flatten", "Contiguous", "Clone", "get_At", "Split", "Chunk",
        // reductions
        "Sum", "Mean", "Prod", "Max", "Min", "LogSumExp", "Var", "Std", "MaxWithIndices", "MinWithIndices", "Softmax",
        "LogSoftmax", "CumSum", "TopK", "Sort",
        // indexing
        "Concat", "Cat", "Stack", "Repeat", "Tile", "Pad", "IndexSelect", "Embedding", "Gather", "ScatterAdd", "IndexAdd",
        "MaskedFill", "Flip", "Tril", "Triu",
        // linear algebra and NN
        "MatMul", "Mm", "Bmm", "Dot", "Outer", "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "MaxPool1d",
        "MaxPool2dWithIndices", "AvgPool2d", "AvgPool1d", "AdaptiveAvgPool2d", "BatchNorm", "LayerNorm", "GroupNorm",
        // control flow: gradients flow through the ops of the branch that ran
        "Cond",
        "ScaledDotProductAttention", "SkipLayerNorm", "SkipLayerNormWithSum", // fused for inference, composite under autograd
    ];

    private static readonly HashSet<string> NotDifferentiable =
    [
        // integer/bool results or piecewise-constant values (zero gradient, as PyTorch)
        "Sign", "Floor", "Ceil", "Round", "Trunc", "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "LogicalAnd", "LogicalOr", "LogicalXor",
        "LogicalNot", "op_BitwiseAnd", "op_BitwiseOr", "op_ExclusiveOr", "op_LogicalNot", "ArgMax", "ArgMin", "ArgSort", "OneHot",
        // creation and data movement out of the graph
        "Empty", "EmptyLike", "Full", "Zeros", "Ones", "ZerosLike", "OnesLike", "Scalar", "Arange", "Eye", "Rand", "RandN",
        "RandInt", "FromSpan", "FromArray", "FromDoubles", "Detach", "get_Grad", "DetachFromScope", "MoveToOuterScope", "RequireGrad",
        // in-place (refused on tensors that require grad outside NoGrad)
        "AddInPlace", "MulInPlace", "ClampInPlace", "CopyFrom",
    ];

    [Fact]
    public void EveryPublicOpIsClassified()
    {
        var ops = typeof(Tensor).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.ReturnType == typeof(Tensor) || (m.ReturnType.FullName ?? "").StartsWith("System.ValueTuple", StringComparison.Ordinal)
                        || m.ReturnType == typeof(Tensor[]))
            .Select(m => m.Name)
            .Distinct()
            .ToList();
        var unclassified = ops.Where(n => !Differentiable.Contains(n) && !NotDifferentiable.Contains(n)).ToList();
        Assert.True(unclassified.Count == 0, "unclassified ops (add a backward + finite-difference test, or list as not differentiable): " + string.Join(", ", unclassified));
        var stale = Differentiable.Concat(NotDifferentiable).Where(n => !ops.Contains(n)).ToList();
        Assert.True(stale.Count == 0, "listed but not found: " + string.Join(", ", stale));
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Relu")]
    [InlineData("MatMul")]
    [InlineData("Conv2d")]
    [InlineData("Softmax")]
    [InlineData("Concat")]
    public void RepresentativeOpsRecordNodes(string op)
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.RandN(new Shape(1, 2, 4, 4), new Generator(1)).RequireGrad();
        var w = Tensor.RandN(new Shape(3, 2, 3, 3), new Generator(2)).RequireGrad();
        Tensor y = op switch
        {
            "Add" => x + x,
            "Relu" => x.Relu(),
            "MatMul" => x.MatMul(x.Transpose(2, 3)),
            "Conv2d" => x.Conv2d(w),
            "Softmax" => x.Softmax(1),
            "Concat" => Tensor.Concat([x, x], 1),
            _ => throw new ArgumentException(op),
        };
        Assert.True(y.RequiresGrad);
        Assert.NotNull(y.GradFn);
    }
}
