namespace DeepSeek.Tests.Linalg;

public class LinearTests
{
    private static void Check(Tensor x, Tensor w, Tensor? bias, double tol)
    {
        using var y = Tensor.Linear(x, w, bias);
        int inF = w.Shape[1], outF = w.Shape[0];
        int rows = (int)(x.Numel / inF);
        var expected = MatMulReference.Linear(x.ToDoubleArray(), rows, inF, w.ToDoubleArray(), outF, bias?.ToDoubleArray());
        var shape = x.Shape.ToArray();
        shape[^1] = outF;
        TestUtil.AssertShape(y, shape);
        Assert.Equal(x.DType, y.DType);
        TestUtil.AssertClose(expected, y.ToDoubleArray(), tol, tol * Math.Sqrt(inF));
    }

    [Theory]
    [InlineData(DType.F32, 2e-5)]
    [InlineData(DType.F64, 1e-12)]
    [InlineData(DType.F16, 8e-3)]
    [InlineData(DType.BF16, 4e-2)]
    public void MatchesReferenceWithAndWithoutBias(DType dt, double tol)
    {
        var g = new Generator(21);
        using var scope = Tensor.NewScope();
        foreach (var (xs, inF, outF) in new[] { (new[] { 5, 37 }, 37, 19), (new[] { 37 }, 37, 45), (new[] { 2, 3, 64 }, 64, 33), (new[] { 1, 300 }, 300, 70), (new[] { 70, 1 }, 1, 3) })
        {
            var x = Tensor.RandN(new Shape(xs), g, dtype: dt);
            var w = Tensor.RandN(new Shape(outF, inF), g, dtype: dt);
            var b = Tensor.RandN(new Shape(outF), g, dtype: dt);
            Check(x, w, null, tol);
            Check(x, w, b, tol);
            using var inst = x.Linear(w, b);
            using var viaMatMul = x.MatMul(w.T);
            Assert.Equal(xs.Length, inst.Rank);
        }
    }

    [Fact]
    public void NonContiguousOperands()
    {
        var g = new Generator(4);
        using var scope = Tensor.NewScope();
        var wt = Tensor.RandN(new Shape(40, 24), g);          // weight given as a transposed view [24, 40]
        var x = Tensor.RandN(new Shape(6, 80), g).Slice(1, 0, 80, 2); // stepped features → copied
        var bias = Tensor.RandN(new Shape(48), g).Slice(0, 0, 48, 2); // strided bias
        Check(x, wt.T, bias, 2e-5);
        var xt = Tensor.RandN(new Shape(40, 7), g).T;        // transposed input [7, 40]
        Check(xt, wt.T, null, 2e-5);
        var xe = Tensor.RandN(new Shape(1, 40), g).Expand(3, 40);
        Check(xe, Tensor.RandN(new Shape(9, 40), g), Tensor.RandN(new Shape(9), g), 2e-5);
        var x3 = Tensor.RandN(new Shape(4, 5, 40), g).Permute(1, 0, 2);
        Check(x3, wt.T, null, 2e-5);
    }

    [Fact]
    public void Errors()
    {
        using var scope = Tensor.NewScope();
        var x = Tensor.Zeros(4, 5);
        var e = Assert.Throws<ShapeMismatchException>(() => Tensor.Linear(x, Tensor.Zeros(3, 6)));
        Assert.Contains("Linear", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Contains("[3, 6]", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Tensor.Linear(x, Tensor.Zeros(3, 5), Tensor.Zeros(4)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Linear(x, Tensor.Zeros(5)));
        Assert.Throws<ShapeMismatchException>(() => Tensor.Linear(Tensor.Scalar(1), Tensor.Zeros(3, 1)));
        Assert.Throws<DTypeMismatchException>(() => Tensor.Linear(x, Tensor.Zeros(new Shape(3, 5), DType.F64)));
        Assert.Throws<DTypeMismatchException>(() => Tensor.Linear(x, Tensor.Zeros(3, 5), Tensor.Zeros(new Shape(3), DType.F16)));
        Assert.Throws<DTypeMismatchException>(() => Tensor.Linear(Tensor.Zeros(new Shape(4, 5), DType.I64), Tensor.Zeros(new Shape(3, 5), DType.I64)));
    }
}
