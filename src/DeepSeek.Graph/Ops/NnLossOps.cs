using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX NegativeLogLikelihoodLoss (since 12, 13, 22) and SoftmaxCrossEntropyLoss (since 12, 13), following the spec's
/// reference implementation: loss[n, d…] = −weight[t]·input[n, t, d…] with t = target[n, d…], zero where t equals
/// <c>ignore_index</c>; reduction <c>none</c> keeps that tensor, <c>sum</c> adds it up and <c>mean</c> divides the sum by
/// the sum of the gathered weights (by the count of non-ignored targets without weights, by the element count when
/// neither weights nor ignore_index are given). SoftmaxCrossEntropyLoss applies it to LogSoftmax(scores, axis 1) and
/// optionally returns that log-probability as a second output. Everything is computed in F64 (F16/BF16/F32/F64 inputs)
/// and the results are rounded to the input dtype.
/// </summary>
[OpSet]
public static class NnLossOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("NegativeLogLikelihoodLoss", [12, 13, 22], ctx => One(Nll(ctx)));
        r.Register("SoftmaxCrossEntropyLoss", [12, 13], Sce);
    }

    private static Tensor Nll(OpContext ctx)
    {
        var input = ctx.Tensor(0);
        var (target, weight, ignore, reduction) = Arguments(ctx, input, "input", "target");
        using var x = input.To(DType.F64);
        var loss = Loss(ctx, x, target, weight, ignore, reduction);
        return loss.To(input.DType);
    }

    private static RuntimeValue?[] Sce(OpContext ctx)
    {
        var scores = ctx.Tensor(0);
        var (labels, weights, ignore, reduction) = Arguments(ctx, scores, "scores", "labels");
        using var x = scores.To(DType.F64);
        using var logProb = x.LogSoftmax(1);
        var loss = Loss(ctx, logProb, labels, weights, ignore, reduction).To(scores.DType);
        // The second output (log_prob) is optional: produce it only when the node has it.
        return ctx.Node.Outputs.Count > 1 ? Many(loss, logProb.To(scores.DType)) : One(loss);
    }

    private enum Reduction { None, Sum, Mean }

    /// <summary>Checks dtypes and shapes shared by both ops and decodes ignore_index / reduction.</summary>
    private static (Tensor Target, Tensor? Weight, long? Ignore, Reduction Reduction) Arguments(OpContext ctx, Tensor input, string inputName, string targetName)
    {
        if (!input.DType.IsFloatingPoint()) throw BadType(ctx, input, "f32, f64, f16, bf16");
        var target = ctx.Tensor(1);
        var weight = ctx.OptionalTensor(2);
        if (target.DType is not (DType.I32 or DType.I64))
            throw new DTypeMismatchException($"{ctx.Describe()}: {targetName} must be int32 or int64, got {target.DType.Name()} {target.Shape}.");
        if (input.Rank < 2)
            throw new ShapeMismatchException($"{ctx.Describe()}: {inputName} must have shape [N, C] or [N, C, d1, …, dk], got {input.Shape}.");
        var dims = input.Shape.ToArray();
        int[] expected = [dims[0], .. dims[2..]];
        if (!target.Shape.ToArray().SequenceEqual(expected))
            throw new ShapeMismatchException($"{ctx.Describe()}: {targetName} must have shape [{string.Join(", ", expected)}] for {inputName} {input.Shape}, got {target.Shape}.");
        if (weight is not null)
        {
            if (weight.DType != input.DType)
                throw new DTypeMismatchException($"{ctx.Describe()}: weight must have the {inputName} dtype {input.DType.Name()}, got {weight.DType.Name()}.");
            if (weight.Rank != 1 || weight.Size(0) != dims[1])
                throw new ShapeMismatchException($"{ctx.Describe()}: weight must have shape [{dims[1]}] (one per class of {inputName} {input.Shape}), got {weight.Shape}.");
        }
        var reduction = ctx.Node.GetString("reduction", "mean") switch
        {
            "none" => Reduction.None,
            "sum" => Reduction.Sum,
            "mean" => Reduction.Mean,
            var s => throw new ArgumentException($"{ctx.Describe()}: reduction '{s}' is not one of none, sum, mean."),
        };
        return (target, weight, ctx.Node.GetIntOrNull("ignore_index"), reduction);
    }

    /// <summary>The NLL loss of the F64 log-probabilities <paramref name="x"/> [N, C, d…] (result in F64).</summary>
    private static Tensor Loss(OpContext ctx, Tensor x, Tensor target, Tensor? weight, long? ignore, Reduction reduction)
    {
        using var t = target.To(DType.I64);
        // keep: 1 where the target counts, 0 where it equals ignore_index; ignored targets gather class 0 (then zeroed).
        using var keepMask = ignore is long ii ? t.Ne(ii) : null;
        using var keepI = keepMask?.To(DType.I64);
        using var safe = keepI is null ? t.Contiguous() : t.Mul(keepI);
        int classes = x.Size(1);
        CheckTargets(ctx, safe, classes, ignore);

        using var idx = safe.Unsqueeze(1);
        using var picked = x.Gather(1, idx);
        using var pickedSq = picked.Squeeze(1);
        using var neg = pickedSq.Neg();

        Tensor? w = null;
        try
        {
            if (weight is not null)
            {
                using var w64 = weight.To(DType.F64);
                using var flat = safe.Reshape(-1);
                using var gathered = w64.IndexSelect(0, flat);
                using var shaped = gathered.Reshape(target.Shape.ToArray());
                if (keepMask is null) w = shaped.Contiguous();
                else
                {
                    using var keep = keepMask.To(DType.F64);
                    w = shaped.Mul(keep);
                }
            }
            else if (keepMask is not null)
            {
                w = keepMask.To(DType.F64);
            }

            using var loss = w is null ? neg.Contiguous() : neg.Mul(w);
            switch (reduction)
            {
                case Reduction.None:
                    return loss.Contiguous();
                case Reduction.Sum:
                    return loss.Sum();
                default:
                    if (w is null) return loss.Mean();
                    using (var num = loss.Sum())
                    using (var den = w.Sum())
                        return num.Div(den);
            }
        }
        finally
        {
            w?.Dispose();
        }
    }

    /// <summary>Every (non-ignored) target must name a class in [0, C); a bad one fails naming the node and the value.</summary>
    private static void CheckTargets(OpContext ctx, Tensor safe, int classes, long? ignore)
    {
        if (safe.Numel == 0) return;
        using var lo = safe.Min();
        using var hi = safe.Max();
        long min = (long)lo.ItemAsDouble(), max = (long)hi.ItemAsDouble();
        if (min < 0 || max >= classes)
        {
            long bad = min < 0 ? min : max;
            throw new IndexOutOfRangeException(
                $"{ctx.Describe()}: target value {bad} is outside the class range [0, {classes})" +
                (ignore is long ii ? $" and is not ignore_index {ii}." : " (no ignore_index is set)."));
        }
    }
}
