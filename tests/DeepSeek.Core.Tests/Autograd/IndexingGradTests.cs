using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;

namespace DeepSeek.Tests.Autograd;

/// <summary>Finite-difference and hand-computed checks of the indexing and shape-combining ops' backward.</summary>
public sealed class IndexingGradTests
{
    private static Tensor Longs(long[] v, params int[] shape) => Tensor.FromArray(v, shape);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void ConcatAlongEachAxis(int dim)
    {
        var a = GradCheck.Input(40, 2, 3, 4);
        var b = GradCheck.Input(41, 2, 3, 4);
        var c = GradCheck.Input(42, 2, 3, 4);
        GradCheck.Check(xs => Tensor.Concat([xs[0], xs[1].Exp(), xs[2]], dim), [a, b, c]);
        GradCheck.Check(xs => Tensor.Cat([xs[0].Permute(0, 2, 1).Contiguous().Permute(0, 2, 1), xs[1]], dim) * 2.0, [a, b]);
        c.RequiresGrad = false;
        GradCheck.Check(xs => Tensor.Concat([xs[1], xs[0], xs[1]], dim), [a, c]);
    }

    [Fact]
    public void ConcatOfViewsRepeatedInputsAndSkippedEmpties()
    {
        var x = GradCheck.Input(43, 4, 3);
        GradCheck.Check(xs => Tensor.Concat([xs[0].T, xs[0].Slice(0, 0, 4, 2).T, xs[0].T], 1), [x]);
        var e = Tensor.Zeros(new Shape(0), DType.F64).RequireGrad();
        var v = GradCheck.Input(44, 5);
        GradCheck.Check(xs => Tensor.Concat([xs[0], xs[1], xs[0]]).Square(), [e, v]);
        using var y = Tensor.Concat([e, v]).Sum();
        y.Backward();
        TestUtil.AssertShape(e.Grad!, 0);
    }

    [Fact]
    public void ConcatGradientReturnsInEachInputsDType()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.FromArray(new[] { 1f, 2f }).RequireGrad();
        var b = Tensor.FromArray(new[] { 3.0, 4.0, 5.0 }).RequireGrad();
        var h = Tensor.FromDoubles([6, 7], new Shape(2), DType.BF16).RequireGrad();
        var i = Tensor.FromArray(new[] { 8, 9 });
        var y = Tensor.Concat([a, b, h, i]);
        Assert.Equal(DType.F64, y.DType);
        using var w = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9 });
        (y * w).Sum().Backward();
        Assert.Equal(DType.F32, a.Grad!.DType);
        Assert.Equal(DType.F64, b.Grad!.DType);
        Assert.Equal(DType.BF16, h.Grad!.DType);
        Assert.Equal(new[] { 1.0, 2 }, a.Grad.ToDoubleArray());
        Assert.Equal(new[] { 3.0, 4, 5 }, b.Grad.ToDoubleArray());
        Assert.Equal(new[] { 6.0, 7 }, h.Grad.ToDoubleArray());
        Assert.Null(i.Grad);
        a.ZeroGrad(); b.ZeroGrad(); h.ZeroGrad();
    }

    [Fact]
    public void StackAlongNewAxes()
    {
        var a = GradCheck.Input(45, 3, 2);
        var b = GradCheck.Input(46, 3, 2);
        GradCheck.Check(xs => Tensor.Stack([xs[0], xs[1].Sin(), xs[0]], 0), [a, b]);
        GradCheck.Check(xs => Tensor.Stack([xs[0].T, xs[1].T], -1), [a, b]);
        GradCheck.Check(xs => Tensor.Stack([xs[0], xs[1]], 1).Square(), [a, b]);
    }

    [Fact]
    public void SplitAndChunkPiecesAreDifferentiableViews()
    {
        var x = GradCheck.Input(47, 7, 4);
        GradCheck.Check(xs =>
        {
            var p = xs[0].Split(3, 0);
            return Tensor.Concat([p[2] * 3.0, p[0].Exp(), p[1]], 0);
        }, [x]);
        GradCheck.Check(xs =>
        {
            var p = xs[0].Split([1, 3], -1);
            return p[1].Sum(1) * p[0].Squeeze(1);
        }, [x]);
        GradCheck.Check(xs =>
        {
            var p = xs[0].T.Chunk(3, 1);
            return p[0].Sum() + p[1].Square().Sum() + p[2].Tanh().Sum();
        }, [x]);
    }

    [Fact]
    public void RepeatAndTileSumOverCopies()
    {
        var x = GradCheck.Input(48, 2, 3);
        GradCheck.Check(xs => xs[0].Repeat(2, 3), [x]);
        GradCheck.Check(xs => xs[0].Repeat(2, 1, 2).Square(), [x]);
        GradCheck.Check(xs => xs[0].T.Repeat(1, 3) * 0.5, [x]);
        GradCheck.Check(xs => xs[0].Tile(2), [x]);
        GradCheck.Check(xs => xs[0].Expand(2, 2, 3).Tile(3, 1, 1, 2), [x]);
        GradCheck.Check(xs => xs[0].Repeat(0, 2).Sum() + xs[0].Sum(), [x]);
    }

    [Fact]
    public void RepeatHandComputed()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        using var w = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 3, 2);
        using var y = (x.Repeat(3, 1) * w).Sum();
        y.Backward();
        Assert.Equal(new[] { 9.0, 12.0 }, x.Grad!.ToArray<double>());
    }

    public static TheoryData<PadMode, int[]> PadCases() => new()
    {
        { PadMode.Constant, [2, 1] },
        { PadMode.Constant, [-1, 2, 1, -2] },
        { PadMode.Constant, [0, 0, 1, 1, -1, 0] },
        { PadMode.Reflect, [2, 3] },
        { PadMode.Reflect, [1, 2, 3, 0] },
        { PadMode.Reflect, [-1, 2, 1, -1] },
        { PadMode.Replicate, [3, 1] },
        { PadMode.Replicate, [2, 0, 1, 4, 1, 1] },
        { PadMode.Replicate, [-2, 3] },
        { PadMode.Circular, [4, 2] },
        { PadMode.Circular, [1, 3, 2, 2] },
        { PadMode.Circular, [3, -1, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(PadCases))]
    public void PadEveryMode(PadMode mode, int[] pads)
    {
        var x = GradCheck.Input(49, 2, 4, 5);
        GradCheck.Check(xs => xs[0].Pad(pads, mode, 0.5), [x]);
        GradCheck.Check(xs => xs[0].Permute(0, 2, 1).Pad(pads, mode).Square(), [x]);
    }

    [Theory]
    [InlineData(PadMode.Reflect, 2, 1, new[] { 1.0, 3, 2 })]
    [InlineData(PadMode.Replicate, 2, 1, new[] { 3.0, 1, 2 })]
    [InlineData(PadMode.Circular, 2, 1, new[] { 2.0, 2, 2 })]
    [InlineData(PadMode.Constant, -1, 2, new[] { 0.0, 1, 1 })]
    [InlineData(PadMode.Reflect, -1, 2, new[] { 1.0, 2, 1 })]
    public void PadHandComputed(PadMode mode, int before, int after, double[] expected)
    {
        // reflect (2, 1) of [a b c] = [c b a b c b]; replicate = [a a a b c c]; circular = [b c a b c a];
        // constant (−1, 2) = [b c 0 0]; reflect (−1, 2) = [b c b a]
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        using var y = x.Pad([before, after], mode).Sum();
        y.Backward();
        Assert.Equal(expected, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void IndexSelectAndEmbeddingAccumulateRepeatedIndices()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8 }, 4, 2).RequireGrad();
        using var idx = Longs([1, 1, 3, 1]);
        using (var y = x.IndexSelect(0, idx).Sum()) y.Backward();
        Assert.Equal(new[] { 0.0, 0, 3, 3, 0, 0, 1, 1 }, x.Grad!.ToArray<double>());

        using var w = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 3, 2).RequireGrad();
        using var ids = Tensor.FromArray(new[] { 0, 2, 0, 0 }, 2, 2);
        using (var gw = Tensor.FromArray(new[] { 1.0, 10, 2, 20, 3, 30, 4, 40 }, 2, 2, 2))
        using (var e = (Tensor.Embedding(ids, w) * gw).Sum())
            e.Backward();
        Assert.Equal(new[] { 8.0, 80, 0, 0, 2, 20 }, w.Grad!.ToArray<double>());
    }

    [Fact]
    public void IndexSelectEmbeddingGather()
    {
        using var idx = Longs([2, 0, 2, 3]);
        using var idx32 = Tensor.FromArray(new[] { 1, 1, 0 });
        var x = GradCheck.Input(50, 4, 3);
        GradCheck.Check(xs => xs[0].IndexSelect(0, idx), [x]);
        GradCheck.Check(xs => xs[0].IndexSelect(-1, idx32).Exp(), [x]);
        GradCheck.Check(xs => xs[0].T.IndexSelect(1, idx) * 2.0, [x]);
        using var scalarIdx = Tensor.Scalar(1, DType.I64);
        GradCheck.Check(xs => xs[0].IndexSelect(1, scalarIdx), [x]);

        using var ids = Tensor.FromArray(new long[] { 3, 0, 3, 1, 3, 2 }, 2, 3);
        GradCheck.Check(xs => Tensor.Embedding(ids, xs[0]).Square(), [x]);
        GradCheck.Check(xs => Tensor.Embedding(ids.T, xs[0].Slice(1, 0, 3, 2)), [x]);

        using var gi = Tensor.FromArray(new long[] { 0, 2, 2, 1, 1, 0, 3, 3 }, 2, 4);
        GradCheck.Check(xs => xs[0].T.Gather(1, gi.Slice(1, 0, 4)), [x]);
        using var gi0 = Tensor.FromArray(new long[] { 3, 3, 0, 1, 3, 2 }, 2, 3);
        GradCheck.Check(xs => xs[0].Gather(0, gi0).Sin(), [x]);
        using var gi1 = Tensor.FromArray(new long[] { 2, 0, 1, 1 }, 2, 2);
        GradCheck.Check(xs => xs[0].Gather(-1, gi1), [x]);
    }

    [Fact]
    public void ScatterAddAndIndexAddBothInputs()
    {
        var self = GradCheck.Input(51, 4, 3);
        var src = GradCheck.Input(52, 3, 4);
        using var index = Tensor.FromArray(new long[] { 0, 3, 3, 1, 1, 1 }, 2, 3);
        GradCheck.Check(xs => xs[0].ScatterAdd(0, index, xs[1]).Square(), [self, src]);
        using var index1 = Tensor.FromArray(new long[] { 2, 2, 0, 1, 0, 0 }, 3, 2);
        GradCheck.Check(xs => xs[0].ScatterAdd(1, index1, xs[1].Slice(1, 0, 4, 2)).Exp(), [self, src]);
        src.RequiresGrad = false;
        GradCheck.Check(xs => xs[0].T.ScatterAdd(-1, index1.T, xs[1]), [self, src]);

        var source = GradCheck.Input(53, 4, 5);
        using var rows = Tensor.FromArray(new[] { 2, 0, 2, 2, 1 });
        GradCheck.Check(xs => xs[0].IndexAdd(1, rows, xs[1].Slice(0, 0, 4).Slice(1, 0, 5)).Square(), [GradCheck.Input(54, 4, 3), source]);
        GradCheck.Check(xs => xs[0].IndexAdd(0, rows.Slice(0, 0, 2), xs[1].T.Slice(0, 0, 2).Slice(1, 0, 3)), [GradCheck.Input(55, 3, 3), source]);
    }

    [Fact]
    public void MaskedFillFlipTrilTriu()
    {
        var x = GradCheck.Input(56, 3, 4);
        using var mask = Tensor.FromArray(new[] { true, false, false, true }, 4);
        using var colMask = Tensor.FromArray(new[] { false, true, true }, 3, 1);
        using var big = Tensor.FromArray(new[] { true, false, false, true, true, false, false, true }, 2, 1, 4);
        GradCheck.Check(xs => xs[0].MaskedFill(mask, -2.0).Square(), [x]);
        GradCheck.Check(xs => xs[0].T.MaskedFill(colMask.T, 1.0), [x]);
        GradCheck.Check(xs => xs[0].MaskedFill(big, 0.0) * 3.0, [x]);
        var row = GradCheck.Input(57, 4);
        GradCheck.Check(xs => xs[0].MaskedFill(big, 5.0), [row]);

        GradCheck.Check(xs => xs[0].Flip(0), [x]);
        GradCheck.Check(xs => xs[0].T.Flip(-1, 0).Exp(), [x]);
        foreach (var d in new[] { -2, 0, 1, 3 })
        {
            GradCheck.Check(xs => xs[0].Tril(d).Square(), [x]);
            GradCheck.Check(xs => xs[0].T.Triu(d) * 2.0, [x]);
        }
    }

    [Fact]
    public void MaskedFillHandComputedWithBroadcast()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        using var mask = Tensor.FromArray(new[] { true, false, false, false, false, true }, 2, 3);
        using var y = x.MaskedFill(mask, 9.0).Sum();
        y.Backward();
        Assert.Equal(new[] { 1.0, 2.0, 1.0 }, x.Grad!.ToArray<double>());
    }

    public static TheoryData<string, DType> ReducedPrecisionCases()
    {
        var data = new TheoryData<string, DType>();
        foreach (var op in new[] { "Concat", "Stack", "Repeat", "PadReflect", "PadConstant", "PadCircular", "IndexSelect", "Embedding", "Gather", "ScatterAdd", "IndexAdd", "MaskedFill", "Flip", "Tril", "Split" })
            foreach (var dt in new[] { DType.F32, DType.F16, DType.BF16 })
                data.Add(op, dt);
        return data;
    }

    private static readonly long[] RepeatedRows = [3, 0, 3, 3, 1];

    private static Tensor ApplyIndexing(string op, Tensor x)
    {
        using var idx = Tensor.FromArray(RepeatedRows);
        using var gi = Tensor.FromArray(new long[] { 1, 1, 5, 0, 2, 2, 2, 2 }, 2, 4);
        using var mask = Tensor.FromArray(new[] { true, false, false, true, false, true });
        return op switch
        {
            "Concat" => Tensor.Concat([x, x.Slice(0, 0, 2) * 2.0], 0),
            "Stack" => Tensor.Stack([x, x.Square()], 1),
            "Repeat" => x.Repeat(2, 1, 3),
            "PadReflect" => x.Pad([2, 3, 1, 1], PadMode.Reflect),
            "PadConstant" => x.Pad([-1, 2, 1, 0], PadMode.Constant, 1.0),
            "PadCircular" => x.Pad([4, 6], PadMode.Circular),
            "IndexSelect" => x.IndexSelect(0, idx),
            "Embedding" => Tensor.Embedding(idx.Reshape(1, 5), x),
            "Gather" => x.Gather(1, gi),
            "ScatterAdd" => x.ScatterAdd(1, gi, x.Slice(1, 0, 4) * 0.5),
            "IndexAdd" => x.IndexAdd(0, idx, x.IndexSelect(0, idx).Square()),
            "MaskedFill" => x.MaskedFill(mask, 2.0),
            "Flip" => x.Flip(0, 1),
            "Tril" => x.Tril(1),
            "Split" => x.Split(2, 1)[1] * 3.0,
            _ => throw new ArgumentException(op),
        };
    }

    [Theory]
    [MemberData(nameof(ReducedPrecisionCases))]
    public void GradientArrivesInTheInputDType(string op, DType dtype) =>
        DTypeGradCheck.Compare(x => ApplyIndexing(op, x), new Shape(4, 6), dtype, seed: 11);

    [Fact]
    public void InternalHelpersDoNotRecordNodes()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.RandN(new Shape(4, 3), new Generator(58), dtype: DType.BF16).RequireGrad();
        using var idx = Tensor.FromArray(new long[] { 1, 0 });
        using var mask = Tensor.FromArray(new[] { true, false, true });
        var s = Tensor.RandN(new Shape(2, 3), new Generator(59), dtype: DType.BF16).RequireGrad();
        var ys = new[]
        {
            x.Repeat(2, 1), x.Tile(3), x.Pad([1, 1], PadMode.Reflect), x.MaskedFill(mask, 0), x.IndexSelect(1, idx),
            Tensor.Concat([x, x], 1), Tensor.Stack([x, x]), x.Flip(1), x.Triu(), x.Gather(0, idx.Reshape(2, 1)),
            x.ScatterAdd(0, idx.Reshape(2, 1), x), x.IndexAdd(0, idx, s), Tensor.Embedding(idx, x),
        };
        foreach (var y in ys)
            foreach (var next in y.GradFn!.Next)
                Assert.Equal("AccumulateGrad", next!.Name);
    }
}

public sealed class ReductionIndexingGradErrorTests
{
    [Fact]
    public void ModifyingASavedIndexBeforeBackwardIsReported()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(70, 4, 3);
        var idx = Tensor.FromArray(new long[] { 0, 2 });
        var y = x.IndexSelect(0, idx).Sum();
        idx.AddInPlace(1);
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("IndexSelectBackward", e.Message);
        Assert.Contains("modified in place", e.Message);

        var ids = Tensor.FromArray(new long[] { 1, 1 });
        var z = Tensor.Embedding(ids, x).Sum();
        ids.AddInPlace(1);
        e = Assert.Throws<InvalidOperationException>(() => z.Backward());
        Assert.Contains("EmbeddingBackward", e.Message);
    }

    [Fact]
    public void ModifyingASavedSoftmaxOutputInsideNoGradIsReported()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(71, 2, 3);
        var y = x.Softmax(1);
        var loss = (y * y).Sum();
        using (Tensor.NoGrad()) y.MulInPlace(2.0);
        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("Backward", e.Message);
    }

    [Fact]
    public void InPlaceWritesIntoRecordedOutputsAreRefused()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(72, 2, 3);
        var y = x.Pad([1, 1], PadMode.Reflect);
        var e = Assert.Throws<InvalidOperationException>(() => y.AddInPlace(1.0));
        Assert.Contains("requires grad", e.Message);
    }

    [Fact]
    public void BackwardTwiceWithoutRetainGraphIsReportedAndRetainGraphWorks()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(73, 3, 4);
        var (v, _) = x.TopK(2);
        var loss = v.Var().Sum();
        loss.Backward(retainGraph: true);
        var first = x.Grad!.ToDoubleArray();
        loss.Backward();
        TestUtil.AssertClose(first.Select(g => 2 * g).ToArray(), x.Grad!.ToDoubleArray(), 1e-12, 1e-12);
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
        x.ZeroGrad();
    }

    [Fact]
    public void ArgumentErrorsAreThrownBeforeAnythingIsRecorded()
    {
        using var scope = Tensor.NewScope();
        var x = GradCheck.Input(74, 3, 4);
        Assert.Throws<AxisOutOfRangeException>(() => x.Softmax(2));
        Assert.Throws<AxisOutOfRangeException>(() => x.CumSum(-3));
        Assert.Throws<ArgumentException>(() => x.Std([1], correction: -1));
        Assert.Throws<ArgumentException>(() => x.TopK(5, 1));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Concat([x, x.T], 0));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Stack([x, x.T]));
        Assert.Throws<ArgumentException>(() => x.Pad([4, 0], PadMode.Reflect));
        Assert.Throws<DTypeMismatchException>(() => x.IndexSelect(0, x));
        var e = Assert.Throws<IndexOutOfRangeException>(() => x.Gather(0, Tensor.FromArray(new long[] { 3 }, 1, 1)));
        Assert.Contains("Gather", e.Message);
        Assert.Throws<DTypeMismatchException>(() => x.ScatterAdd(0, Tensor.FromArray(new long[] { 0 }, 1, 1), x.To(DType.F32)));
        Assert.Throws<DTypeMismatchException>(() => x.MaskedFill(x, 0));
    }
}

[Collection("GlobalState")]
public sealed class ReductionIndexingGradMemoryTests
{
    [Fact]
    public void ForwardBackwardLoopLeavesThePoolUnchanged()
    {
        using var x = Tensor.RandN(new Shape(6, 8), new Generator(60)).RequireGrad();
        using var h = Tensor.RandN(new Shape(6, 8), new Generator(61), dtype: DType.F16).RequireGrad();
        using var idx = Tensor.FromArray(new long[] { 5, 0, 5, 2 });
        using var gi = Tensor.FromArray(new long[] { 1, 7, 7, 0, 3, 3 }, 2, 3);
        using var mask = Tensor.FromArray(new[] { true, false, false, true, false, false, true, false });
        void Step()
        {
            using (Tensor.NewScope())
            {
                var (mx, _) = x.MaxWithIndices(1);
                var (tk, _) = h.TopK(3, 0);
                var parts = x.Chunk(2, 1);
                var loss = x.Softmax(1).Sum() + x.LogSoftmax(0).Mean() + x.Std([1]).Sum() + x.Var().Sum() + mx.Sum()
                    + x.CumSum(0, exclusive: true).Sum() + x.Sort(1).Values.Square().Sum()
                    + Tensor.Concat([x, x.Flip(0)], 1).Tanh().Sum() + Tensor.Stack([x, x.Tril()]).Sum()
                    + x.Repeat(2, 2).Exp().Mean() + x.Pad([2, 3], PadMode.Reflect).Square().Sum() + x.Pad([-1, 1, 2, 0]).Sum()
                    + x.IndexSelect(0, idx).Sin().Sum() + Tensor.Embedding(idx.Reshape(2, 2), x).Square().Sum()
                    + x.Gather(1, gi).Exp().Sum() + x.ScatterAdd(1, gi, x.Triu()).Square().Sum()
                    + x.IndexAdd(0, idx, x.Slice(0, 0, 4).Square()).Sum() + x.MaskedFill(mask, 1).Square().Sum()
                    + parts[0].Sum() * parts[1].Sum() + tk.To(DType.F32).Sum() + h.Softmax(0).To(DType.F32).Sum();
                loss.Backward();
            }
            x.ZeroGrad();
            h.ZeroGrad();
        }
        Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        for (int i = 0; i < 30; i++) Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }
}
