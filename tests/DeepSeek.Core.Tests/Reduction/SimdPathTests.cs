using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Reduction;

namespace DeepSeek.Tests.Reduction;

/// <summary>Runs the SIMD row kernels and their scalar references on the same data, at every SIMD level and thread count.</summary>
[Collection("GlobalState")]
public unsafe class SimdPathTests
{
    private static readonly SimdLevel[] Levels = [SimdLevel.Avx512, SimdLevel.Avx2, SimdLevel.Scalar];

    private static void AtLevels(Action body)
    {
        var old = SimdInfo.Level;
        try
        {
            foreach (var level in Levels)
            {
                if (level > old) continue; // hardware cannot run it
                SimdInfo.Level = level;
                body();
            }
        }
        finally { SimdInfo.Level = old; }
    }

    [Fact]
    public void RowSumAndExtremesMatchReferenceForOddLengths()
    {
        var g = new Generator(1);
        var data = new float[1100];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(g.NextDouble() * 20 - 10);
        AtLevels(() =>
        {
            fixed (float* p = data)
                foreach (int n in new[] { 1, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000, 1099 })
                {
                    double rs = F32Reduce.SumReference(p, n);
                    Assert.Equal(rs, F32Reduce.Sum(p, n), 1e-9 * (1 + Math.Abs(rs)));
                    Assert.Equal(F32Reduce.ExtremeReference(p, n, true), F32Reduce.Extreme(p, n, true));
                    Assert.Equal(F32Reduce.ExtremeReference(p, n, false), F32Reduce.Extreme(p, n, false));
                    // the extreme located in the tail and in the first lane
                    float keep = p[n - 1];
                    p[n - 1] = 100;
                    Assert.Equal(100f, F32Reduce.Extreme(p, n, true));
                    p[n - 1] = float.NaN;
                    Assert.True(float.IsNaN(F32Reduce.Extreme(p, n, true)));
                    Assert.True(float.IsNaN(F32Reduce.Extreme(p, n, false)));
                    p[n - 1] = keep;
                    float first = p[0];
                    p[0] = float.NaN;
                    Assert.True(float.IsNaN(F32Reduce.Extreme(p, n, false)));
                    p[0] = first;
                    Assert.Equal(F32Variance.SumSqDevReference(p, n, 0.25f), F32Variance.SumSqDev(p, n, 0.25f), 1e-6 * n);
                    float target = p[n / 2];
                    Assert.Equal(Array.IndexOf(data, target, 0, n), ArgReduceKernel.FirstEqual(p, n, target));
                }
        });
    }

    [Fact]
    public void RowAccumulatorsMatchScalar()
    {
        var g = new Generator(2);
        var row = new float[77];
        for (int i = 0; i < row.Length; i++) row[i] = (float)(g.NextDouble() - 0.5);
        row[40] = float.NaN;
        AtLevels(() =>
        {
            var acc = new double[77];
            var mx = Enumerable.Repeat(0.1f, 77).ToArray();
            fixed (float* r = row)
            fixed (double* a = acc)
            fixed (float* m = mx)
            {
                F32ReduceRows.AddWiden(a, r, 77);
                F32ReduceRows.Extreme(m, r, 77, true);
            }
            for (int j = 0; j < 77; j++)
            {
                Assert.Equal((double)row[j], acc[j]);
                if (j == 40) Assert.True(float.IsNaN(mx[j]));
                else Assert.Equal(Math.Max(0.1f, row[j]), mx[j]);
            }
        });
    }

    [Fact]
    public void OpsAgreeAcrossLevelsAndThreads()
    {
        int oldThreads = DeepSeekOptions.Threads;
        try
        {
            using var x = Tensor.RandN(new Shape(64, 1031), new Generator(3));
            using var xt = x.T;
            var baseline = new List<double[]>();
            bool first = true;
            foreach (var threads in new[] { 1, 4 })
            {
                DeepSeekOptions.Threads = threads;
                AtLevels(() =>
                {
                    using var big = Tensor.RandN(new Shape(300_001), new Generator(4));
                    var results = new[]
                    {
                        x.Sum(1), x.Mean(0), x.Max(1), xt.Min(1), big.Sum(), big.Max(), x.Softmax(1), x.LogSoftmax(-1), x.ArgMax(1), x.Softmax(0), x.LogSoftmax(0), x.Var([1]), x.Std([1], 0),
                    };
                    var vals = results.Select(r => r.ToDoubleArray()).ToList();
                    foreach (var r in results) r.Dispose();
                    if (first) { baseline = vals; first = false; return; }
                    for (int i = 0; i < vals.Count; i++) TestUtil.AssertClose(baseline[i], vals[i], 2e-6, 1e-6);
                });
            }
        }
        finally { DeepSeekOptions.Threads = oldThreads; }
    }

    [Fact]
    public void SoftmaxRowMatchesReference()
    {
        var g = new Generator(6);
        var src = new float[257];
        for (int i = 0; i < src.Length; i++) src[i] = (float)(g.NextDouble() * 60 - 30);
        AtLevels(() =>
        {
            foreach (var n in new[] { 1, 7, 16, 33, 257 })
                foreach (var log in new[] { false, true })
                {
                    var fast = new float[n];
                    var reference = new float[n];
                    fixed (float* s = src)
                    fixed (float* f = fast)
                    fixed (float* r = reference)
                    {
                        SoftmaxKernel.RowF32(s, f, n, log);
                        SoftmaxKernel.Reference(s, 1, r, 1, n, log);
                    }
                    TestUtil.AssertClose(reference.Select(v => (double)v).ToArray(), fast.Select(v => (double)v).ToArray(), 1e-5, 1e-6);
                }
        });
    }

    [Fact]
    public void ReductionsDoNotLeak()
    {
        using var x = Tensor.RandN(new Shape(5, 6, 7), new Generator(7));
        using var h = x.To(DType.F16);
        TestUtil.SettleFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            _ = x.Sum([0, 2]); _ = x.Mean(); _ = x.Max(1, true); _ = x.Var([1]); _ = x.Std();
            _ = x.LogSumExp(2); _ = x.ArgMax(); _ = x.ArgMin(1); _ = x.MaxWithIndices(0); _ = x.Softmax(1);
            _ = x.LogSoftmax(0); _ = x.CumSum(2, true, true); _ = x.TopK(3, 1); _ = x.Sort(0); _ = x.ArgSort();
            _ = h.Sum(1); _ = h.Max(); _ = h.ArgMax(0); _ = h.Softmax(2); _ = h.CumSum(0); _ = h.TopK(2); _ = h.Var([0]);
            _ = h.MinWithIndices(1, true);
            using var xt = x.Transpose(0, 2);
            _ = xt.Sum(1); _ = xt.ArgMax();
        }
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }
}
