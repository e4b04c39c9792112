namespace DeepSeek.Tests.Autograd;

/// <summary>Finite-difference and hand-computed checks of Softmax, LogSoftmax, Var/Std, Max/Min with indices, CumSum, TopK, Sort.</summary>
public sealed class ReductionFamilyGradTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(-3)]
    public void SoftmaxAndLogSoftmaxOverEachAxis(int dim)
    {
        var x = GradCheck.Input(20, 2, 3, 4);
        GradCheck.Check(xs => xs[0].Softmax(dim), [x]);
        GradCheck.Check(xs => xs[0].LogSoftmax(dim), [x]);
    }

    [Fact]
    public void SoftmaxOfStridedViews()
    {
        var x = GradCheck.Input(21, 5, 6);
        GradCheck.Check(xs => xs[0].T.Softmax(-1), [x]);
        GradCheck.Check(xs => xs[0].Slice(1, 0, 6, 2).LogSoftmax(0), [x]);
        GradCheck.Check(xs => xs[0].Slice(0, 1, 5, 3).Softmax(1) * xs[0].Slice(0, 0, 2), [x]);
        var row = GradCheck.Input(22, 1, 4);
        GradCheck.Check(xs => xs[0].Expand(3, 4).Softmax(0) + xs[0].Expand(3, 4).LogSoftmax(1), [row]);
    }

    [Fact]
    public void SoftmaxOfAScalarHasZeroGradient()
    {
        using var x = Tensor.Scalar(0.7, DType.F64).RequireGrad();
        using var y = x.Softmax(0);
        y.Backward();
        Assert.Equal(0.0, x.Grad!.ToArray<double>()[0]);
        using var z = Tensor.Scalar(0.7, DType.F64).RequireGrad();
        using var ly = z.LogSoftmax(-1);
        ly.Backward();
        Assert.Equal(0.0, z.Grad!.ToArray<double>()[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void VarAndStdOverAxesWithEveryKeepDim(int correction)
    {
        var x = GradCheck.Input(23, 3, 4, 5);
        foreach (var keep in new[] { false, true })
        {
            GradCheck.Check(xs => xs[0].Var([1], correction, keep), [x]);
            GradCheck.Check(xs => xs[0].Std([0, -1], correction, keep), [x]);
            GradCheck.Check(xs => xs[0].Var(null, correction, keep), [x]);
            GradCheck.Check(xs => xs[0].Std([-2], correction, keep), [x]);
        }
        GradCheck.Check(xs => xs[0].Permute(2, 0, 1).Std([1], correction), [x]);
        GradCheck.Check(xs => xs[0].Slice(2, 0, 5, 2).Var([2, 0], correction, true), [x]);
    }

    [Fact]
    public void VarHandComputedAndStdOfConstantIsZero()
    {
        // x = [1, 2, 6]: mean 3, dVar/dx = 2(x − 3)/(N − 1) = [-2, -1, 3]
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 6.0 }).RequireGrad();
        using var v = x.Var();
        v.Backward();
        Assert.Equal(new[] { -2.0, -1.0, 3.0 }, x.Grad!.ToArray<double>());
        // std of a constant row is 0: its gradient is defined as 0 (not NaN), as in PyTorch
        using var c = Tensor.FromArray(new[] { 2.0, 2.0, 2.0, 1.0, 3.0, 5.0 }, 2, 3).RequireGrad();
        using var s = c.Std([1]).Sum();
        s.Backward();
        var g = c.Grad!.ToArray<double>();
        Assert.Equal(new[] { 0.0, 0.0, 0.0 }, g[..3]);
        TestUtil.AssertClose(new[] { -0.5, 0.0, 0.5 }, g[3..], 1e-12, 1e-12);
    }

    [Fact]
    public void MaxMinWithIndicesValues()
    {
        var x = GradCheck.Input(24, 3, 4, 5);
        foreach (var keep in new[] { false, true })
        {
            GradCheck.Check(xs => xs[0].MaxWithIndices(1, keep).Values, [x]);
            GradCheck.Check(xs => xs[0].MinWithIndices(-1, keep).Values, [x]);
            GradCheck.Check(xs => xs[0].Permute(2, 1, 0).MaxWithIndices(0, keep).Values.Exp(), [x]);
            GradCheck.Check(xs => xs[0].Slice(2, 1, 5, 2).MinWithIndices(-3, keep).Values, [x]);
        }
    }

    [Fact]
    public void MaxWithIndicesGivesTheWholeGradientToTheReturnedIndex()
    {
        // ties: the first occurrence is returned, and only it gets the gradient (Max() would split it)
        using var x = Tensor.FromArray(new[] { 1.0, 3.0, 3.0, 5.0, 5.0, 0.0 }, 2, 3).RequireGrad();
        var (v, i) = x.MaxWithIndices(1);
        using (v)
        using (i)
        {
            Assert.False(i.RequiresGrad);
            Assert.True(v.RequiresGrad);
            using var w = Tensor.FromArray(new[] { 2.0, -1.0 });
            using var loss = (v * w).Sum();
            loss.Backward();
        }
        Assert.Equal(new[] { 0.0, 2.0, 0.0, -1.0, 0.0, 0.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaxWithIndicesOfAScalar()
    {
        using var x = Tensor.Scalar(1.5, DType.F64).RequireGrad();
        var (v, i) = x.MinWithIndices(0);
        using (i)
        using (v)
        using (var y = v * 3.0)
            y.Backward();
        Assert.Equal(3.0, x.Grad!.ToArray<double>()[0]);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void CumSumEveryDirection(bool exclusive, bool reverse)
    {
        var x = GradCheck.Input(25, 3, 5);
        GradCheck.Check(xs => xs[0].CumSum(1, exclusive, reverse), [x]);
        GradCheck.Check(xs => xs[0].CumSum(-2, exclusive, reverse), [x]);
        GradCheck.Check(xs => xs[0].T.CumSum(-1, exclusive, reverse).Square(), [x]);
        GradCheck.Check(xs => xs[0].Slice(1, 0, 5, 2).CumSum(1, exclusive, reverse), [x]);
    }

    [Theory]
    [InlineData(false, false, new[] { 3.0, 2.0, 1.0 })]
    [InlineData(true, false, new[] { 2.0, 1.0, 0.0 })]
    [InlineData(false, true, new[] { 1.0, 2.0, 3.0 })]
    [InlineData(true, true, new[] { 0.0, 1.0, 2.0 })]
    public void CumSumHandComputed(bool exclusive, bool reverse, double[] expected)
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        using var y = x.CumSum(0, exclusive, reverse).Sum();
        y.Backward();
        Assert.Equal(expected, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void TopKValuesEveryMode()
    {
        var x = GradCheck.Input(26, 4, 6);
        foreach (var largest in new[] { true, false })
        {
            GradCheck.Check(xs => xs[0].TopK(3, -1, largest).Values, [x]);
            GradCheck.Check(xs => xs[0].TopK(2, 0, largest, sorted: false).Values, [x]);
            GradCheck.Check(xs => xs[0].T.TopK(1, 1, largest).Values.Exp(), [x]);
            GradCheck.Check(xs => xs[0].Slice(1, 0, 6, 2).TopK(3, -1, largest).Values, [x]);
        }
        GradCheck.Check(xs => xs[0].TopK(0, 1).Values.Sum() + xs[0].Sum(), [x]);
    }

    [Fact]
    public void SortValuesBothOrders()
    {
        var x = GradCheck.Input(27, 3, 5);
        GradCheck.Check(xs => xs[0].Sort().Values, [x]);
        GradCheck.Check(xs => xs[0].Sort(0, descending: true).Values, [x]);
        GradCheck.Check(xs => xs[0].T.Sort(-1, descending: true).Values * xs[0].T, [x]);
    }

    [Fact]
    public void SortHandComputed()
    {
        using var x = Tensor.FromArray(new[] { 3.0, 1.0, 2.0 }).RequireGrad();
        var (v, i) = x.Sort();
        using (v)
        using (i)
        using (var w = Tensor.FromArray(new[] { 10.0, 20.0, 30.0 }))
        using (var loss = (v * w).Sum())
            loss.Backward();
        // sorted = [1, 2, 3] from positions [1, 2, 0]
        Assert.Equal(new[] { 30.0, 10.0, 20.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void NonDifferentiableOutputsDoNotRequireGrad()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(28, 3, 4);
        Assert.False(x.ArgMax().RequiresGrad);
        Assert.False(x.ArgMin(1).RequiresGrad);
        Assert.False(x.ArgMax(-1, keepDim: true).RequiresGrad);
        Assert.False(x.ArgSort(0).RequiresGrad);
        Assert.False(x.TopK(2).Indices.RequiresGrad);
        Assert.False(x.Sort().Indices.RequiresGrad);
        Assert.False(x.MaxWithIndices(0).Indices.RequiresGrad);
        Assert.False(x.MinWithIndices(1).Indices.RequiresGrad);
        Assert.False(x.Gt(0).RequiresGrad);
        Assert.False(x.Eq(x).RequiresGrad);
        Assert.False(x.ArgMax(1).OneHot(4).RequiresGrad);
        // and every floating output records a node
        Assert.True(x.Softmax(0).RequiresGrad);
        Assert.True(x.Var().RequiresGrad);
        Assert.True(x.CumSum(1).RequiresGrad);
        Assert.True(x.TopK(2).Values.RequiresGrad);
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void HalfInputsRecordOneNodeWithoutInternalCasts(DType dtype)
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.RandN(new Shape(3, 4), new Generator(29), dtype: dtype).RequireGrad();
        foreach (var y in new[] { x.Softmax(1), x.LogSoftmax(0), x.Std([1]), x.Var(), x.CumSum(1), x.TopK(2).Values, x.MaxWithIndices(1).Values, x.Sort(0).Values })
        {
            Assert.Equal(dtype, y.DType);
            Assert.Single(y.GradFn!.Next);
            Assert.Equal("AccumulateGrad", y.GradFn.Next[0]!.Name);
        }
    }

    public static TheoryData<string, DType> ReducedPrecisionCases()
    {
        var data = new TheoryData<string, DType>();
        foreach (var op in new[] { "Softmax", "LogSoftmax", "Var", "Std", "Max", "Min", "CumSum", "CumSumExclusiveReverse", "TopK", "Sort" })
            foreach (var dt in new[] { DType.F32, DType.F16, DType.BF16 })
                data.Add(op, dt);
        return data;
    }

    private static Tensor ApplyReduction(string op, Tensor x) => op switch
    {
        "Softmax" => x.Softmax(1),
        "LogSoftmax" => x.LogSoftmax(0),
        "Var" => x.Var([1]),
        "Std" => x.Std([0], correction: 0, keepDim: true),
        "Max" => x.MaxWithIndices(1).Values,
        "Min" => x.MinWithIndices(0, keepDim: true).Values,
        "CumSum" => x.CumSum(1),
        "CumSumExclusiveReverse" => x.CumSum(0, exclusive: true, reverse: true),
        "TopK" => x.TopK(2).Values,
        "Sort" => x.Sort(0, descending: true).Values,
        _ => throw new ArgumentException(op),
    };

    [Theory]
    [MemberData(nameof(ReducedPrecisionCases))]
    public void GradientArrivesInTheInputDType(string op, DType dtype) =>
        DTypeGradCheck.Compare(x => ApplyReduction(op, x), new Shape(4, 6), dtype);
}

/// <summary>
/// Runs an op's backward in F64 and in a narrower dtype on the same (exactly representable) input and checks the
/// narrow gradient keeps the input dtype and agrees with the F64 one within that dtype's precision.
/// </summary>
internal static class DTypeGradCheck
{
    /// <summary>Distinct multiples of 1/8 in a shuffled order: exact in F16 and BF16, and without ties.</summary>
    public static double[] Distinct(int n, int seed)
    {
        var v = Enumerable.Range(0, n).Select(k => (k - n / 2) / 8.0).ToArray();
        new Random(seed).Shuffle(v);
        return v;
    }

    public static void Compare(Func<Tensor, Tensor> f, Shape shape, DType dtype, int seed = 3)
    {
        double tol = dtype switch { DType.F32 => 1e-4, DType.F16 => 1e-2, _ => 5e-2 };
        var values = Distinct((int)shape.Numel, seed);
        using var scope = Tensor.NewScope();
        var x64 = Tensor.FromDoubles(values, shape, DType.F64).RequireGrad();
        var y64 = f(x64);
        var wd = Tensor.RandN(y64.Shape, new Generator(7), dtype: DType.F64).To(dtype);
        (y64 * wd.To(DType.F64)).Sum().Backward();

        var x = Tensor.FromDoubles(values, shape, dtype).RequireGrad();
        var y = f(x);
        Assert.Equal(dtype, y.DType);
        (y * wd).Sum().Backward();
        Assert.Equal(dtype, x.Grad!.DType);
        var expected = x64.Grad!.ToDoubleArray();
        double scale = expected.Select(Math.Abs).DefaultIfEmpty(0).Max();
        TestUtil.AssertClose(expected, x.Grad.ToDoubleArray(), tol, tol * scale);
        x64.ZeroGrad();
        x.ZeroGrad();
    }
}
