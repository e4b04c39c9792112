namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Variance over <paramref name="dims"/> (null or empty = all axes): Σ(x − mean)² / (N − <paramref name="correction"/>).
    /// The default correction 1 is the unbiased sample variance (PyTorch's default); 0 gives the population variance.
    /// Floating inputs only; computed two-pass in F64.
    /// </summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false) => VarianceCore("Var", dims, correction, keepDim, false);

    /// <summary>Standard deviation: the square root of <see cref="Var"/> with the same arguments.</summary>
    public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false) => VarianceCore("Std", dims, correction, keepDim, true);

    private Tensor VarianceCore(string op, int[]? dims, int correction, bool keepDim, bool std)
    {
        CheckAlive(op);
        if (DeepSeek.Autocast.Widens(this)) return Widened(x => x.VarianceCore(op, dims, correction, keepDim, std));
        OpChecks.Floating(op, this);
        if (correction < 0) throw new ArgumentException($"{op}: correction must be ≥ 0, got {correction}.");
        var axes = ReductionAxes(op, dims);
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = VarianceCore(op, axes, correction, keepDim, std);
            return r.WithGradFn(new Autograd.VarianceBackward(this, r, axes, correction, std));
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            using var r32 = x32.VarianceCore(op, axes, correction, true, std);
            using var keep = r32.To(DType);
            return DropReduced(keep, axes, keepDim);
        }
        var dst = Empty(KeepDimShape(axes), DType, Device);
        Backend.Variance(this, axes, correction, std, dst);
        return FinishReduction(dst, axes, keepDim);
    }
}
