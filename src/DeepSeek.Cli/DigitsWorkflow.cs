using System.Diagnostics;
using System.Globalization;
using DeepSeek.Models.Vision;
using DeepSeek.NN;
using DeepSeek.NN.Compilation;
using DeepSeek.NN.Data;
using DeepSeek.NN.Optim;
using DeepSeek.NN.Serialization;
using DeepSeek.NN.Training;

namespace DeepSeek.Cli;

/// <summary>Settings of a digits training run (the quickstart and `deepseek train`).</summary>
internal sealed record DigitsSettings(
    string DataPath, string OutputPath, int Epochs = 10, int BatchSize = 32, double LearningRate = 1e-2,
    double WeightDecay = 1e-4, double TestFraction = 0.2, ulong Seed = 42, int Workers = 1);

/// <summary>
/// Train a CNN on the 8×8 digits with a held-out test split, save it as safetensors, reload it into a fresh model
/// and evaluate the reloaded copy. Deterministic for a given seed and thread count.
/// </summary>
internal static class DigitsWorkflow
{
    public static double Run(DigitsSettings s, TextWriter w)
    {
        using var data = DigitsDataset.Load(s.DataPath);
        int testCount = (int)Math.Round(data.Count * s.TestFraction);
        var parts = Dataset.RandomSplit(data, new[] { data.Count - testCount, testCount }, s.Seed);
        var train = parts[0];
        var test = parts[1];
        w.WriteLine($"data: {data.Count} digits from {s.DataPath} → {train.Count} train / {test.Count} test (seed {s.Seed})");

        var options = new DataLoaderOptions { Shuffle = true, Seed = s.Seed, NumWorkers = s.Workers };
        var trainLoader = DataLoader.Create(train, s.BatchSize, options);
        var testLoader = DataLoader.Create(test, 256);

        using var model = new DigitsCnn(generator: new Generator(s.Seed));
        w.WriteLine($"model: DigitsCnn, {model.ParameterCount():N0} parameters");
        using var optimizer = new AdamW(model.Parameters(), lr: s.LearningRate, weightDecay: s.WeightDecay);
        var scheduler = new OneCycleLR(optimizer, s.LearningRate, s.Epochs * trainLoader.Count);

        var bar = ProgressBar.ForConsole(w);
        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            string label = $"epoch {epoch,2}/{s.Epochs}";
            var m = ClassifierTraining.TrainEpoch(model, trainLoader, optimizer, scheduler,
                p => bar.Update(label, p.Batch, p.Batches, Format(p.Running)), epoch, s.Epochs);
            var t = ClassifierTraining.Evaluate(model, testLoader);
            bar.Complete(label, trainLoader.Count, $"{Format(m)} test_acc {t.Accuracy:P1}");
        }
        w.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s");

        var state = model.StateDict();
        try { SafeTensors.Save(s.OutputPath, state, new Dictionary<string, string> { ["model"] = "DigitsCnn", ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture) }); }
        finally { foreach (var t in state.Values) t.Dispose(); }
        w.WriteLine($"saved {s.OutputPath} ({new FileInfo(s.OutputPath).Length:N0} bytes)");

        using var reloaded = new DigitsCnn(generator: new Generator(s.Seed + 1));
        var loaded = SafeTensors.Load(s.OutputPath);
        try { reloaded.LoadStateDict(loaded); }
        finally { foreach (var t in loaded.Values) t.Dispose(); }
        var final = ClassifierTraining.Evaluate(reloaded, testLoader);
        w.WriteLine($"reloaded {s.OutputPath}: test loss {final.Loss:F4}, {final.Examples} examples");
        Compile(reloaded, testLoader, final, w);
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test_accuracy={final.Accuracy:F4}"));
        return final.Accuracy;
    }

    // Compile the reloaded model (trace → passes → static plan) and evaluate the test split through it: same accuracy,
    // and the optimised graph shows what the compiler did (Conv+BatchNorm+ReLU as one fused node).
    private static void Compile(DigitsCnn model, DataLoader<Tensor[]> testLoader, EpochMetrics eager, TextWriter w)
    {
        model.Eval();
        using var compiled = model.Compile();
        var clock = Stopwatch.StartNew();
        var c = ClassifierTraining.Evaluate(compiled.Forward, testLoader);
        var graph = compiled.Function.LastGraph;
        string ops = graph is null ? "" : string.Join(", ", graph.Nodes.GroupBy(n => (n.Domain.Length == 0 ? "" : n.Domain + ".") + n.OpType).Select(g => g.Count() == 1 ? g.Key : $"{g.Key}×{g.Count()}"));
        var mem = compiled.Function.MemoryReport;
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compiled: {ops}; arena {(mem?.ArenaBytes ?? 0) / 1024.0:F0} KiB; test accuracy {c.Accuracy:F4} (eager {eager.Accuracy:F4}) in {clock.Elapsed.TotalMilliseconds:F0} ms incl. {compiled.Stats.Traces} trace(s)"));
        if (Math.Abs(c.Accuracy - eager.Accuracy) > 1e-9)
            w.WriteLine("note: compiled and eager accuracy differ (a near-tie flipped by float rounding in the fused kernels)");
    }

    private static string Format(EpochMetrics m) => string.Create(CultureInfo.InvariantCulture, $"loss {m.Loss:F4} acc {m.Accuracy:P1}");
}
