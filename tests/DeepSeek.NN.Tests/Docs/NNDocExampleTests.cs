using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;
using DeepSeek.NN.Serialization;
using DeepSeek.NN.Training;

namespace DeepSeek.NN.Tests.Docs;

/// <summary>The example in docs/nn.md, kept runnable.</summary>
public sealed class NNDocExampleTests
{
    [Fact]
    public void NNMdExampleRuns()
    {
        var dir = Directory.CreateTempSubdirectory("deepseek-doc-");
        try
        {
            var file = Path.Combine(dir.FullName, "model.safetensors");
            using var digits = DigitsDataset.Load(DigitsDataset.FindBundled());
            var parts = Dataset.RandomSplit(digits, new[] { 0.8, 0.2 }, seed: 42);
            var (train, test) = (parts[0], parts[1]);
            var loader = DataLoader.Create(train, 32, new DataLoaderOptions { Shuffle = true, Seed = 42, NumWorkers = 1 });

            using var model = new Sequential(
                new Conv2d(1, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 4 * 4, 10));
            using var opt = new AdamW(model.Parameters(), lr: 1e-2);
            for (int epoch = 1; epoch <= 5; epoch++)
                ClassifierTraining.TrainEpoch(model, loader, opt, epoch: epoch, epochs: 5);

            var state = model.StateDict();
            SafeTensors.Save(file, state);
            foreach (var t in state.Values) t.Dispose();
            var accuracy = ClassifierTraining.Evaluate(model, DataLoader.Create(test, 256)).Accuracy;
            Assert.True(accuracy > 0.9, $"accuracy {accuracy}");
            Assert.True(File.Exists(file));
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
