using DeepSeek.Backends;

namespace DeepSeek.Tests.Core;

/// <summary>
/// The backend entry points that let static kernels pass tensors as they are instead of per-run views: binary operands
/// broadcast by the kernel, reductions into keepdims=0 outputs, IndexSelect with an index of any rank, LayerNorm over
/// [..., K] — each against a scalar double-precision reference.
/// </summary>
public sealed class KernelEntryLayoutTests
{
    private static Tensor RandN(ulong seed, params int[] shape) => Tensor.RandN(new Shape(shape), new Generator(seed));

    [Theory]
    [InlineData(new[] { 2, 5, 3, 4 }, new[] { 1, 5, 1, 1 }, new[] { 3, 4 })]
    [InlineData(new[] { 2, 5, 3, 4 }, new[] { 2, 5, 3, 4 }, new[] { 5, 1, 4 })]
    [InlineData(new[] { 7, 33 }, new[] { 33 }, new[] { 7, 1 })]
    [InlineData(new[] { 1, 9, 1 }, new[] { 1 }, new[] { 9, 1 })]
    public void BinaryBroadcastsItsOperandsToDst(int[] dstShape, int[] aShape, int[] bShape)
    {
        using var a = RandN(1, aShape);
        using var b = RandN(2, bShape);
        using var dst = Tensor.Zeros(new Shape(dstShape));
        dst.Backend.Binary(BinaryOp.Mul, a, b, dst);
        dst.Backend.Binary(BinaryOp.Mul, a, b, dst); // the second call takes the cached loop plan
        var got = dst.ToArray<float>();
        var av = a.ToArray<float>();
        var bv = b.ToArray<float>();
        var idx = new int[dstShape.Length];
        for (int flat = 0; flat < got.Length; flat++)
        {
            int r = flat;
            for (int d = dstShape.Length - 1; d >= 0; d--) { idx[d] = r % dstShape[d]; r /= dstShape[d]; }
            double expect = (double)av[Broadcast(idx, aShape)] * bv[Broadcast(idx, bShape)];
            Assert.Equal((float)expect, got[flat]);
        }
    }

    // row-major index of the broadcast element of an operand of shape s at dst index idx
    private static int Broadcast(int[] idx, int[] s)
    {
        int lead = idx.Length - s.Length, flat = 0;
        for (int d = 0; d < s.Length; d++) flat = flat * s[d] + (s[d] == 1 ? 0 : idx[d + lead]);
        return flat;
    }

    [Fact]
    public void BinaryRejectsOperandsThatDoNotBroadcast()
    {
        using var a = RandN(3, 4, 3);
        using var b = RandN(4, 2, 1);
        using var dst = Tensor.Zeros(4, 3);
        var e = Assert.Throws<ShapeMismatchException>(() => dst.Backend.Binary(BinaryOp.Add, a, b, dst));
        Assert.Contains("[2, 1]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
    }

    [Fact]
    public void LoopPlansOfTheSameShapeWithOtherStridesAreNotConfused()
    {
        // same logical shape, alternately contiguous and transposed: a stale cached plan would read the wrong elements
        using var square = RandN(5, 6, 6);
        using var t = square.Transpose(0, 1);
        using var other = RandN(6, 6, 6);
        using var dst = Tensor.Zeros(6, 6);
        for (int round = 0; round < 3; round++)
            foreach (var (x, transposed) in new[] { (square, false), (t, true) })
            {
                dst.Backend.Binary(BinaryOp.Add, x, other, dst);
                var s = square.ToArray<float>();
                var o = other.ToArray<float>();
                var got = dst.ToArray<float>();
                for (int i = 0; i < 6; i++)
                    for (int j = 0; j < 6; j++)
                        Assert.Equal(s[transposed ? j * 6 + i : i * 6 + j] + o[i * 6 + j], got[i * 6 + j]);
            }
    }

    [Theory]
    [InlineData(new[] { 2, 16, 5, 7 }, new[] { 2, 3 }, true)]   // global average pooling, trailing dims: no plan
    [InlineData(new[] { 2, 16, 5, 7 }, new[] { 2, 3 }, false)]  // the same into [N, C] (keepdims=0)
    [InlineData(new[] { 3, 1, 1 }, new[] { 1, 2 }, false)]      // reduced dims of size 1
    [InlineData(new[] { 4, 5, 6 }, new[] { 0, 2 }, false)]      // not trailing: the planned path with a dims-dropped dst
    [InlineData(new[] { 1, 300001 }, new[] { 0, 1 }, true)]     // one long row split over threads
    public void MeanMatchesAReferenceInKeepDimAndDroppedShapes(int[] shape, int[] axes, bool keepDims)
    {
        using var x = RandN(7, shape);
        var outShape = Enumerable.Range(0, shape.Length).Where(d => keepDims || !axes.Contains(d)).Select(d => axes.Contains(d) ? 1 : shape[d]).ToArray();
        using var dst = Tensor.Zeros(new Shape(outShape));
        x.Backend.Reduce(ReduceOp.Mean, x, axes, dst);
        var xv = x.ToArray<float>();
        var sums = new double[dst.Numel];
        var counts = new long[dst.Numel];
        var idx = new int[shape.Length];
        for (int flat = 0; flat < xv.Length; flat++)
        {
            int r = flat;
            for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = r % shape[d]; r /= shape[d]; }
            int o = 0;
            for (int d = 0; d < shape.Length; d++) if (!axes.Contains(d)) o = o * shape[d] + idx[d];
            sums[o] += xv[flat];
            counts[o]++;
        }
        var got = dst.ToArray<float>();
        for (int o = 0; o < got.Length; o++) Assert.Equal(sums[o] / counts[o], got[o], 1e-5);
    }

    [Fact]
    public void ReduceRejectsADstOfAnotherShape()
    {
        using var x = RandN(8, 2, 3, 4);
        using var dst = Tensor.Zeros(3, 2);
        var e = Assert.Throws<ShapeMismatchException>(() => x.Backend.Reduce(ReduceOp.Sum, x, [2], dst));
        Assert.Contains("keep-dim shape [2, 3, 1]", e.Message);
    }

    [Theory]
    [InlineData(16, new[] { 2, 3 })] // rows of 64 bytes: the block-copy path
    [InlineData(3, new[] { 2, 3 })]  // rows of 12 bytes: the element path
    [InlineData(16, new int[0])]     // a 0-d index drops the axis
    public void IndexSelectTakesAnIndexOfAnyRank(int inner, int[] indexShape)
    {
        using var src = RandN(9, 2, 10, inner);
        long[] picks = indexShape.Length == 0 ? [7] : [9, 0, 3, 3, 5, 1];
        using var flat = Tensor.FromArray(picks);
        using var index = flat.Reshape(indexShape);
        var dstShape = new[] { 2 }.Concat(indexShape).Append(inner).ToArray();
        using var dst = Tensor.Zeros(new Shape(dstShape));
        src.Backend.IndexSelect(src, 1, index, dst);
        var s = src.ToArray<float>();
        var got = dst.ToArray<float>();
        for (int o = 0; o < 2; o++)
            for (int k = 0; k < picks.Length; k++)
                for (int i = 0; i < inner; i++)
                    Assert.Equal(s[(o * 10 + picks[k]) * inner + i], got[(o * picks.Length + k) * inner + i]);
    }

    [Fact]
    public void LayerNormNormalisesTheLastDimOfAHigherRankTensor()
    {
        using var x = RandN(10, 2, 3, 40);
        using var w = RandN(11, 40);
        using var b = RandN(12, 40);
        using var dst = Tensor.Zeros(2, 3, 40);
        x.Backend.LayerNorm(x, w, b, 1e-5, dst);
        var xv = x.ToArray<float>();
        var wv = w.ToArray<float>();
        var bv = b.ToArray<float>();
        var got = dst.ToArray<float>();
        for (int r = 0; r < 6; r++)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < 40; i++) mean += xv[r * 40 + i];
            mean /= 40;
            for (int i = 0; i < 40; i++) var += (xv[r * 40 + i] - mean) * (xv[r * 40 + i] - mean);
            double rstd = 1 / Math.Sqrt(var / 40 + 1e-5);
            for (int i = 0; i < 40; i++)
                Assert.Equal((xv[r * 40 + i] - mean) * rstd * wv[i] + bv[i], got[r * 40 + i], 1e-4);
        }
    }

    [Fact]
    public void InferenceBatchNormReadsNchwAsPlanes()
    {
        using var x = RandN(13, 2, 3, 4, 5);
        using var mean = RandN(14, 3);
        using var varRaw = RandN(15, 3);
        using var variance = varRaw.Abs();
        using var w = RandN(16, 3);
        using var b = RandN(17, 3);
        using var dst = Tensor.Zeros(2, 3, 4, 5);
        x.Backend.BatchNorm(x, mean, variance, w, b, false, 0, 1e-5, dst);
        var xv = x.ToArray<float>();
        var m = mean.ToArray<float>();
        var v = variance.ToArray<float>();
        var wv = w.ToArray<float>();
        var bv = b.ToArray<float>();
        var got = dst.ToArray<float>();
        for (int i = 0; i < xv.Length; i++)
        {
            int c = i / 20 % 3;
            double expect = (xv[i] - (double)m[c]) / Math.Sqrt(v[c] + 1e-5) * wv[c] + bv[c];
            Assert.Equal(expect, got[i], 1e-4);
        }
    }
}
