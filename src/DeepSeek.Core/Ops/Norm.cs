namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalization of this [N, C], [N, C, L] or [N, C, H, W] tensor, like torch.nn.functional.batch_norm.
    /// Training: normalises with the batch mean and biased variance over every dim but C and, when given, updates
    /// <paramref name="runningMean"/>/<paramref name="runningVar"/> [C] in place: r ← (1 − momentum)·r + momentum·stat
    /// (the variance update uses the unbiased variance). Eval: normalises with the running statistics (required).
    /// </summary>
    public Tensor BatchNorm(Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5)
    {
        const string op = "BatchNorm";
        CheckAlive(op);
        OpChecks.Floating(op, this);
        if (DeepSeek.Autocast.Widens(this))
            return WidenedNorm(weight, bias, (x, w, b) => x.BatchNorm(runningMean, runningVar, w, b, training, momentum, eps));
        if (Rank < 2) throw new ShapeMismatchException($"{op}: input must be at least 2-d [N, C, ...], got shape {Shape}.");
        int n = Size(0), c = Size(1);
        int l = (int)(Numel / Math.Max(1L, (long)n * c));
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException($"{op}: eval mode (training = false) needs runningMean and runningVar.");
        if (eps < 0 || double.IsNaN(eps)) throw new ArgumentException($"{op}: eps must be non-negative, got {eps}.", nameof(eps));
        CheckChannelVector(op, runningMean, c, "runningMean", sameDType: false);
        CheckChannelVector(op, runningVar, c, "runningVar", sameDType: false);
        CheckChannelVector(op, weight, c, "weight", sameDType: true);
        CheckChannelVector(op, bias, c, "bias", sameDType: true);
        if (training && (long)n * l <= 1)
            throw new ShapeMismatchException($"{op}: training needs more than 1 value per channel, got input {Shape}.");
        if (!training && Tracing.OpTrace.Current is { } tr) return TraceBatchNorm(tr, runningMean!, runningVar!, weight, bias, momentum, eps);
        if (Autograd.GradMode.ShouldRecord([this, weight, bias]))
        {
            using (NoGrad())
            {
                var r = BatchNorm(runningMean, runningVar, weight, bias, training, momentum, eps);
                return r.WithGradFn(new Autograd.BatchNormBackward(this, weight, bias, runningMean, runningVar, training, eps));
            }
        }
        var dst = Empty(Shape, DType, Device);
        if (dst.Numel == 0) return dst;
        var compute = DType == DType.F64 ? DType.F64 : DType.F32;
        using var x3 = Reshape(n, c, l);
        using var x32 = DType != compute ? x3.To(compute) : null;
        using var w32 = weight is not null && weight.DType != compute ? weight.To(compute) : null;
        using var b32 = bias is not null && bias.DType != compute ? bias.To(compute) : null;
        using var rm32 = runningMean is not null && runningMean.DType != compute ? runningMean.To(compute) : null;
        using var rv32 = runningVar is not null && runningVar.DType != compute ? runningVar.To(compute) : null;
        using var d32 = DType != compute ? Empty(new Shape(n, c, l), compute, Device) : null;
        using var d3 = d32 is null ? dst.ViewAs(n, c, l) : null;
        var rm = rm32 ?? runningMean;
        var rv = rv32 ?? runningVar;
        Backend.BatchNorm(x32 ?? x3, rm, rv, w32 ?? weight, b32 ?? bias, training, momentum, eps, (d32 ?? d3)!);
        if (training)
        {
            if (rm32 is not null) Backend.Cast(rm32, runningMean!);
            if (rv32 is not null) Backend.Cast(rv32, runningVar!);
        }
        if (d32 is not null)
        {
            using var dv = dst.ViewAs(n, c, l);
            Backend.Cast(d32, dv);
        }
        return dst;
    }

    /// <summary>
    /// Layer normalization over the trailing dims <paramref name="normalizedShape"/>, like torch.nn.functional.layer_norm:
    /// (x − mean)/sqrt(var + eps) with the biased variance, then ·weight + bias (both shaped <paramref name="normalizedShape"/>).
    /// </summary>
    public Tensor LayerNorm(int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        const string op = "LayerNorm";
        CheckAlive(op);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        OpChecks.Floating(op, this);
        if (DeepSeek.Autocast.Widens(this)) return WidenedNorm(weight, bias, (x, w, b) => x.LayerNorm(normalizedShape, w, b, eps));
        int r = normalizedShape.Length;
        if (r == 0 || r > Rank || !ShapeArray.AsSpan(Rank - r).SequenceEqual(normalizedShape))
            throw new ShapeMismatchException($"{op}: normalizedShape {Shape.Format(normalizedShape)} must be a non-empty suffix of the input shape {Shape}.");
        if (eps < 0 || double.IsNaN(eps)) throw new ArgumentException($"{op}: eps must be non-negative, got {eps}.", nameof(eps));
        foreach (var (t, name) in new[] { (weight, "weight"), (bias, "bias") })
        {
            if (t is null) continue;
            t.CheckAlive(op);
            OpChecks.SameDevice(op, this, t);
            OpChecks.SameDType(op, this, t);
            if (!t.ShapeArray.AsSpan().SequenceEqual(normalizedShape))
                throw new ShapeMismatchException($"{op}: {name} must have shape {Shape.Format(normalizedShape)} (normalizedShape), got {t.Shape}.");
        }
        if (Tracing.OpTrace.Current is { } tr) return TraceLayerNorm(tr, this, r, weight, bias, eps, () => LayerNorm(normalizedShape, weight, bias, eps));
        if (Autograd.GradMode.ShouldRecord([this, weight, bias]))
        {
            Tensor res;
            using (NoGrad()) res = LayerNorm(normalizedShape, weight, bias, eps);
            return res.WithGradFn(new Autograd.LayerNormBackward(this, weight, bias, normalizedShape, eps));
        }
        long kl = 1;
        foreach (var d in normalizedShape) kl *= d;
        int k = (int)kl, m = (int)(Numel / Math.Max(1L, kl));
        var dst = Empty(Shape, DType, Device);
        if (dst.Numel == 0) return dst;
        var compute = DType == DType.F64 ? DType.F64 : DType.F32;
        using var x2 = Reshape(m, k);
        using var w1 = weight?.Reshape(k);
        using var b1 = bias?.Reshape(k);
        using var x32 = DType != compute ? x2.To(compute) : null;
        using var w32 = w1 is not null && DType != compute ? w1.To(compute) : null;
        using var b32 = b1 is not null && DType != compute ? b1.To(compute) : null;
        using var d2 = dst.ViewAs(m, k);
        using var d32 = DType != compute ? Empty(new Shape(m, k), compute, Device) : null;
        Backend.LayerNorm(x32 ?? x2, w32 ?? w1, b32 ?? b1, eps, d32 ?? d2);
        if (d32 is not null) Backend.Cast(d32, d2);
        return dst;
    }

    /// <summary>
    /// Group normalization of this [N, C, ...] tensor, like torch.nn.functional.group_norm: statistics over each group of
    /// C/<paramref name="numGroups"/> channels and all spatial positions, then per-channel weight and bias [C].
    /// </summary>
    public Tensor GroupNorm(int numGroups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        const string op = "GroupNorm";
        CheckAlive(op);
        OpChecks.Floating(op, this);
        if (DeepSeek.Autocast.Widens(this)) return WidenedNorm(weight, bias, (x, w, b) => x.GroupNorm(numGroups, w, b, eps));
        if (Rank < 2) throw new ShapeMismatchException($"{op}: input must be at least 2-d [N, C, ...], got shape {Shape}.");
        int n = Size(0), c = Size(1);
        if (numGroups < 1 || c % numGroups != 0)
            throw new ShapeMismatchException($"{op}: input {Shape} has {c} channels, which numGroups={numGroups} does not divide.");
        if (eps < 0 || double.IsNaN(eps)) throw new ArgumentException($"{op}: eps must be non-negative, got {eps}.", nameof(eps));
        CheckChannelVector(op, weight, c, "weight", sameDType: true);
        CheckChannelVector(op, bias, c, "bias", sameDType: true);
        if (Autograd.GradMode.ShouldRecord([this, weight, bias]))
        {
            Tensor r;
            using (NoGrad()) r = GroupNorm(numGroups, weight, bias, eps);
            return r.WithGradFn(new Autograd.GroupNormBackward(this, numGroups, weight, bias, eps));
        }
        int l = (int)(Numel / Math.Max(1L, (long)n * c));
        var dst = Empty(Shape, DType, Device);
        if (dst.Numel == 0) return dst;
        var compute = DType == DType.F64 ? DType.F64 : DType.F32;
        using var x3 = Reshape(n, c, l);
        using var x32 = DType != compute ? x3.To(compute) : null;
        using var w32 = weight is not null && DType != compute ? weight.To(compute) : null;
        using var b32 = bias is not null && DType != compute ? bias.To(compute) : null;
        using var d3 = dst.ViewAs(n, c, l);
        using var d32 = DType != compute ? Empty(new Shape(n, c, l), compute, Device) : null;
        Backend.GroupNorm(x32 ?? x3, numGroups, w32 ?? weight, b32 ?? bias, eps, d32 ?? d3);
        if (d32 is not null) Backend.Cast(d32, d3);
        return dst;
    }

    private void CheckChannelVector(string op, Tensor? t, int c, string name, bool sameDType)
    {
        if (t is null) return;
        t.CheckAlive(op);
        OpChecks.SameDevice(op, this, t);
        if (sameDType) OpChecks.SameDType(op, this, t);
        else OpChecks.Floating(op, t);
        if (t.Rank != 1 || t.Size(0) != c)
            throw new ShapeMismatchException($"{op}: {name} must have shape [{c}] (the channels of input {Shape}), got {t.Shape}.");
    }
}
