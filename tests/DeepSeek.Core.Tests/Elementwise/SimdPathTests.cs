using System.Runtime.Intrinsics;
using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Tests.Elementwise;

/// <summary>Each vector kernel against its scalar reference on the same data, lengths 1..67 so every tail runs.</summary>
public unsafe class SimdPathTests
{
    public static TheoryData<SimdLevel> Levels()
    {
        var d = new TheoryData<SimdLevel> { SimdLevel.Scalar };
        if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported) d.Add(SimdLevel.Avx2);
        if (Vector512.IsHardwareAccelerated) d.Add(SimdLevel.Avx512);
        return d;
    }

    private static float[] Data(int n, ulong seed)
    {
        var v = Ref.Values(n + 8, seed).Select(x => (float)x).ToArray();
        if (n > 30) { v[27] = float.NaN; v[28] = float.PositiveInfinity; v[29] = float.NegativeInfinity; }
        return v;
    }

    private static void CheckUnary<TOp>(TOp op, SimdLevel level) where TOp : struct, IF32Unary
    {
        for (int n = 1; n <= 67; n++)
        {
            var x = Data(n, (ulong)n);
            var fast = new float[n];
            var slow = new float[n];
            fixed (float* px = x, pf = fast, ps = slow)
            {
                new F32Map<TOp>(op, level).Apply(px, pf, n);
                F32Map<TOp>.Reference(op, px, ps, n);
            }
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToInt32Bits(fast[i]) == BitConverter.SingleToInt32Bits(slow[i]) || (float.IsNaN(fast[i]) && float.IsNaN(slow[i])),
                    $"{typeof(TOp).Name} at {level}, n={n}, i={i}: x={x[i]:R} fast={fast[i]:R} reference={slow[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void UnaryVectorFormsEqualScalarReference(SimdLevel level)
    {
        CheckUnary(new ReluF32(), level);
        CheckUnary(new LeakyReluF32(0.01f), level);
        CheckUnary(new ClampF32(-1.5f, 2f), level);
        CheckUnary(new HardSigmoidF32(0.2f, 0.5f), level);
        CheckUnary(new HardSwishF32(), level);
        CheckUnary(new SquareF32(), level);
        CheckUnary(new NegF32(), level);
        CheckUnary(new AbsF32(), level);
        CheckUnary(new ReciprocalF32(), level);
        CheckUnary(new SqrtF32(), level);
        CheckUnary(new RsqrtF32(), level);
        CheckUnary(new FloorF32(), level);
        CheckUnary(new CeilF32(), level);
        CheckUnary(new RoundF32(), level);
        CheckUnary(new TruncF32(), level);
        CheckUnary(new SignF32(), level);
        CheckUnary(new ErfF32(), level);
        CheckUnary(new GeluF32(), level);
    }

    private static void CheckBinary<TOp>(TOp op, SimdLevel level) where TOp : struct, IF32Binary
    {
        for (int n = 1; n <= 67; n++)
        {
            var a = Data(n, (ulong)n);
            var b = Data(n, (ulong)n + 100);
            var fast = new float[n];
            var slow = new float[n];
            fixed (float* pa = a, pb = b, pf = fast, ps = slow)
            {
                var zip = new F32Zip<TOp>(op, level);
                zip.VV(pa, pb, pf, n);
                F32Zip<TOp>.Reference(op, pa, pb, ps, n);
                Same(fast, slow, $"{typeof(TOp).Name} VV at {level}, n={n}");
                zip.VS(pa, b[3], pf, n);
                for (int i = 0; i < n; i++) slow[i] = op.Scalar(a[i], b[3]);
                Same(fast, slow, $"{typeof(TOp).Name} VS at {level}, n={n}");
                zip.SV(a[3], pb, pf, n);
                for (int i = 0; i < n; i++) slow[i] = op.Scalar(a[3], b[i]);
                Same(fast, slow, $"{typeof(TOp).Name} SV at {level}, n={n}");
            }
        }

        static void Same(float[] f, float[] s, string what)
        {
            for (int i = 0; i < f.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(f[i]) == BitConverter.SingleToInt32Bits(s[i]) || (float.IsNaN(f[i]) && float.IsNaN(s[i])), $"{what}, i={i}: {f[i]:R} vs {s[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void BinaryVectorFormsEqualScalarReference(SimdLevel level)
    {
        CheckBinary(new AddF32(), level);
        CheckBinary(new SubF32(), level);
        CheckBinary(new MulF32(), level);
        CheckBinary(new DivF32(), level);
        CheckBinary(new MaxF32(), level);
        CheckBinary(new MinF32(), level);
        CheckBinary(new AddScaledF32(-0.37f), level);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void TranscendentalSpansMatchScalarReference(SimdLevel level)
    {
        var ops = new[] { UnaryOp.Exp, UnaryOp.Log, UnaryOp.Sin, UnaryOp.Cos, UnaryOp.Tanh, UnaryOp.Sigmoid, UnaryOp.Silu, UnaryOp.GeluTanh, UnaryOp.Log1p, UnaryOp.Expm1 };
        foreach (var op in ops)
            for (int n = 1; n <= 67; n += 3)
            {
                var x = Data(n, (ulong)n);
                var fast = new float[n];
                var slow = new float[n];
                fixed (float* px = x, pf = fast, ps = slow)
                {
                    new TranscendentalMap<float>(op, level).Apply(px, pf, n);
                    TranscendentalMap<float>.Reference(op, px, ps, n);
                }
                TestUtil.AssertClose(slow.Select(v => (double)v).ToArray(), fast.Select(v => (double)v).ToArray(), 2e-6, 1e-6); // 1 + tanh cancels in the tanh-GELU tail
            }
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void CompareAndBf16CastKernelsMatchReference(SimdLevel level)
    {
        for (int n = 1; n <= 140; n += 7)
        {
            var a = Data(n, (ulong)n);
            var b = Data(n, (ulong)n + 1);
            for (int i = 0; i < n; i += 4) b[i] = a[i];
            var fast = new byte[n];
            var slow = new byte[n];
            var bf = new ushort[n];
            var bs = new ushort[n];
            var back = new float[n];
            fixed (float* pa = a, pb = b, pback = back)
            fixed (byte* pf = fast, ps = slow)
            fixed (ushort* pbf = bf, pbs = bs)
            {
                new CompareRow<float, LeCmp>(level).Row(pf, 1, (byte*)pa, 4, (byte*)pb, 4, n);
                CompareRow<float, LeCmp>.Reference(pa, pb, ps, n);
                Assert.Equal(slow, fast);
                new CompareRow<float, NeCmp>(level).Row(pf, 1, (byte*)pa, 4, (byte*)pb, 4, n);
                CompareRow<float, NeCmp>.Reference(pa, pb, ps, n);
                Assert.Equal(slow, fast);
                HalfCasts.F32ToBF16(pa, pbf, n, level);
                HalfCasts.F32ToBF16Reference(pa, pbs, n);
                Assert.Equal(bs, bf);
                HalfCasts.BF16ToF32(pbf, pback, n, level);
                for (int i = 0; i < n; i++) Assert.Equal((uint)bf[i] << 16, BitConverter.SingleToUInt32Bits(back[i]));
            }
        }
    }
}

/// <summary>Whole ops under forced SIMD levels and thread counts, and pool accounting (process-wide state).</summary>
[Collection("GlobalState")]
public class ElementwiseGlobalStateTests
{
    private static double[] RunAll(Tensor x, Tensor y)
    {
        using var scope = Tensor.NewScope();
        var parts = new[]
        {
            x.Gelu(), x.Exp(), x.Relu(), x.Erf(), x.Sigmoid(), x.Clamp(-1, 1), x + y, x * y, x.Maximum(y), x - 2.5, x.Lt(y).To(DType.F32),
            Tensor.Where(x.Gt(0), x, y), x.To(DType.BF16).To(DType.F32), x.Silu(), x.HardSwish(),
        };
        return parts.SelectMany(p => p.ToDoubleArray()).ToArray();
    }

    [Fact]
    public void OpsAgreeAcrossSimdLevelsAndThreadCounts()
    {
        var oldLevel = SimdInfo.Level;
        int oldThreads = DeepSeekOptions.Threads;
        try
        {
            using var x = Tensor.RandN(new Shape(3, 70001), new Generator(5));
            using var yRow = Tensor.RandN(new Shape(70001), new Generator(6));
            using var y = yRow.Unsqueeze(0);
            SimdInfo.Level = SimdLevel.Scalar;
            DeepSeekOptions.Threads = 1;
            var reference = RunAll(x, y);
            foreach (var level in new[] { SimdLevel.Avx2, SimdLevel.Avx512 })
            {
                if (level > oldLevel) continue;
                SimdInfo.Level = level;
                foreach (var threads in new[] { 1, 4 })
                {
                    DeepSeekOptions.Threads = threads;
                    TestUtil.AssertClose(reference, RunAll(x, y), 2e-6, 1e-6);
                }
            }
        }
        finally
        {
            SimdInfo.Level = oldLevel;
            DeepSeekOptions.Threads = oldThreads;
        }
    }

    [Fact]
    public void OpsLeaveNoPooledMemoryBehind()
    {
        using var x = Tensor.RandN(new Shape(4, 33), new Generator(9));
        using var h = x.To(DType.F16);
        using var i = Tensor.Arange(0, 132, 1, DType.I32).Reshape(4, 33);
        _ = RunAll(x, x); // warm up
        TestUtil.SettleFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            _ = h.Gelu(); _ = h + 1.5; _ = h * x; _ = h.Clamp(0, 1); _ = i / 2; _ = i.Div(3, DivRounding.Floor);
            _ = x.Div(x, DivRounding.Trunc); _ = Tensor.Where(x.Gt(0), i, h); _ = i.Lt(2.5); _ = x.Clamp(x, null);
            using var w = x.Clone();
            w.AddInPlace(h, 0.5).MulInPlace(2).ClampInPlace(-1, 1);
            using var hw = h.Clone();
            hw.AddInPlace(x).MulInPlace(x);
            using var t = w.T;
            t.AddInPlace(w.T);
        }
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }
}
