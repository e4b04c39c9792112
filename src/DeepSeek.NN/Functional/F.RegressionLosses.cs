namespace DeepSeek.NN;

// Pointwise losses with torch's formulas: MSE, L1, smooth L1 (Girshick 2015, Fast R-CNN), BCE with logits through the
// stable log-sigmoid log σ(x) = min(x, 0) − log1p(e^−|x|), and KL divergence with xlogy semantics (0·log 0 = 0).
public static partial class F
{
    /// <summary>Mean squared error (x − y)² (torch.nn.functional.mse_loss); input and target share shape and device.</summary>
    public static Tensor MSELoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Scoped(() =>
        {
            PairwiseChecks("MSELoss", input, target);
            var d = input - As(target, input.DType);
            return Reduce("MSELoss", d * d, reduction);
        });

    /// <summary>Mean absolute error |x − y| (torch.nn.functional.l1_loss).</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Scoped(() =>
        {
            PairwiseChecks("L1Loss", input, target);
            return Reduce("L1Loss", (input - As(target, input.DType)).Abs(), reduction);
        });

    /// <summary>
    /// Smooth L1 (torch.nn.functional.smooth_l1_loss): 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β; β = 0 is L1.
    /// </summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0) =>
        Scoped(() =>
        {
            const string op = "SmoothL1Loss";
            PairwiseChecks(op, input, target);
            if (!(beta >= 0) || double.IsInfinity(beta)) throw new ArgumentException($"{op}: beta must be finite and non-negative, got {beta}.", nameof(beta));
            var d = input - As(target, input.DType);
            var ad = d.Abs();
            if (beta == 0) return Reduce(op, ad, reduction);
            var loss = Tensor.Where(ad.Lt(beta), d * d * (0.5 / beta), ad - 0.5 * beta);
            return Reduce(op, loss, reduction);
        });

    /// <summary>
    /// Binary cross-entropy on logits (torch.nn.functional.binary_cross_entropy_with_logits):
    /// loss = (1 − y)·x − (1 + (posWeight − 1)·y)·log σ(x), times <paramref name="weight"/>; computed through a log-sigmoid
    /// that never overflows. <paramref name="posWeight"/> broadcasts over the last (class) dim, <paramref name="weight"/> over the input.
    /// </summary>
    public static Tensor BCEWithLogitsLoss(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean) =>
        Scoped(() =>
        {
            const string op = "BCEWithLogitsLoss";
            PairwiseChecks(op, input, target);
            var y = As(target, input.DType);
            var logSig = LogSigmoid(input);
            if (posWeight is not null)
            {
                CheckBroadcastable(op, input, posWeight, "posWeight");
                logSig = logSig * ((posWeight - 1) * y + 1);
            }
            var loss = (1 - y) * input - logSig;
            if (weight is not null)
            {
                CheckBroadcastable(op, input, weight, "weight");
                loss = loss * weight;
            }
            return Reduce(op, loss, reduction);
        });

    /// <summary>log σ(x) = min(x, 0) − log1p(exp(−|x|)), finite for every finite x.</summary>
    public static Tensor LogSigmoid(Tensor input) =>
        Scoped(() => input.Minimum(0) - (-input.Abs()).Exp().Log1p());

    /// <summary>
    /// Kullback–Leibler divergence (torch.nn.functional.kl_div). <paramref name="input"/> holds log-probabilities;
    /// <paramref name="target"/> holds probabilities (or log-probabilities when <paramref name="logTarget"/>). Pointwise
    /// y·(log y − x) with 0 where y = 0 (or e^y·(y − x)). <see cref="Reduction.BatchMean"/> divides the sum by input.size(0)
    /// (the true KL mean); <see cref="Reduction.Mean"/> divides by the number of elements, as torch does.
    /// </summary>
    public static Tensor KLDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false) =>
        Scoped(() =>
        {
            const string op = "KLDiv";
            PairwiseChecks(op, input, target);
            var y = As(target, input.DType);
            Tensor loss;
            if (logTarget) loss = y.Exp() * (y - input);
            else
            {
                var positive = y.Gt(0);
                var safeLog = Tensor.Where(positive, y, 1.0).Log();
                loss = y * (safeLog - input);
            }
            if (reduction != Reduction.BatchMean) return Reduce(op, loss, reduction);
            if (input.Rank == 0) return loss;
            return loss.Sum() / input.Size(0);
        });

    private static void CheckBroadcastable(string op, Tensor input, Tensor t, string what)
    {
        Alive(op, t, what);
        SameDevice(op, input, t, what);
        if (t.DType != input.DType)
            throw new DTypeMismatchException($"{op}: {what} dtype {t.DType.Name()} must equal the input dtype {input.DType.Name()}.");
        try { _ = Shape.Broadcast(input.Shape, t.Shape, op); }
        catch (ShapeMismatchException)
        {
            throw new ShapeMismatchException($"{op}: {what} of shape {t.Shape} does not broadcast to the input shape {input.Shape}.");
        }
        if (Shape.Broadcast(input.Shape, t.Shape, op) != input.Shape)
            throw new ShapeMismatchException($"{op}: {what} of shape {t.Shape} would enlarge the input shape {input.Shape}.");
    }
}
