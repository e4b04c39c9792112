using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;
using DeepSeek.NN.Training;

namespace DeepSeek.NN.Tests.Training;

public sealed class ClassifierTrainingTests
{
    [Fact]
    public void CountCorrectComparesArgMaxWithLabels()
    {
        using var logits = Tensor.FromArray(new float[] { 0.1f, 2, 0, 3, 1, 1, -1, -2, 0.5f }, 3, 3);
        using var labels = Tensor.FromArray(new long[] { 1, 0, 0 });
        Assert.Equal(2, ClassifierTraining.CountCorrect(logits, labels));
    }

    [Fact]
    public void TrainingASeparableProblemReachesFullAccuracyAndEvaluateRestoresMode()
    {
        // two Gaussian blobs in 2-d: class = sign of x0 + x1
        var g = new Generator(11);
        using var x = Tensor.RandN(new Shape(128, 2), g);
        using var y = x.Sum(1).Gt(0).To(DType.I64);
        using var ds = new TensorDataset(x, y);
        var loader = DataLoader.Create(ds, 16, new DataLoaderOptions { Shuffle = true, Seed = 1 });
        using var model = new Sequential(new Linear(2, 8, generator: g), new Tanh(), new Linear(8, 2, generator: g));
        using var opt = new SGD(model.Parameters(), lr: 0.5, momentum: 0.9);
        EpochMetrics first = default, last = default;
        for (int e = 1; e <= 15; e++)
        {
            var m = ClassifierTraining.TrainEpoch(model, loader, opt, epoch: e, epochs: 15);
            if (e == 1) first = m;
            last = m;
        }
        Assert.True(last.Loss < first.Loss / 3, $"loss {first.Loss} → {last.Loss}");
        var eval = ClassifierTraining.Evaluate(model, DataLoader.Create(ds, 64));
        Assert.True(eval.Accuracy >= 0.97, $"accuracy {eval.Accuracy}");
        Assert.Equal(128, eval.Examples);
        Assert.True(model.Training);
    }
}
