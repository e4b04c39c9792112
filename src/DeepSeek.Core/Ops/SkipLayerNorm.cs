// Residual add + layer normalization over the last dim in one kernel (ONNX Runtime's SkipLayerNormalization); with
// autograd or tracing on it is the composite Add → LayerNorm, whose pieces record themselves.
namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// LayerNorm(this + <paramref name="skip"/>) over the last dim with optional <paramref name="weight"/>/<paramref name="bias"/> [K]
    /// (biased variance, like torch.nn.functional.layer_norm). <paramref name="skip"/> has this tensor's shape or broadcasts to it.
    /// </summary>
    public Tensor SkipLayerNorm(Tensor skip, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
        SkipLayerNormCore(skip, weight, bias, eps, wantSum: false).Output;

    /// <summary>Like <see cref="SkipLayerNorm"/>, also returning the sum this + skip (the next residual).</summary>
    public (Tensor Output, Tensor Sum) SkipLayerNormWithSum(Tensor skip, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        var (y, s) = SkipLayerNormCore(skip, weight, bias, eps, wantSum: true);
        return (y, s!);
    }

    private (Tensor Output, Tensor? Sum) SkipLayerNormCore(Tensor skip, Tensor? weight, Tensor? bias, double eps, bool wantSum)
    {
        const string op = "SkipLayerNorm";
        CheckAlive(op);
        ArgumentNullException.ThrowIfNull(skip);
        skip.CheckAlive(op);
        OpChecks.Floating(op, this);
        OpChecks.SameDevice(op, this, skip);
        OpChecks.SameDType(op, this, skip);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: input must have at least one dim, got a scalar.");
        bool ok;
        try { ok = Shape.Broadcast(Shape, skip.Shape, op) == Shape; }
        catch (ShapeMismatchException) { ok = false; }
        if (!ok) throw new ShapeMismatchException($"{op}: skip of shape {skip.Shape} does not broadcast to the input {Shape}.");
        int k = Size(-1);
        foreach (var (t, name) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (t is null) continue;
            t.CheckAlive(op);
            OpChecks.SameDevice(op, this, t);
            OpChecks.SameDType(op, this, t);
            if (t.Rank != 1 || t.Size(0) != k)
                throw new ShapeMismatchException($"{op}: {name} must have shape [{k}] (the last dim of input {Shape}), got {t.Shape}.");
        }
        if (eps < 0 || double.IsNaN(eps)) throw new ArgumentException($"{op}: eps must be non-negative, got {eps}.", nameof(eps));
        if (Tracing.OpTrace.Current is not null || Autograd.GradMode.ShouldRecord([this, skip, weight, bias]) || DType is DType.F16 or DType.BF16)
        {
            var sum = Add(skip);
            var y = sum.LayerNorm([k], weight, bias, eps);
            if (wantSum) return (y, sum);
            sum.Dispose();
            return (y, null);
        }
        int m = (int)(Numel / Math.Max(1, k));
        var dst = Empty(Shape, DType, Device);
        var sumT = wantSum ? Empty(Shape, DType, Device) : null;
        if (dst.Numel == 0) return (dst, sumT);
        using var sb = skip.Shape == Shape ? null : skip.BroadcastTo(Shape);
        using var s2 = (sb ?? skip).Reshape(m, k);
        using var x2 = Reshape(m, k);
        using var d2 = dst.ViewAs(m, k);
        using var u2 = sumT?.ViewAs(m, k);
        Backend.SkipLayerNorm(x2, s2, weight, bias, eps, d2, u2);
        return (dst, sumT);
    }
}
