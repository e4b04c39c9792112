using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>
/// The fused convolution (packed weights, implicit im2col, bias + residual + activation epilogue) against the
/// direct double-precision loop of <see cref="NNRef.Conv2d"/> and against the unfused ops.
/// </summary>
public class FusedConvTests
{
    internal static Epilogue[] AllActivations =>
    [
        Epilogue.None, Epilogue.Relu, Epilogue.Clip(-0.5f, 0.75f), Epilogue.LeakyRelu(0.1f), Epilogue.Sigmoid,
        Epilogue.HardSigmoid(0.2f, 0.5f), Epilogue.HardSwish, Epilogue.Silu, Epilogue.Tanh, Epilogue.Gelu, Epilogue.GeluTanh,
    ];

    // y = act(conv + bias + z) in double
    internal static double[] Reference(Tensor x, Tensor w, Tensor? b, Tensor? z, Conv2dParams p, Epilogue e, out int oh, out int ow)
    {
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), wd = x.Size(3), cout = w.Size(0), kh = w.Size(2), kw = w.Size(3);
        var y = NNRef.Conv2d(x.ToDoubleArray(), n, c, h, wd, w.ToDoubleArray(), cout, kh, kw, b?.ToDoubleArray(),
            p.StrideH, p.StrideW, p.PadTop, p.PadLeft, p.PadBottom, p.PadRight, p.DilationH, p.DilationW, p.Groups, out oh, out ow);
        var zs = z?.ToDoubleArray();
        for (int i = 0; i < y.Length; i++) y[i] = e.Activate(y[i] + (zs?[i] ?? 0));
        return y;
    }

    private static void Check(int n, int cin, int h, int w, int cout, int kh, int kw, int s, int pad, int dil, int g, bool bias, bool residual, Epilogue e)
    {
        var p = new Conv2dParams(s, s, pad, pad, pad, pad, dil, dil, g);
        using var scope = Tensor.NewScope();
        var x = Randn(11, n, cin, h, w);
        var wt = Randn(12, cout, cin / g, kh, kw).Mul(0.3);
        var b = bias ? Randn(13, cout) : null;
        int oh = (h + 2 * pad - dil * (kh - 1) - 1) / s + 1, ow = (w + 2 * pad - dil * (kw - 1) - 1) / s + 1;
        var z = residual ? Randn(14, n, cout, oh, ow) : null;
        var expected = Reference(x, wt, b, z, p, e, out _, out _);
        using var packed = PackedWeights.ForConv(wt, g);
        var y = Tensor.Empty(new Shape(n, cout, oh, ow));
        x.Backend.Conv2d(x, packed, b, p, y, e.WithResidual(z));
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
        var y2 = Tensor.Empty(new Shape(n, cout, oh, ow));
        x.Backend.Conv2d(x, wt, b, p, y2, e.WithResidual(z));
        TestUtil.AssertClose(y2, expected, 1e-4, 1e-4);
        // packed for the known output plane: small planes get the turned-around (pixels × channels) layout
        using var forPlane = PackedWeights.ForConv(wt, g, oh * ow);
        var y3 = Tensor.Empty(new Shape(n, cout, oh, ow));
        x.Backend.Conv2d(x, forPlane, b, p, y3, e.WithResidual(z));
        TestUtil.AssertClose(y3, expected, 1e-4, 1e-4);
    }

    [Fact]
    public void SmallPlanesChooseTheTurnedAroundLayout()
    {
        using var scope = Tensor.NewScope();
        var w = Randn(91, 64, 32, 3, 3);
        using var plane7 = PackedWeights.ForConv(w, 1, 49);
        using var plane28 = PackedWeights.ForConv(w, 1, 784);
        using var unknown = PackedWeights.ForConv(w);
        Assert.Contains("transposed", plane7.ToString());
        Assert.DoesNotContain("transposed", plane28.ToString());
        Assert.DoesNotContain("transposed", unknown.ToString());
        // either layout serves any input size
        var x = Randn(92, 1, 32, 20, 20);
        var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var expected = Reference(x, w, null, null, p, Epilogue.None, out _, out _);
        var y = Tensor.Empty(new Shape(1, 64, 20, 20));
        x.Backend.Conv2d(x, plane7, null, p, y, Epilogue.None);
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
    }

    [Fact]
    public unsafe void Transpose16x16MovesEveryElement()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return; // the kernel is only called with AVX-512
        const int lds = 21, ldd = 19;
        var src = new float[16 * lds];
        var dst = new float[16 * ldd];
        for (int i = 0; i < src.Length; i++) src[i] = i + 0.5f;
        Array.Fill(dst, -1f);
        fixed (float* s = src)
        fixed (float* d = dst)
            DeepSeek.Backends.Cpu.Conv.PackedConv.Transpose16x16(s, lds, d, ldd);
        for (int c = 0; c < 16; c++)
            for (int j = 0; j < ldd; j++)
                Assert.Equal(j < 16 ? src[j * lds + c] : -1f, dst[c * ldd + j]); // the gaps between rows stay untouched
    }

    // one output pixel (squeeze-excitation FCs as 1×1 convs on a 1×1 plane, kernels covering the plane, padded 1×1
    // inputs): the turned-around layout runs as a matrix-vector product over the weight panels, one or two threads
    [Theory]
    [InlineData(1, 40, 1, 1, 96, 1, 1, 0, 1)]
    [InlineData(2, 576, 1, 1, 144, 1, 1, 0, 2)]
    [InlineData(3, 24, 1, 1, 50, 1, 1, 0, 2)]
    [InlineData(1, 8, 3, 3, 33, 3, 3, 0, 1)]
    [InlineData(2, 7, 1, 1, 37, 3, 3, 1, 2)]
    [InlineData(1, 1023, 1, 1, 17, 1, 1, 0, 1)]
    public void OnePixelOutputsMatchReference(int n, int cin, int h, int w, int cout, int kh, int kw, int pad, int threads)
    {
        int saved = DeepSeekOptions.Threads;
        DeepSeekOptions.Threads = threads;
        try
        {
            using var scope = Tensor.NewScope();
            var wt = Randn(21, cout, cin, kh, kw).Mul(0.1);
            using var forPlane = PackedWeights.ForConv(wt, 1, 1);
            Assert.Contains("transposed", forPlane.ToString());
            Check(n, cin, h, w, cout, kh, kw, 1, pad, 1, 1, bias: true, residual: true, Epilogue.Relu);
            Check(n, cin, h, w, cout, kh, kw, 1, pad, 1, 1, bias: true, residual: false, new Epilogue(EpilogueActivation.HardSigmoid, 0.2f, 0.5f));
            Check(n, cin, h, w, cout, kh, kw, 1, pad, 1, 1, bias: false, residual: false, Epilogue.None);
        }
        finally { DeepSeekOptions.Threads = saved; }
    }

    // n, cin, h, w, cout, kh, kw, stride, pad, dilation, groups
    [Theory]
    [InlineData(1, 3, 7, 7, 4, 3, 3, 1, 0, 1, 1)]
    [InlineData(2, 3, 8, 9, 5, 3, 3, 2, 1, 1, 1)]
    [InlineData(1, 4, 9, 7, 6, 3, 3, 1, 1, 2, 2)]
    [InlineData(2, 4, 6, 6, 8, 1, 1, 1, 0, 1, 1)]
    [InlineData(1, 16, 14, 14, 16, 1, 1, 2, 0, 1, 1)]
    [InlineData(1, 3, 30, 30, 16, 7, 7, 2, 3, 1, 1)]
    [InlineData(1, 32, 7, 7, 40, 3, 3, 1, 1, 1, 1)]
    [InlineData(1, 24, 14, 14, 30, 3, 3, 1, 1, 1, 1)]
    [InlineData(1, 16, 40, 40, 16, 3, 3, 1, 1, 1, 1)]
    [InlineData(3, 8, 10, 12, 12, 3, 3, 1, 1, 1, 1)]
    [InlineData(1, 6, 10, 10, 6, 3, 3, 1, 1, 1, 6)]
    [InlineData(1, 8, 11, 11, 8, 5, 5, 2, 2, 1, 8)]
    [InlineData(1, 4, 10, 10, 4, 3, 3, 3, 1, 1, 4)]
    [InlineData(1, 48, 9, 9, 30, 3, 3, 1, 1, 1, 1)] // depth 432 > KC: the epilogue lands on the second depth block
    [InlineData(2, 64, 20, 20, 70, 1, 1, 1, 0, 1, 1)] // whole 14×32 tiles take the fused epilogue, edges the pass
    public void MatchesReferenceWithBiasResidualAndRelu(int n, int cin, int h, int w, int cout, int kh, int kw, int s, int pad, int dil, int g)
    {
        Check(n, cin, h, w, cout, kh, kw, s, pad, dil, g, bias: true, residual: true, Epilogue.Relu);
        Check(n, cin, h, w, cout, kh, kw, s, pad, dil, g, bias: false, residual: false, Epilogue.None);
    }

    [Fact]
    public void EveryActivationMatchesReference()
    {
        foreach (var e in AllActivations)
        {
            Check(1, 8, 9, 9, 20, 3, 3, 1, 1, 1, 1, bias: true, residual: true, e);   // GEMM path, ragged tiles
            Check(1, 6, 9, 9, 6, 3, 3, 1, 1, 1, 6, bias: true, residual: true, e);    // depthwise path
        }
    }

    [Fact]
    public void MatchesUnfusedOpsForTheResNetBlockTail()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(21, 1, 16, 12, 12);
        var w = Randn(22, 16, 16, 3, 3).Mul(0.2);
        var b = Randn(23, 16);
        var z = Randn(24, 1, 16, 12, 12);
        var unfused = x.Conv2d(w, b, padding: 1).Add(z).Relu();
        using var packed = PackedWeights.ForConv(w);
        var y = Tensor.Empty(unfused.Shape);
        x.Backend.Conv2d(x, packed, b, new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1), y, Epilogue.Relu.WithResidual(z));
        TestUtil.AssertClose(y, unfused.ToDoubleArray(), 1e-5, 1e-5);
    }

    [Fact]
    public void StridedInputAndResidualViewsAreRead()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(31, 1, 10, 9, 16).Permute(0, 1, 3, 2).Slice(2, 0, 12);   // [1, 10, 12, 9], non-unit inner stride
        var w = Randn(32, 12, 10, 3, 3).Mul(0.2);
        var p = new Conv2dParams(1, 1, 1, 0, 1, 0, 1, 1, 1);                    // output [1, 12, 12, 7]
        var z = Randn(33, 1, 12, 7, 12).Permute(0, 1, 3, 2);                    // residual as a transposed view
        var expected = Reference(x, w, null, z, p, Epilogue.Tanh, out int oh, out int ow);
        Assert.Equal((12, 7), (oh, ow));
        using var packed = PackedWeights.ForConv(w);
        var y = Tensor.Empty(new Shape(1, 12, oh, ow));
        x.Backend.Conv2d(x, packed, null, p, y, Epilogue.Tanh.WithResidual(z));
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
        var wrong = Randn(34, 1, 12, 12, 8);
        var ex = Assert.Throws<ShapeMismatchException>(() => x.Backend.Conv2d(x, packed, null, p, y, Epilogue.Tanh.WithResidual(wrong)));
        Assert.Contains("[1, 12, 12, 8]", ex.Message);
    }

    [Fact]
    public void F64TakesTheReferenceEpilogue()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(41, 2, 3, 6, 6).To(DType.F64);
        var w = Randn(42, 4, 3, 3, 3).To(DType.F64);
        var b = Randn(43, 4).To(DType.F64);
        var z = Randn(44, 2, 4, 6, 6).To(DType.F64);
        var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var expected = Reference(x, w, b, z, p, Epilogue.Silu, out _, out _);
        var y = Tensor.Empty(new Shape(2, 4, 6, 6), DType.F64);
        x.Backend.Conv2d(x, w, b, p, y, Epilogue.Silu.WithResidual(z));
        TestUtil.AssertClose(y, expected, 1e-12, 1e-12);
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        using var scope = Tensor.NewScope();
        var x = Randn(51, 1, 4, 6, 6);
        var w = Randn(52, 8, 2, 3, 3);
        var p2 = new Conv2dParams(1, 1, 0, 0, 0, 0, 1, 1, 2);
        using var packed = PackedWeights.ForConv(w, 2);
        Assert.Equal(PackedWeightsKind.Conv, packed.Kind);
        Assert.Equal(2, packed.Groups);
        var y = Tensor.Empty(new Shape(1, 8, 4, 4));
        var ex = Assert.Throws<ArgumentException>(() => x.Backend.Conv2d(x, packed, null, p2 with { Groups = 1 }, y, Epilogue.None));
        Assert.Contains("groups=2", ex.Message);
        var bad = Tensor.Empty(new Shape(1, 8, 5, 4));
        Assert.Contains("[1, 8, 4, 4]", Assert.Throws<ShapeMismatchException>(() => x.Backend.Conv2d(x, packed, null, p2, bad, Epilogue.None)).Message);
        var z = Tensor.Zeros(new Shape(1, 8, 4, 4), DType.F64);
        Assert.Throws<DTypeMismatchException>(() => x.Backend.Conv2d(x, packed, null, p2, y, Epilogue.Relu.WithResidual(z)));
        Assert.Throws<DTypeMismatchException>(() => PackedWeights.ForConv(w.To(DType.F64)));
        Assert.Throws<ShapeMismatchException>(() => PackedWeights.ForConv(w, 3));
        using var lin = PackedWeights.ForMatMul(Randn(53, 4, 8));
        Assert.Throws<ArgumentException>(() => x.Backend.Conv2d(x, lin, null, p2, y, Epilogue.None));
        packed.Dispose();
        Assert.True(packed.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => x.Backend.Conv2d(x, packed, null, p2, y, Epilogue.None));
    }

    [Fact]
    public void OnePackedWeightServesConcurrentCalls()
    {
        using var scope = Tensor.NewScope();
        var w = Randn(61, 24, 8, 3, 3).Mul(0.3);
        var b = Randn(62, 24);
        using var packed = PackedWeights.ForConv(w);
        var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var inputs = Enumerable.Range(0, 6).Select(i => Randn(70 + (ulong)i, 1, 8, 15, 15)).ToArray();
        var expected = inputs.Select(x => Reference(x, w, b, null, p, Epilogue.Relu, out _, out _)).ToArray();
        var outputs = inputs.Select(_ => Tensor.Empty(new Shape(1, 24, 15, 15))).ToArray();
        Parallel.For(0, inputs.Length, i => inputs[i].Backend.Conv2d(inputs[i], packed, b, p, outputs[i], Epilogue.Relu));
        for (int i = 0; i < inputs.Length; i++) TestUtil.AssertClose(outputs[i], expected[i], 1e-4, 1e-4);
    }
}

/// <summary>Fused convolution at every SIMD level and thread count (process-wide settings).</summary>
[Collection("GlobalState")]
public class FusedConvGlobalStateTests
{
    [Theory]
    [InlineData(SimdLevel.Scalar, 1)]
    [InlineData(SimdLevel.Avx2, 2)]
    [InlineData(SimdLevel.Avx512, 1)]
    [InlineData(SimdLevel.Avx512, 2)]
    public void EveryLevelAndThreadCountMatchesReference(SimdLevel level, int threads)
    {
        var oldLevel = SimdInfo.Level;
        int oldThreads = DeepSeekOptions.Threads;
        if (level > oldLevel) return; // hardware cannot run it
        try
        {
            SimdInfo.Level = level;
            DeepSeekOptions.Threads = threads;
            using var scope = Tensor.NewScope();
            // many columns (column blocks), few columns (shared B, row blocks), a small batch (one unit per thread)
            foreach (var (n, c, hw, co) in new[] { (1, 16, 40, 24), (1, 64, 7, 96), (4, 4, 6, 8) })
            {
                var x = Randn(81, n, c, hw, hw);
                var w = Randn(82, co, c, 3, 3).Mul(0.2);
                var b = Randn(83, co);
                var z = Randn(84, n, co, hw, hw);
                var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
                var expected = FusedConvTests.Reference(x, w, b, z, p, Epilogue.HardSwish, out _, out _);
                foreach (int pixels in new[] { 0, hw * hw })
                {
                    using var packed = PackedWeights.ForConv(w, 1, pixels);
                    var y = Tensor.Empty(new Shape(n, co, hw, hw));
                    x.Backend.Conv2d(x, packed, b, p, y, Epilogue.HardSwish.WithResidual(z));
                    TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
                }
            }
            // depthwise: the direct kernel where the level has one, else the GEMM from the plain weight
            var xd = Randn(85, 2, 8, 9, 9);
            var wd = Randn(86, 8, 1, 3, 3);
            var pd = new Conv2dParams(2, 2, 1, 1, 1, 1, 1, 1, 8);
            var zd = Randn(87, 2, 8, 5, 5);
            var expectedD = FusedConvTests.Reference(xd, wd, null, zd, pd, Epilogue.Relu, out _, out _);
            using var packedD = PackedWeights.ForConv(wd, 8);
            var yd = Tensor.Empty(new Shape(2, 8, 5, 5));
            xd.Backend.Conv2d(xd, packedD, null, pd, yd, Epilogue.Relu.WithResidual(zd));
            TestUtil.AssertClose(yd, expectedD, 1e-4, 1e-4);
        }
        finally
        {
            SimdInfo.Level = oldLevel;
            DeepSeekOptions.Threads = oldThreads;
        }
    }
}
