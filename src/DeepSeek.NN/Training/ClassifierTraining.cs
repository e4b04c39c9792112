using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;

namespace DeepSeek.NN.Training;

/// <summary>A loss that became NaN or infinite; the message names the parameters that hold non-finite values.</summary>
public sealed class NonFiniteLossException : DeepSeekException
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException() { }
    /// <summary>Creates the exception with an inner cause.</summary>
    public NonFiniteLossException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Finds parameters and gradients holding NaN or infinity.</summary>
public static class NonFinite
{
    /// <summary>Dotted names of parameters whose values (or, with <paramref name="gradients"/>, gradients) contain NaN/±∞.</summary>
    public static IReadOnlyList<string> Parameters(Module model, bool gradients = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bad = new List<string>();
        using var noGrad = Tensor.NoGrad();
        foreach (var (name, p) in model.NamedParameters())
        {
            var t = gradients ? p.Grad : p.Data;
            if (t is null) continue;
            using var scope = Tensor.NewScope();
            // x − x is 0 for finite x and NaN for NaN/±∞, so the sum is finite exactly when every element is
            if (!double.IsFinite((t - t).Sum().ItemAsDouble())) bad.Add(name);
        }
        return bad;
    }

    /// <summary>A sentence naming the parameters with non-finite values or gradients (or saying there are none).</summary>
    public static string Describe(Module model)
    {
        var values = Parameters(model);
        var grads = Parameters(model, gradients: true);
        if (values.Count == 0 && grads.Count == 0) return "Every parameter and gradient is finite, so the non-finite value comes from the inputs or the loss itself.";
        var parts = new List<string>();
        if (values.Count > 0) parts.Add($"non-finite values in {string.Join(", ", values)}");
        if (grads.Count > 0) parts.Add($"non-finite gradients in {string.Join(", ", grads)}");
        return "Found " + string.Join("; ", parts) + ".";
    }
}

/// <summary>Loss and accuracy over one pass of a data set.</summary>
/// <param name="Loss">Mean cross-entropy per example.</param>
/// <param name="Accuracy">Share of examples whose arg-max class equals the label.</param>
/// <param name="Examples">Number of examples seen.</param>
public readonly record struct EpochMetrics(double Loss, double Accuracy, int Examples);

/// <summary>Progress of a training run, reported after every batch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Running">Metrics of the epoch so far.</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, EpochMetrics Running);

/// <summary>
/// The standard supervised loop for a classifier: for each batch, forward, cross-entropy, backward, optimizer
/// step (and scheduler step), with running loss/accuracy; plus evaluation under <see cref="Tensor.NoGrad"/>.
/// Batches are [inputs, I64 labels] as produced by <see cref="DataLoader"/>.
/// </summary>
public static class ClassifierTraining
{
    /// <summary>Trains for one epoch and returns its metrics.</summary>
    public static EpochMetrics TrainEpoch(Module<Tensor, Tensor> model, DataLoader<Tensor[]> loader, Optimizer optimizer,
        LRScheduler? scheduler = null, Action<TrainingProgress>? progress = null, int epoch = 1, int epochs = 1,
        double labelSmoothing = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(optimizer);
        model.Train();
        double lossSum = 0;
        long correct = 0;
        int seen = 0, batchIndex = 0;
        foreach (var batch in loader.WithCancellation(cancellationToken))
        {
            using var scope = Tensor.NewScope();
            optimizer.ZeroGrad();
            var logits = model.Forward(batch.Inputs);
            var loss = F.CrossEntropy(logits, batch.Targets, labelSmoothing: labelSmoothing);
            double lossValue = loss.ItemAsDouble();
            if (!double.IsFinite(lossValue))
                throw new NonFiniteLossException(
                    $"Training: the loss is {lossValue} at epoch {epoch}, batch {batchIndex + 1}. {NonFinite.Describe(model)} Lower the learning rate, clip gradients, or check the inputs of this batch.");
            loss.Backward();
            optimizer.Step();
            scheduler?.Step();
            int n = batch.Size;
            lossSum += lossValue * n;
            correct += CountCorrect(logits, batch.Targets);
            seen += n;
            batchIndex++;
            progress?.Invoke(new TrainingProgress(epoch, epochs, batchIndex, loader.Count, new EpochMetrics(lossSum / seen, (double)correct / seen, seen)));
        }
        return new EpochMetrics(seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, seen);
    }

    /// <summary>Mean loss and accuracy of <paramref name="model"/> in eval mode, without recording gradients.</summary>
    public static EpochMetrics Evaluate(Module<Tensor, Tensor> model, DataLoader<Tensor[]> loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            return Evaluate(model.Forward, loader, cancellationToken);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// Mean loss and accuracy of any classifier function (e.g. a compiled module's <c>Forward</c>) over
    /// <paramref name="loader"/>, without recording gradients.
    /// </summary>
    public static EpochMetrics Evaluate(Func<Tensor, Tensor> forward, DataLoader<Tensor[]> loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(loader);
        double lossSum = 0;
        long correct = 0;
        int seen = 0;
        using var noGrad = Tensor.NoGrad();
        foreach (var batch in loader.WithCancellation(cancellationToken))
        {
            using var scope = Tensor.NewScope();
            var logits = forward(batch.Inputs);
            var loss = F.CrossEntropy(logits, batch.Targets, reduction: Reduction.Sum);
            lossSum += loss.ItemAsDouble();
            correct += CountCorrect(logits, batch.Targets);
            seen += batch.Size;
        }
        return new EpochMetrics(seen == 0 ? 0 : lossSum / seen, seen == 0 ? 0 : (double)correct / seen, seen);
    }

    /// <summary>Number of rows of <paramref name="logits"/> [N, C] whose arg-max equals <paramref name="labels"/> [N].</summary>
    public static long CountCorrect(Tensor logits, Tensor labels)
    {
        using var scope = Tensor.NewScope();
        var predicted = logits.ArgMax(-1);
        var labels64 = labels.DType == DType.I64 ? labels : labels.To(DType.I64);
        return (long)predicted.Eq(labels64).To(DType.I64).Sum().ItemAsDouble();
    }
}
