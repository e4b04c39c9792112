using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

public sealed class LinalgQuantTests
{
    private static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int q = 0; q < k; q++) y[i * n + j] += a[i * k + q] * b[q * n + j];
        return y;
    }

    [Fact]
    public void GemmWithTransposesAlphaBetaAndBroadcastBias()
    {
        using var at = RandN(50, 4, 3); // A' = Aᵀ [3, 4]
        using var b = RandN(51, 4, 5);
        using var c = RandN(52, 5);
        var y = Run("Gemm", 13, [at, b, c], [("transA", 1), ("alpha", 0.5f), ("beta", 2f)])[0];
        using var a = at.Transpose(0, 1).Contiguous();
        var mm = MatMul(a.ToDoubleArray(), b.ToDoubleArray(), 3, 4, 5);
        var cd = c.ToDoubleArray();
        AssertClose(y, [3, 5], mm.Select((v, i) => 0.5 * v + 2 * cd[i % 5]).ToArray());
        using var bt = b.Transpose(0, 1); // strided [5, 4] view, transB back to [4, 5]
        var y2 = Run("Gemm", 11, [a, bt], [("transB", 1)])[0];
        AssertClose(y2, [3, 5], mm);
        using var bad = Tensor.Zeros(3, 5).To(DType.F64);
        Assert.Throws<DTypeMismatchException>(() => Run("Gemm", 13, [a, b, bad]));
        using var wrong = Tensor.Zeros(2, 5);
        Assert.Throws<ShapeMismatchException>(() => Run("Gemm", 13, [a, b, wrong]));
    }

    [Theory]
    [InlineData("ij,jk->ik")]
    [InlineData("bij,bjk->bik")]
    [InlineData("ij->ji")]
    [InlineData("ij->")]
    [InlineData("i,i")]
    [InlineData("...ii->...i")]
    [InlineData("ij,jk,kl->il")]
    [InlineData("bij,jk")]
    public void EinsumMatchesNaiveReference(string eq)
    {
        var shapes = new Dictionary<string, int[][]>
        {
            ["ij,jk->ik"] = [[2, 3], [3, 4]],
            ["bij,bjk->bik"] = [[2, 2, 3], [2, 3, 2]],
            ["ij->ji"] = [[2, 3]],
            ["ij->"] = [[2, 3]],
            ["i,i"] = [[4], [4]],
            ["...ii->...i"] = [[2, 3, 3]],
            ["ij,jk,kl->il"] = [[2, 3], [3, 2], [2, 2]],
            ["bij,jk"] = [[2, 2, 3], [3, 2]],
        };
        var ops = shapes[eq].Select((s, i) => RandN(60 + i, s).To(DType.F64)).ToArray();
        var y = Run("Einsum", 12, ops.Cast<Tensor?>().ToArray(), [("equation", eq)])[0];
        var (shape, expected) = NaiveEinsum(eq, ops);
        AssertClose(y, shape, expected, 1e-10, 1e-10);
    }

    // Loops over every assignment of every label (ellipsis as one extra label here, enough for the tests above).
    private static (int[] Shape, double[] Values) NaiveEinsum(string eq, Tensor[] ops)
    {
        eq = eq.Replace("...", "Z", StringComparison.Ordinal);
        var parts = eq.Split("->");
        var ins = parts[0].Split(',');
        var outLabels = parts.Length > 1 ? parts[1] : new string(ins.SelectMany(s => s).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).OrderBy(c => c).ToArray());
        var size = new Dictionary<char, int>();
        for (int i = 0; i < ins.Length; i++)
            for (int j = 0; j < ins[i].Length; j++) size[ins[i][j]] = ops[i].Size(j);
        var labels = size.Keys.ToArray();
        var data = ops.Select(o => o.ToDoubleArray()).ToArray();
        var outShape = outLabels.Select(c => size[c]).ToArray();
        var y = new double[Math.Max(1, outShape.Aggregate(1, (p, v) => p * v))];
        foreach (var idx in Indices(labels.Select(c => size[c]).ToArray()))
        {
            int Of(char c) => idx[Array.IndexOf(labels, c)];
            double prod = 1;
            for (int i = 0; i < ins.Length; i++)
            {
                var st = Strides(ops[i].Shape.ToArray());
                prod *= data[i][ins[i].Select((c, j) => Of(c) * st[j]).Sum()];
            }
            var ost = Strides(outShape);
            y[outLabels.Select((c, j) => Of(c) * ost[j]).Sum()] += prod;
        }
        return (outShape, y);
    }

    [Fact]
    public void EinsumRejectsBadEquations()
    {
        using var a = Tensor.Zeros(2, 3);
        Assert.Throws<ShapeMismatchException>(() => Run("Einsum", 12, [a], [("equation", "ijk->i")]));
        Assert.Throws<ArgumentException>(() => Run("Einsum", 12, [a], [("equation", "ij,jk->ik")]));
    }

    [Fact]
    public void DetByLu()
    {
        using var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 1, 3);
        using var m = Tensor.FromArray(new float[] { 1, 2, 3, 4, 2, 1, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 10, 1 }, 2, 3, 3);
        var d = Run("Det", 11, [m])[0];
        // det [[1,2,3],[4,2,1],[0,3,1]] = 1(2−3) − 2(4−0) + 3(12−0) = 27; det [[2,3,4],[5,6,7],[8,10,1]] = 2(6−70) − 3(5−56) + 4(50−48) = 33.
        AssertClose(d, [2], [27, 33]);
        Assert.Equal(0, NnLinalg.LuDeterminant([1, 2, 2, 4], 2));
        Assert.Throws<ShapeMismatchException>(() => Run("Det", 11, [x]));
    }

    [Fact]
    public void MatMulIntegerAndQLinearMatMul()
    {
        using var a = Tensor.FromArray(new byte[] { 11, 7, 3, 10, 6, 2 }, 2, 3);
        using var b = Tensor.FromArray(new byte[] { 1, 4, 2, 5, 3, 6 }, 3, 2);
        using var az = Tensor.FromArray(new byte[] { 12 });
        using var bz = Tensor.FromArray(new byte[] { 0 });
        var y = Run("MatMulInteger", 10, [a, b, az, bz])[0];
        // (a − 12) = [[−1, −5, −9], [−2, −6, −10]].
        Assert.Equal(new[] { -1 - 10 - 27, -4 - 25 - 54, -2 - 12 - 30, -8 - 30 - 60 }, y.ToArray<int>());

        using var s1 = Tensor.Scalar(0.5f);
        using var s2 = Tensor.Scalar(0.25f);
        using var ys = Tensor.Scalar(1f);
        using var yz = Tensor.Scalar(100, DType.U8);
        var q = Run("QLinearMatMul", 10, [a, s1, az, b, s2, bz, ys, yz])[0];
        // real = int · 0.125, + 100, rounded half to even, saturated to [0, 255].
        double[] ints = [-38, -83, -44, -98];
        Assert.Equal(ints.Select(v => (byte)Math.Clamp(Math.Round(v * 0.125, MidpointRounding.ToEven) + 100, 0, 255)).ToArray(), q.ToArray<byte>());
    }

    [Fact]
    public void QuantizeAndDequantizePerTensorAxisAndBlocked()
    {
        using var x = Tensor.FromArray(new float[] { 0, 1, 2.5f, -3, 300, -300 }, 2, 3);
        using var sc = Tensor.Scalar(2f);
        using var zp = Tensor.Scalar(128, DType.U8);
        var q = Run("QuantizeLinear", 13, [x, sc, zp])[0];
        // x/2 = 0, 0.5, 1.25, −1.5, 150, −150 → round-even 0, 0, 1, −2, 150, −150 → +128, saturate.
        Assert.Equal(new byte[] { 128, 128, 129, 126, 255, 0 }, q.ToArray<byte>());
        var qi = Run("QuantizeLinear", 13, [x, sc, Tensor.Scalar(0, DType.I8)])[0];
        Assert.Equal(new sbyte[] { 0, 0, 1, -2, 127, -128 }, qi.ToArray<sbyte>());

        using var axScale = Tensor.FromArray(new float[] { 1, 2, 4 });
        using var axZp = Tensor.FromArray(new byte[] { 0, 10, 20 });
        var qa = Run("QuantizeLinear", 13, [x, axScale, axZp], [("axis", 1)])[0];
        Assert.Equal(new byte[] { 0, 10, 21, 0, 160, 0 }, qa.ToArray<byte>());
        var dq = Run("DequantizeLinear", 13, [qa, axScale, axZp], [("axis", -1)])[0];
        AssertClose(dq, [2, 3], [0, 0, 4, 0, 300, -80]);

        // Blocked along axis 1 with block 2: scale [2, 2] covers columns {0, 1} and {2}.
        using var bs = Tensor.FromArray(new float[] { 1, 0.5f, 2, 4 }, 2, 2);
        var qb = Run("QuantizeLinear", 21, [x, bs, Tensor.FromArray(new sbyte[] { 0, 0, 0, 0 }, 2, 2)], [("axis", 1), ("block_size", 2)])[0];
        Assert.Equal(new sbyte[] { 0, 1, 5, -2, 127, -75 }, qb.ToArray<sbyte>());
        var ex = Assert.Throws<ShapeMismatchException>(() => Run("QuantizeLinear", 13, [x, Tensor.FromArray(new float[] { 1, 2 }), null], [("axis", 1)]));
        Assert.Contains("QuantizeLinear node", ex.Message);

        using var i32 = Tensor.FromArray(new int[] { 5, -7 });
        AssertClose(Run("DequantizeLinear", 10, [i32, sc])[0], [2], [10, -14]);
    }

    [Fact]
    public void DynamicQuantizeLinearAndDropout()
    {
        using var x = Tensor.FromArray(new float[] { 0, 2, -3, -2.5f, 1.34f, 0.5f });
        var o = Run("DynamicQuantizeLinear", 11, [x], outputs: 3);
        float scale = (2f - -3f) / 255f;
        float zp = MathF.Round(3f / scale, MidpointRounding.ToEven);
        Assert.Equal(scale, o[1].Item<float>());
        Assert.Equal((byte)zp, o[2].Item<byte>());
        var xs = x.ToArray<float>();
        Assert.Equal(xs.Select(v => (byte)Math.Clamp(MathF.Round(v / scale, MidpointRounding.ToEven) + zp, 0, 255)).ToArray(), o[0].ToArray<byte>());

        var d = Run("Dropout", 13, [x], outputs: 2);
        Assert.Equal(xs, d[0].ToArray<float>());
        Assert.Equal(DType.Bool, d[1].DType);
        Assert.All(d[1].ToArray<bool>(), Assert.True);
        using var ratio = Tensor.Scalar(0.5f);
        using var train = Tensor.Scalar(1, DType.Bool);
        var ex = Assert.Throws<UnsupportedOperatorException>(() => Run("Dropout", 13, [x, ratio, train]));
        Assert.Contains("Dropout node", ex.Message);
        using var zero = Tensor.Scalar(0f);
        Assert.Equal(xs, Run("Dropout", 13, [x, zero, train])[0].ToArray<float>());
    }
}
