namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Cumulative sum along <paramref name="dim"/>. <paramref name="exclusive"/> leaves each element out of its own
    /// sum (starting at 0); <paramref name="reverse"/> sums from the end (both as in ONNX CumSum). Integer and Bool
    /// inputs give I64; floating inputs keep their dtype (running total in F64).
    /// </summary>
    public Tensor CumSum(int dim, bool exclusive = false, bool reverse = false)
    {
        CheckAlive("CumSum");
        int axis = Shape.NormalizeAxis(dim, Rank, "CumSum");
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = CumSum(axis, exclusive, reverse);
            return r.WithGradFn(new Autograd.CumSumBackward(this, axis, exclusive, reverse));
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            using var r32 = x32.CumSum(axis, exclusive, reverse);
            return r32.To(DType);
        }
        var dst = Empty(Shape, DType.IsFloatingPoint() ? DType : DType.I64, Device);
        Backend.CumSum(this, Rank == 0 ? 0 : axis, dst, exclusive, reverse);
        return dst;
    }
}
