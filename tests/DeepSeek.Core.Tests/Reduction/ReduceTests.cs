namespace DeepSeek.Tests.Reduction;

public class ReduceTests
{
    public static IEnumerable<object[]> AxisCases() => new[]
    {
        new object[] { new[] { 4, 5, 6 }, new[] { 2 } },
        new object[] { new[] { 4, 5, 6 }, new[] { 0 } },
        new object[] { new[] { 4, 5, 6 }, new[] { 1 } },
        new object[] { new[] { 4, 5, 6 }, new[] { 0, 2 } },
        new object[] { new[] { 4, 5, 6 }, new[] { -1, -3 } },
        new object[] { new[] { 4, 5, 6 }, new[] { 0, 1, 2 } },
        new object[] { new[] { 3, 2, 4, 37 }, new[] { 1, 3 } },
        new object[] { new[] { 7, 33 }, new[] { 0 } },
        new object[] { new[] { 7, 1000 }, new[] { -1 } },
        new object[] { new[] { 300, 20 }, new[] { 0 } },
    };

    private static Tensor Run(Tensor x, string op, int[] axes, bool keepDim) => op switch
    {
        "sum" => x.Sum(axes, keepDim),
        "mean" => x.Mean(axes, keepDim),
        "prod" => x.Prod(axes, keepDim),
        "max" => x.Max(axes, keepDim),
        "min" => x.Min(axes, keepDim),
        _ => x.LogSumExp(axes, keepDim),
    };

    private static double RefOp(string op, List<double> g) => op switch
    {
        "sum" => Ref.Sum(g),
        "mean" => Ref.Mean(g),
        "prod" => Ref.Prod(g),
        "max" => Ref.Max(g),
        "min" => Ref.Min(g),
        _ => Ref.Lse(g),
    };

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void FloatOpsMatchReferenceOverLayoutsAndAxes(int[] shape, int[] axes)
    {
        foreach (var dtype in new[] { DType.F32, DType.F64 })
            foreach (var (name, x) in Ref.Layouts(shape, dtype, 11))
                using (x)
                    foreach (var op in new[] { "sum", "mean", "max", "min", "lse" })
                        foreach (var keep in new[] { false, true })
                        {
                            using var y = Run(x, op, axes, keep);
                            var expected = Ref.Reduce(x, axes, g => RefOp(op, g));
                            Assert.True(y.DType == dtype, $"{op} {dtype} {name}: dtype {y.DType}");
                            TestUtil.AssertShape(y, Ref.OutShape(shape, axes, keep));
                            double tol = dtype == DType.F32 ? 2e-5 : 1e-12;
                            TestUtil.AssertClose(expected, y.ToDoubleArray(), tol, tol * 10);
                        }
    }

    [Fact]
    public void ProdMatchesReference()
    {
        foreach (var (_, x) in Ref.Layouts([3, 4, 5], DType.F32, 3))
            using (x)
                foreach (var axes in new[] { new[] { 1 }, new[] { 0, 2 }, Array.Empty<int>() })
                {
                    using var y = x.Prod(axes);
                    TestUtil.AssertClose(Ref.Reduce(x, axes, Ref.Prod), y.ToDoubleArray(), 1e-5, 1e-7);
                }
    }

    [Theory]
    [InlineData(DType.F16, 2e-3)]
    [InlineData(DType.BF16, 1.6e-2)]
    public void HalfTypesComputeInF32AndRoundBack(DType dtype, double tol)
    {
        foreach (var (name, x) in Ref.Layouts([6, 40], dtype, 5))
            using (x)
                foreach (var op in new[] { "sum", "mean", "max", "min", "lse", "prod" })
                    foreach (var axes in new[] { new[] { 1 }, new[] { 0 }, Array.Empty<int>() })
                    {
                        using var y = Run(x, op, axes, false);
                        Assert.Equal(dtype, y.DType);
                        var expected = Ref.Reduce(x, axes, g => RefOp(op, g));
                        double atol = op is "sum" or "mean" or "prod" ? tol * Ref.Reduce(x, axes, g => g.Sum(Math.Abs)).Max() : tol;
                        TestUtil.AssertClose(expected, y.ToDoubleArray(), tol, atol);
                    }
    }

    [Theory]
    [InlineData(DType.I8)]
    [InlineData(DType.U8)]
    [InlineData(DType.I16)]
    [InlineData(DType.I32)]
    [InlineData(DType.I64)]
    [InlineData(DType.Bool)]
    public void IntegerSumProdGiveI64AndMaxMinKeepDType(DType dtype)
    {
        using var raw = Tensor.RandInt(0, 5, new Shape(4, 3, 5), new Generator(9), dtype);
        using var x = raw.Transpose(0, 2);
        foreach (var axes in new[] { new[] { 0 }, new[] { 2 }, new[] { 0, 2 }, Array.Empty<int>() })
        {
            using var s = x.Sum(axes);
            using var p = x.Prod(axes, keepDim: true);
            using var mx = x.Max(axes);
            using var mn = x.Min(axes);
            Assert.Equal(DType.I64, s.DType);
            Assert.Equal(DType.I64, p.DType);
            Assert.Equal(dtype, mx.DType);
            Assert.Equal(dtype, mn.DType);
            TestUtil.AssertClose(Ref.Reduce(x, axes, Ref.Sum), s.ToDoubleArray(), 0, 0);
            TestUtil.AssertClose(Ref.Reduce(x, axes, Ref.Prod), p.ToDoubleArray(), 0, 0);
            TestUtil.AssertClose(Ref.Reduce(x, axes, Ref.Max), mx.ToDoubleArray(), 0, 0);
            TestUtil.AssertClose(Ref.Reduce(x, axes, Ref.Min), mn.ToDoubleArray(), 0, 0);
        }
    }

    [Fact]
    public void I64ExtremesAreExactBeyondDoublePrecision()
    {
        long big = (1L << 60) + 1;
        using var x = Tensor.FromArray(new long[] { big, big - 1, -big, 3 });
        using var mx = x.Max();
        using var mn = x.Min();
        using var s = x.Sum();
        Assert.Equal(big, mx.Item<long>());
        Assert.Equal(-big, mn.Item<long>());
        Assert.Equal(big + 2, s.Item<long>());
    }

    [Fact]
    public void AllElementOverloadsGiveScalars()
    {
        using var x = Tensor.FromArray(new float[] { 1, -2, 3, 4, 5, 6 }, 2, 3);
        using var s = x.Sum();
        using var m = x.Mean();
        using var mx = x.Max();
        using var mn = x.Min();
        using var p = x.Prod();
        Assert.Equal(0, s.Rank);
        Assert.Equal(17f, s.Item<float>());
        Assert.Equal(17f / 6, m.Item<float>(), 6);
        Assert.Equal(6f, mx.Item<float>());
        Assert.Equal(-2f, mn.Item<float>());
        Assert.Equal(-720f, p.Item<float>());
        using var dim = x.Sum(1);
        TestUtil.AssertClose(dim, [2, 15]);
        using var dimKeep = x.Sum(-2, keepDim: true);
        TestUtil.AssertShape(dimKeep, 1, 3);
        TestUtil.AssertClose(dimKeep, [5, 3, 9]);
    }

    [Fact]
    public void ScalarInputReducesToItself()
    {
        using var x = Tensor.Scalar(2.5);
        using var s = x.Sum();
        using var m = x.Max(0);
        Assert.Equal(0, s.Rank);
        Assert.Equal(2.5f, s.Item<float>());
        Assert.Equal(2.5f, m.Item<float>());
    }

    [Fact]
    public void EmptyReductionsFollowIdentities()
    {
        using var x = Tensor.Zeros(new Shape(3, 0));
        using var s = x.Sum(1);
        using var p = x.Prod(1);
        using var m = x.Mean(1);
        TestUtil.AssertClose(s, [0, 0, 0]);
        TestUtil.AssertClose(p, [1, 1, 1]);
        Assert.All(m.ToDoubleArray(), v => Assert.True(double.IsNaN(v)));
        using var s0 = x.Sum(0);
        TestUtil.AssertShape(s0, 0);
        var ex = Assert.Throws<ShapeMismatchException>(() => x.Max(1));
        Assert.Contains("Max", ex.Message);
        Assert.Contains("[3, 0]", ex.Message);
        Assert.Throws<ShapeMismatchException>(() => x.Min());
    }

    [Fact]
    public void NaNPropagatesThroughSumMaxMin()
    {
        foreach (int n in new[] { 5, 70, 300 })
        {
            var data = Enumerable.Range(0, 2 * n).Select(i => (float)Math.Sin(i)).ToArray();
            data[n + n / 2] = float.NaN; // row 1 only
            using var x = Tensor.FromArray(data, 2, n);
            foreach (var y in new[] { x.Max(1), x.Min(1), x.Sum(1), x.LogSumExp(1) })
                using (y)
                {
                    var v = y.ToDoubleArray();
                    Assert.False(double.IsNaN(v[0]));
                    Assert.True(double.IsNaN(v[1]), $"n={n}: expected NaN, got {v[1]}");
                }
            using var xt = x.T.Contiguous(); // [n, 2]: reduce rows (outer path)
            using var colMax = xt.Max(0);
            Assert.True(double.IsNaN(colMax.ToDoubleArray()[1]));
        }
    }

    [Fact]
    public void F32SumOfMillionOnesIsExact()
    {
        using var x = Tensor.Ones(new Shape(1_000_000));
        using var s = x.Sum();
        Assert.Equal(1_000_000f, s.Item<float>());
        using var x2 = Tensor.Ones(new Shape(1000, 1000));
        using var rows = x2.Sum(0);
        Assert.All(rows.ToDoubleArray(), v => Assert.Equal(1000, v));
    }

    [Fact]
    public void F32SumWithLargeCancellationStaysAccurate()
    {
        var g = new Generator(77);
        int n = 200_001;
        var data = new float[n];
        double sumAbs = 0;
        for (int i = 0; i < n; i++)
        {
            data[i] = (float)((i % 2 == 0 ? 1e6 : -1e6) + g.NextDouble());
            sumAbs += Math.Abs(data[i]);
        }
        double expected = data.Sum(v => (double)v);
        using var x = Tensor.FromArray(data);
        using var s = x.Sum();
        // F64 lane accumulation: error ≤ n·2⁻⁵³·Σ|x| (≈ 5e-6 here) plus the final rounding to F32
        double err = Math.Abs(s.Item<float>() - expected);
        Assert.True(err <= n * 1.2e-16 * sumAbs + Math.Abs(expected) * 6e-8, $"error {err} (expected {expected})");
        using var m = x.Mean();
        Assert.Equal(expected / n, m.Item<float>(), 1e-3);
    }

    [Fact]
    public void LogSumExpIsStableForLargeInputs()
    {
        using var x = Tensor.FromArray(new float[] { 1000, 1000, -1000, 999 }, 2, 2);
        using var y = x.LogSumExp(1);
        TestUtil.AssertClose(y, [1000 + Math.Log(2), 999 + Math.Log(1 + Math.Exp(-1999))], 1e-6);
        using var inf = Tensor.FromArray(new double[] { double.NegativeInfinity, double.NegativeInfinity });
        using var li = inf.LogSumExp();
        Assert.Equal(double.NegativeInfinity, li.Item<double>());
    }
}
