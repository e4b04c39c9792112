using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Tests.NN;

namespace DeepSeek.Tests.Linalg;

/// <summary>Linear with a fused epilogue and with pre-packed weights against a double-precision reference loop.</summary>
public class FusedLinearTests
{
    // y[r, j] = act(Σ_p x[r, p]·w[j, p] + b[j] + z[r, j]) in double
    internal static double[] Reference(Tensor x, Tensor w, Tensor? b, Tensor? z, Epilogue e)
    {
        int outF = w.Size(0), inF = w.Size(1), rows = (int)(x.Numel / inF);
        var y = MatMulReference.Linear(x.ToDoubleArray(), rows, inF, w.ToDoubleArray(), outF, b?.ToDoubleArray());
        var zs = z?.ToDoubleArray();
        for (int i = 0; i < y.Length; i++) y[i] = e.Activate(y[i] + (zs?[i] ?? 0));
        return y;
    }

    private static Shape OutShape(Tensor x, int outF)
    {
        var s = x.Shape.ToArray();
        s[^1] = outF;
        return new Shape(s);
    }

    private static void Check(int[] xShape, int outF, bool bias, bool residual, Epilogue e, ulong seed = 1)
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(seed);
        int inF = xShape[^1];
        var x = Tensor.RandN(new Shape(xShape), g);
        var w = Tensor.RandN(new Shape(outF, inF), g).Mul(1.0 / Math.Sqrt(Math.Max(inF, 1)));
        var b = bias ? Tensor.RandN(new Shape(outF), g) : null;
        var z = residual ? Tensor.RandN(OutShape(x, outF), g) : null;
        var expected = Reference(x, w, b, z, e);
        var ep = e.WithResidual(z);
        var y1 = Tensor.Empty(OutShape(x, outF));
        x.Backend.Linear(x, w, b, y1, ep);
        TestUtil.AssertClose(y1, expected, 1e-4, 1e-4);
        using var packed = PackedWeights.ForLinear(w);
        var y2 = Tensor.Empty(OutShape(x, outF));
        x.Backend.Linear(x, packed, b, y2, ep);
        TestUtil.AssertClose(y2, expected, 1e-4, 1e-4);
        using var packedB = PackedWeights.ForMatMul(w.T.Contiguous());
        var y3 = Tensor.Empty(OutShape(x, outF));
        x.Backend.Linear(x, packedB, b, y3, ep);
        TestUtil.AssertClose(y3, expected, 1e-4, 1e-4);
    }

    // rows (M), in (K), out (N): few-row, GEMV, ragged tile and multi-KC-block shapes
    [Theory]
    [InlineData(1, 37, 45)]
    [InlineData(3, 64, 100)]
    [InlineData(8, 20, 33)]
    [InlineData(9, 17, 31)]
    [InlineData(14, 40, 32)]
    [InlineData(40, 1, 3)]
    [InlineData(37, 45, 1)]
    [InlineData(128, 200, 96)]
    [InlineData(130, 800, 70)]
    [InlineData(200, 33, 300)]
    public void MatchesReferenceWithBiasResidualAndGelu(int m, int k, int n)
    {
        Check([m, k], n, bias: true, residual: true, Epilogue.Gelu);
        Check([m, k], n, bias: false, residual: false, Epilogue.None);
        Check([m, k], n, bias: true, residual: false, Epilogue.Relu);
    }

    [Fact]
    public void EveryActivationMatchesReference()
    {
        foreach (var e in FusedConvTests.AllActivations)
        {
            Check([2, 5, 24], 40, bias: true, residual: true, e, 3);   // blocked path with ragged rows
            Check([3, 24], 70, bias: true, residual: true, e, 4);      // few-row path
        }
    }

    [Fact]
    public void FusedTileStoresEqualTheEpiloguePass()
    {
        // whole tiles take the epilogue in the micro-kernel's stores; forcing the pass must give the same numbers
        using var scope = Tensor.NewScope();
        var g = new Generator(31);
        var x = Tensor.RandN(new Shape(45, 70), g);
        var w = Tensor.RandN(new Shape(100, 70), g);
        var b = Tensor.RandN(new Shape(100), g);
        var z = Tensor.RandN(new Shape(45, 100), g);
        using var packed = PackedWeights.ForLinear(w);
        foreach (var act in new[] { EpilogueActivation.None, EpilogueActivation.Relu, EpilogueActivation.Clip, EpilogueActivation.LeakyRelu,
                     EpilogueActivation.HardSigmoid, EpilogueActivation.HardSwish })
        {
            var e = new Epilogue(act, act == EpilogueActivation.Clip ? -0.5f : 0.1f, act == EpilogueActivation.Clip ? 0.5f : 0.5f).WithResidual(z);
            var fused = Tensor.Empty(new Shape(45, 100));
            var pass = Tensor.Empty(new Shape(45, 100));
            try
            {
                Backends.Cpu.Gemm.PackedGemm.FuseEpilogue = true;
                x.Backend.Linear(x, packed, b, fused, e);
                Backends.Cpu.Gemm.PackedGemm.FuseEpilogue = false;
                x.Backend.Linear(x, packed, b, pass, e);
            }
            finally { Backends.Cpu.Gemm.PackedGemm.FuseEpilogue = true; }
            Assert.Equal(pass.ToArray<float>(), fused.ToArray<float>());
        }
    }

    [Fact]
    public void StridedOperandsAndRank3Inputs()
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(5);
        var xt = Tensor.RandN(new Shape(48, 30), g);
        var x = xt.T;                                  // [30, 48], transposed storage
        var w = Tensor.RandN(new Shape(20, 48), g);
        var b = Tensor.RandN(new Shape(20), g);
        var z = Tensor.RandN(new Shape(20, 30), g).T;  // residual as a transposed view
        var expected = Reference(x, w, b, z, Epilogue.Sigmoid);
        using var packed = PackedWeights.ForLinear(w.T.Contiguous().T); // a strided weight packs the same
        var y = Tensor.Empty(new Shape(30, 20));
        x.Backend.Linear(x, packed, b, y, Epilogue.Sigmoid.WithResidual(z));
        TestUtil.AssertClose(y, expected, 1e-4, 1e-4);

        var x3 = Tensor.RandN(new Shape(2, 64, 48), g).Slice(1, 0, 60, 2); // [2, 30, 48] with a row stride of 2 rows
        var expected3 = Reference(x3, w, b, null, Epilogue.Silu);
        var y3 = Tensor.Empty(new Shape(2, 30, 20));
        x3.Backend.Linear(x3, packed, b, y3, Epilogue.Silu);
        TestUtil.AssertClose(y3, expected3, 1e-4, 1e-4);
    }

    [Fact]
    public void MatMulPackingAppliesItsScale()
    {
        using var scope = Tensor.NewScope();
        var g = new Generator(6);
        var a = Tensor.RandN(new Shape(20, 30), g);
        var b = Tensor.RandN(new Shape(30, 50), g);
        using var packed = PackedWeights.ForMatMul(b, scale: 0.5f);
        Assert.Equal(new Shape(30, 50), packed.Shape);
        Assert.Equal(0.5f, packed.Scale);
        var y = Tensor.Empty(new Shape(20, 50));
        a.Backend.Linear(a, packed, null, y, Epilogue.None);
        var expected = a.MatMul(b).Mul(0.5);
        TestUtil.AssertClose(y, expected.ToDoubleArray(), 1e-5, 1e-5);
    }

    [Fact]
    public void ZeroDepthGivesBiasThroughTheEpilogue()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Empty(new Shape(20, 0));
        var w = Tensor.Empty(new Shape(3, 0));
        var b = Tensor.FromArray(new float[] { 1, -2, 3 });
        using var packed = PackedWeights.ForLinear(w);
        var y = Tensor.Full(new Shape(20, 3), float.NaN);
        x.Backend.Linear(x, packed, b, y, Epilogue.Relu);
        Assert.All(y.Reshape(20, 3).ToArray<float>().Chunk(3), r => Assert.Equal(new float[] { 1, 0, 3 }, r));
    }

    [Fact]
    public void BadArgumentsNameTheProblem()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Zeros(4, 8);
        using var packed = PackedWeights.ForMatMul(Tensor.Zeros(8, 5));
        Assert.Contains("[4, 6]", Assert.Throws<ShapeMismatchException>(() => x.Backend.Linear(x, packed, null, Tensor.Empty(new Shape(4, 6)), Epilogue.None)).Message);
        Assert.Throws<ShapeMismatchException>(() => x.Backend.Linear(x, packed, Tensor.Zeros(4), Tensor.Empty(new Shape(4, 5)), Epilogue.None));
        Assert.Throws<DTypeMismatchException>(() => x.Backend.Linear(x.To(DType.F64), packed, null, Tensor.Empty(new Shape(4, 5), DType.F64), Epilogue.None));
        Assert.Throws<ShapeMismatchException>(() => PackedWeights.ForMatMul(Tensor.Zeros(8)));
        using var conv = PackedWeights.ForConv(Tensor.Zeros(new Shape(2, 2, 1, 1)));
        Assert.Throws<ArgumentException>(() => x.Backend.Linear(x, conv, null, Tensor.Empty(new Shape(4, 2)), Epilogue.None));
    }
}

/// <summary>Packed GEMM at every SIMD level and thread count.</summary>
[Collection("GlobalState")]
public class FusedLinearGlobalStateTests
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
        if (level > oldLevel) return;
        try
        {
            SimdInfo.Level = level;
            DeepSeekOptions.Threads = threads;
            using var scope = Tensor.NewScope();
            var g = new Generator(9);
            foreach (var (m, k, n) in new[] { (128, 300, 200), (5, 300, 200), (300, 64, 40) })
            {
                var x = Tensor.RandN(new Shape(m, k), g);
                var w = Tensor.RandN(new Shape(n, k), g).Mul(0.1);
                var b = Tensor.RandN(new Shape(n), g);
                var z = Tensor.RandN(new Shape(m, n), g);
                var expected = FusedLinearTests.Reference(x, w, b, z, Epilogue.GeluTanh);
                using var packed = PackedWeights.ForLinear(w);
                var y = Tensor.Empty(new Shape(m, n));
                x.Backend.Linear(x, packed, b, y, Epilogue.GeluTanh.WithResidual(z));
                TestUtil.AssertClose(y, expected, 1e-4, 1e-4);
                var y2 = Tensor.Empty(new Shape(m, n));
                x.Backend.Linear(x, w, b, y2, Epilogue.GeluTanh.WithResidual(z));
                TestUtil.AssertClose(y2, expected, 1e-4, 1e-4);
            }
        }
        finally
        {
            SimdInfo.Level = oldLevel;
            DeepSeekOptions.Threads = oldThreads;
        }
    }
}
