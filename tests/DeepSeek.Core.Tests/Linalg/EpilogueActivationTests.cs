using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Tests.NN;

namespace DeepSeek.Tests.Linalg;

/// <summary>
/// The epilogue's vectorised activations (every SIMD level, vector body and scalar tail) against the double-precision
/// <see cref="Epilogue.Activate"/>, hand-computed values, and the unfused elementwise ops.
/// </summary>
[Collection("GlobalState")]
public unsafe class EpilogueActivationTests
{
    // values spanning the polynomial pieces: tiny, |x| < 0.3 (tanh series), moderate, saturating, and exp's clamps
    private static float[] Inputs()
    {
        var v = new List<float> { 0f, -0f, 1e-7f, -1e-7f, 0.01f, -0.29f, 0.31f, 1, -1, 2.5f, -3, 6, -6, 9.5f, -12, 40, -40, 90, -90, 1e30f, -1e30f };
        var g = new Generator(1);
        using var r = Tensor.RandN(new Shape(203), g).Mul(4);
        v.AddRange(r.ToArray<float>());
        return v.ToArray();
    }

    private static float[] ApplyEpilogue(Epilogue e, float[] x)
    {
        var y = (float[])x.Clone();
        fixed (float* p = y)
        {
            // one row of 224 values: the vector body, then a 0..15-wide scalar tail
            var ep = new GemmEpilogue(null, GemmBias.None, null, 0, e.Activation, e.Alpha, e.Beta);
            ep.Apply(p, y.Length, 0, 0, 1, y.Length);
        }
        return y;
    }

    [Theory]
    [InlineData(SimdLevel.Scalar)]
    [InlineData(SimdLevel.Avx2)]
    [InlineData(SimdLevel.Avx512)]
    public void VectorFormsMatchTheDoubleReference(SimdLevel level)
    {
        var old = SimdInfo.Level;
        if (level > old) return;
        try
        {
            SimdInfo.Level = level;
            var x = Inputs();
            foreach (var e in FusedConvTests.AllActivations)
            {
                var y = ApplyEpilogue(e, x);
                for (int i = 0; i < x.Length; i++)
                {
                    double want = e.Activate(x[i]);
                    // ~4 ulp, plus an absolute 3e-7 for erf-GELU's cancelling negative tail (the unfused op shares it)
                    double tol = 4e-7 * Math.Abs(want) + 3e-7;
                    if (!(Math.Abs(y[i] - want) <= tol))
                        Assert.Fail($"{e} at {level}: x = {x[i]:R} gave {y[i]:R}, expected {want:R}");
                }
            }
        }
        finally
        {
            SimdInfo.Level = old;
        }
    }

    [Fact]
    public void HandComputedValues()
    {
        float[] x = [-2, -0.5f, 0, 0.5f, 3, 8];
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 3, 8 }, ApplyEpilogue(Epilogue.Relu, x));
        Assert.Equal(new float[] { 0, 0, 0, 0.5f, 3, 6 }, ApplyEpilogue(Epilogue.Clip(0, 6), x));
        Assert.Equal(new float[] { -0.2f, -0.05f, 0, 0.5f, 3, 8 }, ApplyEpilogue(Epilogue.LeakyRelu(0.1f), x));
        Assert.Equal(new float[] { 0.1f, 0.4f, 0.5f, 0.6f, 1, 1 }, ApplyEpilogue(Epilogue.HardSigmoid(0.2f, 0.5f), x), new FloatTolerance(1e-7f));
        // HardSwish(x) = x·relu6(x + 3)/6: −2·1/6, −0.5·2.5/6, 0, 0.5·3.5/6, 3·6/6, 8
        Assert.Equal(new float[] { -1f / 3, -0.5f * 2.5f / 6, 0, 0.5f * 3.5f / 6, 3, 8 }, ApplyEpilogue(Epilogue.HardSwish, x), new FloatTolerance(1e-7f));
        var s = ApplyEpilogue(Epilogue.Sigmoid, [0]);
        Assert.Equal(0.5f, s[0]);
        var gelu = ApplyEpilogue(Epilogue.Gelu, [1]);
        Assert.Equal(0.8413447460685429, gelu[0], 1e-6); // Φ(1) = 0.841344746…
        var nan = ApplyEpilogue(Epilogue.Relu, [float.NaN]);
        Assert.True(float.IsNaN(nan[0]));
    }

    [Fact]
    public void MatchesTheUnfusedOps()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.FromArray(Inputs().Where(v => Math.Abs(v) < 50).ToArray());
        var cases = new (Epilogue E, Tensor Unfused)[]
        {
            (Epilogue.Relu, x.Relu()),
            (Epilogue.Clip(-1, 2), x.Clamp(-1, 2)),
            (Epilogue.LeakyRelu(0.2f), x.LeakyRelu(0.2)),
            (Epilogue.Sigmoid, x.Sigmoid()),
            (Epilogue.HardSigmoid(0.2f, 0.5f), x.HardSigmoid(0.2, 0.5)),
            (Epilogue.HardSwish, x.HardSwish()),
            (Epilogue.Silu, x.Silu()),
            (Epilogue.Tanh, x.Tanh()),
            (Epilogue.Gelu, x.Gelu()),
            (Epilogue.GeluTanh, x.Gelu(GeluApproximation.Tanh)),
        };
        foreach (var (e, unfused) in cases)
        {
            var y = ApplyEpilogue(e, x.ToArray<float>());
            TestUtil.AssertClose(unfused.ToDoubleArray(), y.Select(v => (double)v).ToArray(), 1e-6, 1e-6);
        }
    }

    [Fact]
    public void BiasAndResidualComeBeforeTheActivation()
    {
        // C = [[-1, 2], [3, -4]], column bias [1, -1] then residual [[0.5, 0.5], [-5, 5]], Relu: [[0.5, 1.5], [0, 0]]
        float[] c = [-1, 2, 3, -4], bias = [1, -1], z = [0.5f, 0.5f, -5, 5];
        fixed (float* pc = c)
        fixed (float* pb = bias)
        fixed (float* pz = z)
        {
            var ep = new GemmEpilogue(pb, GemmBias.PerColumn, pz, 2, EpilogueActivation.Relu, 0, 0);
            ep.Apply(pc, 2, 0, 0, 2, 2);
            Assert.Equal(new float[] { 0.5f, 1.5f, 0, 0 }, c);
            var row = new GemmEpilogue(pb, GemmBias.PerRow, null, 0, EpilogueActivation.None, 0, 0);
            Assert.Equal(1 + 7f, row.ApplyScalar(7, 0, 1));
            Assert.Equal(-1 + 7f, row.ApplyScalar(7, 1, 0));
        }
    }

    private sealed class FloatTolerance(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(float v) => 0;
    }
}
