namespace DeepSeek.NN;

// Negative log-likelihood and cross-entropy with torch's formulas (aten LossNLL.cpp): weighted means divide by the
// summed weights of non-ignored targets; label smoothing ε gives (1 − ε)·nll + ε/C·Σ_c −w_c·log p_c.
public static partial class F
{
    /// <summary>
    /// Negative log-likelihood of class-index targets (torch.nn.functional.nll_loss). <paramref name="input"/> holds
    /// log-probabilities [N, C] or [N, C, d1, …] (or [C] with a 0-d target); <paramref name="target"/> is I64 (or I32) with
    /// the input's shape minus dim 1 and values in [0, C) or <paramref name="ignoreIndex"/>. Per element the loss is
    /// −weight[t]·input[n, t]; <see cref="Reduction.Mean"/> divides the sum by the summed weights of non-ignored targets.
    /// </summary>
    public static Tensor NLLLoss(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean) =>
        Scoped(() =>
        {
            const string op = "NLLLoss";
            var (x, t, unbatched) = ClassLayout(op, input, target, weight);
            var loss = NllCore(op, x, t, weight, ignoreIndex, reduction);
            return unbatched && reduction == Reduction.None ? loss.Squeeze(0) : loss;
        });

    /// <summary>
    /// Cross-entropy between logits and targets (torch.nn.functional.cross_entropy): log-softmax over dim 1 then
    /// <see cref="NLLLoss"/>. <paramref name="target"/> is either class indices (I64/I32, the input's shape minus dim 1) or
    /// class probabilities (floating, the input's shape). <paramref name="labelSmoothing"/> ε ∈ [0, 1] mixes the target with
    /// the uniform distribution over the C classes: loss = (1 − ε)·nll + ε/C·Σ_c −weight[c]·log p_c (ignored targets contribute 0).
    /// </summary>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
        Scoped(() =>
        {
            const string op = "CrossEntropy";
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentException($"{op}: labelSmoothing must be in [0, 1], got {labelSmoothing}.", nameof(labelSmoothing));
            Alive(op, input, "input");
            Alive(op, target, "target");
            if (target.DType.IsFloatingPoint()) return SoftCrossEntropy(op, input, target, weight, reduction, labelSmoothing);
            var (x, t, unbatched) = ClassLayout(op, input, target, weight);
            var logp = x.LogSoftmax(1);
            var nll = NllCore(op, logp, t, weight, ignoreIndex, reduction);
            Tensor loss = nll;
            if (labelSmoothing > 0)
            {
                int c = x.Size(1);
                using var valid = t.Ne(ignoreIndex);
                var weighted = weight is null ? logp : logp * weight.Reshape(ChannelShape(x.Rank, c));
                var smooth = (-weighted.Sum(1)).MaskedFill(valid.LogicalNot(), 0);
                Tensor reduced = reduction switch
                {
                    Reduction.None => smooth,
                    Reduction.Sum => smooth.Sum(),
                    Reduction.Mean => smooth.Sum() / TargetWeightSum(x.DType, t, valid, weight),
                    _ => throw new ArgumentException($"{op}: reduction {reduction} is not supported (BatchMean is only for KLDiv).", nameof(reduction)),
                };
                loss = nll * (1 - labelSmoothing) + reduced * (labelSmoothing / c);
            }
            return unbatched && reduction == Reduction.None ? loss.Squeeze(0) : loss;
        });

    /// <summary>Cross-entropy against class probabilities: −Σ_c weight[c]·y_c·log p_c per sample; Mean divides by the number of samples.</summary>
    private static Tensor SoftCrossEntropy(string op, Tensor input, Tensor target, Tensor? weight, Reduction reduction, double labelSmoothing)
    {
        Floating(op, input, "input");
        SameDevice(op, input, target, "target");
        if (target.Shape != input.Shape)
            throw new ShapeMismatchException($"{op}: probability targets must have the input's shape {input.Shape}, got {target.Shape}.");
        bool unbatched = input.Rank == 1;
        var x = unbatched ? input.Unsqueeze(0) : input;
        var y = As(unbatched ? target.Unsqueeze(0) : target, x.DType);
        int c = x.Size(1);
        CheckWeight(op, x, weight, c);
        if (labelSmoothing > 0) y = y * (1 - labelSmoothing) + labelSmoothing / c;
        var prod = x.LogSoftmax(1) * y;
        if (weight is not null) prod = prod * weight.Reshape(ChannelShape(x.Rank, c));
        var loss = -prod.Sum(1);
        if (unbatched) loss = loss.Squeeze(0);
        return Reduce(op, loss, reduction);
    }

    /// <summary>Validates input/target/weight of a class-index loss and brings a [C] input to [1, C].</summary>
    private static (Tensor Input, Tensor Target, bool Unbatched) ClassLayout(string op, Tensor input, Tensor target, Tensor? weight)
    {
        Alive(op, input, "input");
        Alive(op, target, "target");
        Floating(op, input, "input");
        SameDevice(op, input, target, "target");
        if (target.DType is not (DType.I64 or DType.I32))
            throw new DTypeMismatchException($"{op}: target must hold class indices as i64 (or i32), got {target.DType.Name()} with shape {target.Shape}.");
        if (input.Rank == 0)
            throw new ShapeMismatchException($"{op}: input must be [C], [N, C] or [N, C, d1, ...], got a 0-d tensor.");
        bool unbatched = input.Rank == 1;
        var x = unbatched ? input.Unsqueeze(0) : input;
        var t = unbatched ? target.Unsqueeze(0) : target;
        var expected = new List<int> { x.Size(0) };
        for (int i = 2; i < x.Rank; i++) expected.Add(x.Size(i));
        if (unbatched ? target.Rank != 0 : !t.Shape.ToArray().SequenceEqual(expected))
            throw new ShapeMismatchException(unbatched
                ? $"{op}: an unbatched input of shape {input.Shape} needs a 0-d target, got shape {target.Shape}."
                : $"{op}: target shape {target.Shape} must be the input shape {input.Shape} without dim 1, i.e. {new Shape(expected.ToArray())}.");
        CheckWeight(op, x, weight, x.Size(1));
        return (x, t, unbatched);
    }

    private static void CheckWeight(string op, Tensor x, Tensor? weight, int c)
    {
        if (weight is null) return;
        Alive(op, weight, "weight");
        SameDevice(op, x, weight, "weight");
        if (weight.DType != x.DType)
            throw new DTypeMismatchException($"{op}: weight dtype {weight.DType.Name()} must equal the input dtype {x.DType.Name()}.");
        if (weight.Rank != 1 || weight.Size(0) != c)
            throw new ShapeMismatchException($"{op}: weight must have shape [{c}] (one per class of input {x.Shape}), got {weight.Shape}.");
    }

    /// <summary>Per-element NLL over [N, C, …] log-probabilities with the class range checked and ignored targets zeroed.</summary>
    private static Tensor NllCore(string op, Tensor logp, Tensor target, Tensor? weight, int ignoreIndex, Reduction reduction)
    {
        if (reduction == Reduction.BatchMean)
            throw new ArgumentException($"{op}: reduction BatchMean is only for KLDiv; use Mean, Sum or None.", nameof(reduction));
        int c = logp.Size(1);
        var valid = target.Ne(ignoreIndex);
        var safe = Tensor.Where(valid, target, 0);
        CheckClassRange(op, logp, target, safe, c, ignoreIndex);
        var idx = safe.DType == DType.I64 ? safe : safe.To(DType.I64);
        var picked = logp.Gather(1, idx.Unsqueeze(1)).Squeeze(1);
        var w = TargetWeights(logp.DType, idx, valid, weight);
        var loss = -(picked * w);
        return reduction switch
        {
            Reduction.None => loss,
            Reduction.Sum => loss.Sum(),
            _ => loss.Sum() / w.Sum(),
        };
    }

    /// <summary>weight[t] (or 1) where the target is not ignored, 0 where it is.</summary>
    private static Tensor TargetWeights(DType dtype, Tensor safeTarget, Tensor valid, Tensor? weight)
    {
        var mask = valid.To(dtype);
        if (weight is null) return mask;
        using var flat = safeTarget.Flatten();
        var picked = weight.IndexSelect(0, flat).Reshape(safeTarget.Shape.ToArray());
        return picked * mask;
    }

    private static Tensor TargetWeightSum(DType dtype, Tensor target, Tensor valid, Tensor? weight)
    {
        var safe = Tensor.Where(valid, target, 0);
        return TargetWeights(dtype, safe.DType == DType.I64 ? safe : safe.To(DType.I64), valid, weight).Sum();
    }

    /// <summary>Throws when a non-ignored target is outside [0, C), naming the loss, the shapes and the bad value.</summary>
    private static void CheckClassRange(string op, Tensor input, Tensor target, Tensor safe, int c, int ignoreIndex)
    {
        if (safe.Numel == 0) return;
        long lo = (long)safe.Min().ItemAsDouble(), hi = (long)safe.Max().ItemAsDouble();
        if (lo >= 0 && hi < c) return;
        long bad = lo < 0 ? lo : hi;
        throw new ArgumentOutOfRangeException(nameof(target), bad,
            $"{op}: target value {bad} is out of range for {c} classes (input {input.Shape}, target {target.Shape}); class indices must be in [0, {c}) or equal ignoreIndex={ignoreIndex}.");
    }

    /// <summary>[1, C, 1, …] so a per-class vector broadcasts against an [N, C, …] tensor of rank <paramref name="rank"/>.</summary>
    private static int[] ChannelShape(int rank, int c)
    {
        var s = Enumerable.Repeat(1, rank).ToArray();
        s[1] = c;
        return s;
    }
}
