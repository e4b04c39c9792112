using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Compilation.Fusion.FusionTestKit;

namespace DeepSeek.Graph.Tests.Compilation.Fusion;

using Shape = DeepSeek.Shape;

/// <summary>
/// deepseek::FusedConv and deepseek::FusedGemm: the interpreter kernels against the unfused Core ops, and the static
/// kernels (pre-packed weights) against the interpreter kernels.
/// </summary>
public sealed class FusedOpsTests
{
    // One node reading graph inputs (or constants for the indices in `constant`), run by the interpreter.
    private static Tensor RunNode(string op, Tensor?[] inputs, (string, object)[] attrs, HashSet<int>? constant = null)
    {
        using var g = NewGraph(op);
        var vals = new Value?[inputs.Length];
        var feeds = new List<(string, Tensor)>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) continue;
            if (constant?.Contains(i) == true) vals[i] = g.AddConstant($"c{i}", t.Clone());
            else
            {
                vals[i] = g.AddInput($"i{i}", new TensorType(t.DType, t.Shape.ToArray().Select(d => Dim.Of(d)).ToArray()));
                feeds.Add(($"i{i}", t));
            }
        }
        var n = g.AddNode(op, vals, ["y"], "deepseek", name: "fused");
        foreach (var (k, v) in attrs)
            n.Attributes[k] = v switch
            {
                long l => AttributeValue.Of(l),
                float f => AttributeValue.Of(f),
                string s => AttributeValue.Of(s),
                long[] ls => AttributeValue.Of(ls),
                float[] fs => AttributeValue.Of(fs),
                _ => throw new ArgumentException(k),
            };
        g.AddOutput(n.Outputs[0]);
        var interp = new Interpreter(Registry);
        var outs = interp.Run(g, feeds.ToDictionary(f => f.Item1, f => (RuntimeValue)f.Item2.Detach()));
        return outs["y"].AsTensor("y");
    }

    private static void AssertClose(Tensor want, Tensor got, double tol)
    {
        Assert.Equal(want.Shape, got.Shape);
        var w = want.ToDoubleArray();
        var v = got.ToDoubleArray();
        for (int i = 0; i < w.Length; i++)
            if (!(Math.Abs(w[i] - v[i]) <= tol * (1 + Math.Abs(w[i])))) Assert.Fail($"element {i}: expected {w[i]:R}, got {v[i]:R}");
    }

    [Fact]
    public void FusedConvMatchesConvAddActivation()
    {
        using var scope = Tensor.NewScope();
        var x = RandN(1, 2, 6, 9, 9);
        var w = Scaled(RandN(2, 8, 3, 3, 3), 0.3);
        var b = RandN(3, 8);
        var z = RandN(4, 2, 8, 5, 5);
        // stride 2, SAME_UPPER, dilation 1, group 2: 9 → 5
        var y = RunNode("FusedConv", [x, w, b, z], [("auto_pad", "SAME_UPPER"), ("strides", new long[] { 2, 2 }), ("group", 2L),
            ("activation", "LeakyRelu"), ("activation_params", new[] { 0.1f })]);
        var expected = x.Conv2d(w, b, (2, 2), [1, 1, 1, 1], (1, 1), 2).Add(z).LeakyRelu(0.1);
        AssertClose(expected, y, 1e-5);
        // explicit asymmetric pads and dilation, no bias or residual, HardSigmoid defaults
        var y2 = RunNode("FusedConv", [x, Scaled(RandN(5, 4, 6, 2, 3), 0.3)], [("pads", new long[] { 0, 1, 2, 0 }), ("dilations", new long[] { 2, 1 }),
            ("activation", "HardSigmoid")]);
        var expected2 = x.Conv2d(Scaled(RandN(5, 4, 6, 2, 3), 0.3), null, (1, 1), [0, 1, 2, 0], (2, 1)).HardSigmoid(0.2, 0.5);
        AssertClose(expected2, y2, 1e-5);
    }

    [Fact]
    public void FusedConvComputesHalfPrecisionInF32()
    {
        using var scope = Tensor.NewScope();
        var x = RandN(6, 1, 3, 6, 6).To(DType.F16);
        var w = Scaled(RandN(7, 4, 3, 3, 3), 0.3).To(DType.F16);
        var y = RunNode("FusedConv", [x, w], [("activation", "Relu")]);
        Assert.Equal(DType.F16, y.DType);
        var expected = x.To(DType.F32).Conv2d(w.To(DType.F32)).Relu();
        AssertClose(expected, y.To(DType.F32), 2e-3);
    }

    [Fact]
    public void FusedConvErrorsNameTheNodeShapesAndTypes()
    {
        using var scope = Tensor.NewScope();
        var x = RandN(8, 1, 4, 6, 6);
        var ex = Assert.Throws<ShapeMismatchException>(() => RunNode("FusedConv", [x, RandN(9, 5, 3, 3, 3)], []));
        Assert.Contains("FusedConv node 'fused'", ex.Message);
        Assert.Contains("[5, 3, 3, 3]", ex.Message);
        var ez = Assert.Throws<ShapeMismatchException>(() => RunNode("FusedConv", [x, RandN(10, 5, 4, 3, 3), null, RandN(11, 1, 5, 6, 6)], []));
        Assert.Contains("residual Z [1, 5, 6, 6]", ez.Message);
        var et = Assert.Throws<DTypeMismatchException>(() => RunNode("FusedConv", [x, RandN(12, 5, 4, 3, 3).To(DType.F64)], []));
        Assert.Contains("f64", et.Message);
        var ea = Assert.Throws<ModelFormatException>(() => RunNode("FusedConv", [x, RandN(13, 5, 4, 3, 3)], [("activation", "Swoosh")]));
        Assert.Contains("unknown activation 'Swoosh'", ea.Message);
        var ep = Assert.Throws<ModelFormatException>(() => RunNode("FusedConv", [x, RandN(14, 5, 4, 3, 3)], [("activation", "Relu"), ("activation_params", new[] { 1f })]));
        Assert.Contains("takes 0 activation_params", ep.Message);
    }

    [Fact]
    public void FusedGemmMatchesGemmSemantics()
    {
        using var scope = Tensor.NewScope();
        var a = RandN(15, 9, 7);
        var b = RandN(16, 11, 9);
        var c = RandN(17, 1, 11);
        var z = RandN(18, 7, 11);
        // transA, transB, alpha, beta, [1, N] bias, residual, Silu
        var y = RunNode("FusedGemm", [a, b, c, z], [("transA", 1L), ("transB", 1L), ("alpha", 0.5f), ("beta", 2f), ("activation", "Silu")]);
        var expected = a.T.MatMul(b.T).Mul(0.5).Add(c.Mul(2)).Add(z).Silu();
        AssertClose(expected, y, 1e-5);
        // rank-3 A, one-value C broadcast, no activation
        var a3 = RandN(19, 2, 3, 9);
        var b2 = RandN(20, 9, 4);
        var y3 = RunNode("FusedGemm", [a3, b2, Tensor.Scalar(1.5f)], []);
        AssertClose(a3.MatMul(b2).Add(1.5), y3, 1e-5);
        // f64 keeps its type and precision
        var y64 = RunNode("FusedGemm", [a3.To(DType.F64), b2.To(DType.F64), RandN(21, 4).To(DType.F64)], [("activation", "Gelu")]);
        Assert.Equal(DType.F64, y64.DType);
        AssertClose(a3.To(DType.F64).MatMul(b2.To(DType.F64)).Add(RandN(21, 4).To(DType.F64)).Gelu(), y64, 1e-12);
    }

    [Fact]
    public void FusedGemmErrorsNameTheNodeShapesAndTypes()
    {
        using var scope = Tensor.NewScope();
        var a = RandN(22, 4, 6);
        var ex = Assert.Throws<ShapeMismatchException>(() => RunNode("FusedGemm", [a, RandN(23, 5, 3)], []));
        Assert.Contains("FusedGemm node 'fused'", ex.Message);
        Assert.Contains("inner dims differ", ex.Message);
        Assert.Contains("C must be a bias", Assert.Throws<ShapeMismatchException>(() => RunNode("FusedGemm", [a, RandN(24, 6, 3), RandN(25, 4, 1)], [])).Message);
        Assert.Contains("transA=1 needs a 2-d A", Assert.Throws<ShapeMismatchException>(() => RunNode("FusedGemm", [RandN(26, 2, 6, 4), RandN(27, 4, 3)], [("transA", 1L)])).Message);
        Assert.Contains("i32", Assert.Throws<DTypeMismatchException>(() => RunNode("FusedGemm", [a.To(DType.I32), RandN(28, 6, 3).To(DType.I32)], [])).Message);
    }

    // The static kernel for `node` (registered through RegisterStatic), given concrete input types and constants.
    private static IStaticKernel? Static(Node node, Tensor?[] inputs, bool[] constant, Shape output)
    {
        var metas = inputs.Select(t => t is null ? (TensorMeta?)null : new TensorMeta(t.DType, t.Shape)).ToList();
        var consts = inputs.Select((t, i) => constant[i] ? t : null).ToList();
        var req = new StaticKernelRequest(node, 1, metas, [new TensorMeta(DType.F32, output)], consts);
        return StaticKernelRegistry.Default.TryCreate(req);
    }

    [Fact]
    public void StaticFusedConvPacksTheWeightAndMatchesTheInterpreter()
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph("static");
        var node = g.AddNode("FusedConv", [g.AddInput("x"), g.AddInput("w"), g.AddInput("b"), g.AddInput("z")], ["y"], "deepseek", "conv");
        node.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        node.Attributes["activation"] = AttributeValue.Of("Clip");
        node.Attributes["activation_params"] = AttributeValue.Of(new[] { 0f, 6f });
        var x = RandN(30, 1, 16, 14, 14);
        var w = Scaled(RandN(31, 32, 16, 3, 3), 0.2);
        var b = RandN(32, 32);
        var z = RandN(33, 1, 32, 14, 14);
        var want = x.Conv2d(w, b, 1, 1).Add(z).Clamp(0, 6);
        using var kernel = Static(node, [x, w, b, z], [false, true, true, false], new Shape(1, 32, 14, 14));
        Assert.NotNull(kernel);
        var y = Tensor.Empty(new Shape(1, 32, 14, 14));
        kernel!.Run([x, null, null, z], [y]); // the executor need not hand the packed weight or the kept bias back
        // a 3×3 stride-1 conv may run as Winograd F(4×4, 3×3), whose fp32 error scales with the output's magnitude
        AssertClose(want, y, 1e-5 * (1 + want.ToDoubleArray().Max(Math.Abs)));
        // a computed weight, or a non-f32 input, falls back to the interpreter kernel
        Assert.Null(Static(node, [x, w, b, z], [false, false, true, false], new Shape(1, 32, 14, 14)));
        Assert.Null(Static(node, [x.To(DType.F64), w.To(DType.F64), null, null], [false, true, false, false], new Shape(1, 32, 14, 14)));
        // a planned output of the wrong shape is a clear error
        var ex = Assert.Throws<ShapeMismatchException>(() => Static(node, [x, w, b, z], [false, true, true, false], new Shape(1, 32, 13, 14)));
        Assert.Contains("FusedConv node 'conv'", ex.Message);
    }

    [Fact]
    public void StaticFusedGemmFoldsAlphaAndBetaAndMatchesTheInterpreter()
    {
        using var scope = Tensor.NewScope();
        using var g = NewGraph("static-gemm");
        var node = g.AddNode("FusedGemm", [g.AddInput("a"), g.AddInput("b"), g.AddInput("c"), g.AddInput("z")], ["y"], "deepseek", "fc");
        node.Attributes["transB"] = AttributeValue.Of(1L);
        node.Attributes["alpha"] = AttributeValue.Of(0.5f);
        node.Attributes["beta"] = AttributeValue.Of(3f);
        node.Attributes["activation"] = AttributeValue.Of("GeluTanh");
        var a = RandN(40, 2, 64, 48);
        var b = Scaled(RandN(41, 40, 48), 0.2);
        var c = RandN(42, 40);
        var z = RandN(43, 2, 64, 40);
        var want = RunNode("FusedGemm", [a, b, c, z], [("transB", 1L), ("alpha", 0.5f), ("beta", 3f), ("activation", "GeluTanh")]);
        var direct = a.MatMul(b.T).Mul(0.5).Add(c.Mul(3)).Add(z).Gelu(GeluApproximation.Tanh);
        AssertClose(direct, want, 1e-5);
        using var kernel = Static(node, [a, b, c, z], [false, true, true, false], new Shape(2, 64, 40));
        Assert.NotNull(kernel);
        var y = Tensor.Empty(new Shape(2, 64, 40));
        kernel!.Run([a, b, c, z], [y]);
        AssertClose(want, y, 1e-5);
        // a computed bias is read at run time when beta = 1; with beta ≠ 1 the interpreter kernel takes it
        Assert.Null(Static(node, [a, b, c, z], [false, true, false, false], new Shape(2, 64, 40)));
        node.Attributes["beta"] = AttributeValue.Of(1f);
        using var k2 = Static(node, [a, b, c, null], [false, true, false, false], new Shape(2, 64, 40));
        Assert.NotNull(k2);
        k2!.Run([a, b, c, null], [y]);
        AssertClose(a.MatMul(b.T).Mul(0.5).Add(c).Gelu(GeluApproximation.Tanh), y, 1e-5);
        Assert.Null(Static(node, [a, b, c, null], [false, false, false, false], new Shape(2, 64, 40)));
    }

    [Fact]
    public void ActivationAttributesRoundTrip()
    {
        using var g = NewGraph("attrs");
        var n = g.AddNode("FusedConv", [g.AddInput("x"), g.AddInput("w")], ["y"], "deepseek");
        foreach (var e in new[] { Epilogue.None, Epilogue.Relu, Epilogue.Clip(0, 6), Epilogue.LeakyRelu(0.3f), Epilogue.Sigmoid,
            Epilogue.HardSigmoid(0.1f, 0.6f), Epilogue.HardSwish, Epilogue.Silu, Epilogue.Tanh, Epilogue.Gelu, Epilogue.GeluTanh })
        {
            FusedActivation.Write(n, e);
            Assert.Equal(e, FusedActivation.Read(n));
        }
        Assert.Equal(10, FusedActivation.Names.Count);
    }
}
