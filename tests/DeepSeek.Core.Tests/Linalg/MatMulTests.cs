namespace DeepSeek.Tests.Linalg;

public class MatMulTests
{
    private static double Tol(DType t) => t switch { DType.F64 => 1e-12, DType.F32 => 1e-5, DType.F16 => 2e-3, _ => 1e-2 };

    private static void CheckMatMul(Tensor a, Tensor b, int seedTol = 0)
    {
        using var y = a.MatMul(b);
        var (expected, shape) = MatMulReference.MatMul(a.ToDoubleArray(), a.Shape.ToArray(), b.ToDoubleArray(), b.Shape.ToArray());
        TestUtil.AssertShape(y, shape);
        Assert.Equal(a.DType, y.DType);
        double t = Tol(a.DType);
        // inputs are exactly representable in every dtype; the result is rounded once to the output dtype
        TestUtil.AssertClose(expected, y.ToDoubleArray(), t * 4, t * 4 * Math.Sqrt(a.Shape[^1]) + seedTol);
    }

    public static TheoryData<int[], int[]> RankCombinations() => new()
    {
        { [7], [7] },
        { [5], [5, 3] },
        { [4, 5], [5] },
        { [4, 5], [5, 3] },
        { [2, 4, 5], [5] },
        { [5], [2, 5, 3] },
        { [2, 4, 5], [5, 3] },
        { [4, 5], [3, 5, 6] },
        { [2, 3, 4, 5], [3, 5, 6] },
        { [2, 1, 4, 5], [1, 3, 5, 6] },
        { [3, 1, 17, 33], [4, 33, 19] },
        { [1, 4, 5], [6, 5, 2] },
    };

    [Theory]
    [MemberData(nameof(RankCombinations))]
    public void MatchesReferenceForEveryRankCombination(int[] sa, int[] sb)
    {
        var g = new Generator(5);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.F16, DType.BF16 })
        {
            using var scope = Tensor.NewScope();
            var a = Make(new Shape(sa), g, dt);
            var b = Make(new Shape(sb), g, dt);
            CheckMatMul(a, b);
        }
    }

    private static Tensor Make(Shape s, Generator g, DType dt) => Tensor.RandN(s, g, dtype: dt);

    [Fact]
    public void ZeroSizedDimensions()
    {
        using var scope = Tensor.NewScope();
        var y = Tensor.Zeros(new Shape(0, 4, 5)).MatMul(Tensor.Ones(5, 3));
        TestUtil.AssertShape(y, 0, 4, 3);
        var z = Tensor.Zeros(new Shape(0, 5)).MatMul(Tensor.Ones(5, 3));
        TestUtil.AssertShape(z, 0, 3);
        // K = 0: the empty sum is 0 everywhere
        var k0 = Tensor.Zeros(new Shape(4, 0)).MatMul(Tensor.Zeros(new Shape(0, 3)));
        TestUtil.AssertShape(k0, 4, 3);
        Assert.All(k0.ToArray<float>(), v => Assert.Equal(0f, v));
        var k0d = Tensor.Zeros(new Shape(4, 0), DType.F64).MatMul(Tensor.Zeros(new Shape(0, 3), DType.F64));
        Assert.All(k0d.ToArray<double>(), v => Assert.Equal(0.0, v));
        var lin = Tensor.Linear(Tensor.Zeros(new Shape(2, 0)), Tensor.Zeros(new Shape(3, 0)), Tensor.Ones(3));
        Assert.All(lin.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void DotProductIsZeroDim()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var b = Tensor.FromArray(new float[] { 4, 5, 6 });
        using var d = a.Dot(b);
        Assert.Equal(0, d.Rank);
        Assert.Equal(32f, d.Item<float>());
        using var m = a.MatMul(b);
        Assert.Equal(0, m.Rank);
        Assert.Equal(32f, m.Item<float>());
    }

    [Fact]
    public void HandComputedProducts()
    {
        using var a = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        using var b = Tensor.FromArray(new float[,] { { 1, 0, -1 }, { 2, 1, 0 } });
        using var y = a.Mm(b);
        TestUtil.AssertClose(y, [5, 2, -1, 11, 4, -3, 17, 6, -5]);
        using var o = Tensor.FromArray(new float[] { 1, 2 }).Outer(Tensor.FromArray(new float[] { 3, 4, 5 }));
        TestUtil.AssertShape(o, 2, 3);
        TestUtil.AssertClose(o, [3, 4, 5, 6, 8, 10]);
    }

    [Fact]
    public void NonContiguousInputs()
    {
        var g = new Generator(9);
        foreach (var dt in new[] { DType.F32, DType.F64, DType.BF16 })
        {
            using var scope = Tensor.NewScope();
            var big = Tensor.RandN(new Shape(40, 60), g, dtype: dt);
            var w = Tensor.RandN(new Shape(50, 30), g, dtype: dt);
            CheckMatMul(big.T, big);                                 // transposed left (transA without copy)
            CheckMatMul(big, big.T);                                 // transposed right
            var tall = Tensor.RandN(new Shape(120, 20), g, dtype: dt);
            CheckMatMul(big.Slice(0, 1, 40, 3), tall.Slice(0, 0, 120, 2));   // stepped rows: row strides > width, no copy
            CheckMatMul(big.Slice(1, 0, 60, 2), w.Slice(0, 0, 30));  // column step 2 → copied operand
            var v = Tensor.RandN(new Shape(1, 60), g, dtype: dt);
            CheckMatMul(v.Expand(5, 60), big.T);                      // stride-0 rows
            var b3 = Tensor.RandN(new Shape(3, 60, 7), g, dtype: dt);
            CheckMatMul(big, b3);                                    // broadcast left over batch
            CheckMatMul(b3.Transpose(1, 2), big.T);                  // batched transposed
            var x4 = Tensor.RandN(new Shape(2, 3, 5, 60), g, dtype: dt);
            CheckMatMul(x4, big.T);                                  // batch folded into rows
            CheckMatMul(x4.Permute(1, 0, 2, 3), big.T);              // batch not foldable
            CheckMatMul(x4.Select(3, 0).Unsqueeze(-1).Expand(2, 3, 5, 4), Tensor.RandN(new Shape(4, 6), g, dtype: dt));
        }
    }

    [Fact]
    public void LargeBatchedAndSquare()
    {
        var g = new Generator(3);
        using var scope = Tensor.NewScope();
        CheckMatMul(Tensor.RandN(new Shape(12, 33, 40), g), Tensor.RandN(new Shape(12, 40, 29), g));
        CheckMatMul(Tensor.RandN(new Shape(130, 257), g), Tensor.RandN(new Shape(257, 141), g));
        using var bmm = Tensor.RandN(new Shape(4, 9, 8), g).Bmm(Tensor.RandN(new Shape(4, 8, 5), g));
        TestUtil.AssertShape(bmm, 4, 9, 5);
    }

    [Fact]
    public void Errors()
    {
        using var scope = Tensor.NewScope();
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4, 5);
        var e = Assert.Throws<ShapeMismatchException>(() => a.MatMul(b));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(3).MatMul(Tensor.Zeros(4)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Scalar(1).MatMul(Tensor.Zeros(3)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(5, 4, 2)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3, 4).Mm(Tensor.Zeros(4, 2)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3, 4).Bmm(Tensor.Zeros(3, 4, 2)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Zeros(2, 3).Dot(Tensor.Zeros(2, 3)));
        var ie = Assert.Throws<DTypeMismatchException>(() => Tensor.Zeros(new Shape(2, 2), DType.I32).MatMul(Tensor.Zeros(new Shape(2, 2), DType.I32)));
        Assert.Contains("i32", ie.Message);
        Assert.Throws<DTypeMismatchException>(() => a.MatMul(Tensor.Zeros(new Shape(3, 2), DType.F64)));
        var d = Tensor.Zeros(3, 2);
        d.Dispose();
        Assert.Throws<TensorDisposedException>(() => a.MatMul(d));
    }
}
