namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Softmax along <paramref name="dim"/>: exp(x − max) / Σ exp(x − max), so large logits do not overflow.
    /// Floating inputs only; F16/BF16 compute in F32.
    /// </summary>
    public Tensor Softmax(int dim) => SoftmaxCore("Softmax", dim, false);

    /// <summary>Log-softmax along <paramref name="dim"/>: x − max − log Σ exp(x − max), stable for any logits. Floating inputs only.</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxCore("LogSoftmax", dim, true);

    private Tensor SoftmaxCore(string op, int dim, bool log)
    {
        CheckAlive(op);
        OpChecks.Floating(op, this);
        if (DeepSeek.Autocast.Widens(this)) return Widened(x => x.SoftmaxCore(op, dim, log));
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        if (Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, log ? "LogSoftmax" : "Softmax", [this], () => SoftmaxCore(op, dim, log), new() { ["axis"] = (long)axis });
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor r;
            using (NoGrad()) r = SoftmaxCore(op, axis, log);
            return r.WithGradFn(new Autograd.SoftmaxBackward(this, r, axis, log));
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            using var r32 = x32.SoftmaxCore(op, axis, log);
            return r32.To(DType);
        }
        var dst = Empty(Shape, DType, Device);
        Backend.Softmax(this, Rank == 0 ? 0 : axis, dst, log);
        return dst;
    }
}
