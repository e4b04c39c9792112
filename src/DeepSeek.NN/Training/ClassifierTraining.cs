using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;

namespace DeepSeek.NN.Training;

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
            loss.Backward();
            optimizer.Step();
            scheduler?.Step();
            int n = batch.Size;
            lossSum += loss.ItemAsDouble() * n;
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
        double lossSum = 0;
        long correct = 0;
        int seen = 0;
        try
        {
            using var noGrad = Tensor.NoGrad();
            foreach (var batch in loader.WithCancellation(cancellationToken))
            {
                using var scope = Tensor.NewScope();
                var logits = model.Forward(batch.Inputs);
                var loss = F.CrossEntropy(logits, batch.Targets, reduction: Reduction.Sum);
                lossSum += loss.ItemAsDouble();
                correct += CountCorrect(logits, batch.Targets);
                seen += batch.Size;
            }
        }
        finally
        {
            model.Train(wasTraining);
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
