using System.CommandLine;
using DeepSeek.NN.Data;

namespace DeepSeek.Cli;

/// <summary>`deepseek train`: trains the digits CNN on a digits-format CSV (default: the bundled data set).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "CSV with header label,p0..p63 (default: the bundled data/digits.csv)" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the weights (safetensors)", DefaultValueFactory = _ => "model.safetensors" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Examples per batch", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (one-cycle schedule, AdamW)", DefaultValueFactory = _ => 1e-2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for the split, initialisation and shuffling", DefaultValueFactory = _ => 42UL };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for kernels (default: all cores or DEEPSEEK_NUM_THREADS)" };
        var cmd = new Command("train", "Train a CNN on 8x8 digits, save safetensors, reload and report test accuracy")
        {
            data, output, epochs, batch, lr, seed, threads,
        };
        cmd.SetAction(r =>
        {
            if (r.GetValue(threads) is int t) DeepSeekOptions.Threads = t;
            var settings = new DigitsSettings(r.GetValue(data) ?? DigitsDataset.FindBundled(), r.GetValue(output)!,
                r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr), Seed: r.GetValue(seed));
            return Validate(settings) ?? Run(settings);
        });
        return cmd;
    }

    private static int? Validate(DigitsSettings s)
    {
        string? problem = s.Epochs < 1 ? $"--epochs must be at least 1, got {s.Epochs}"
            : s.BatchSize < 1 ? $"--batch-size must be at least 1, got {s.BatchSize}"
            : !(s.LearningRate > 0) ? $"--lr must be positive, got {s.LearningRate}"
            : !File.Exists(s.DataPath) ? $"--data: file '{s.DataPath}' does not exist"
            : null;
        if (problem is null) return null;
        Console.Error.WriteLine($"deepseek train: {problem}");
        return 2;
    }

    private static int Run(DigitsSettings s)
    {
        try
        {
            DigitsWorkflow.Run(s, Console.Out);
            return 0;
        }
        catch (DeepSeekException e)
        {
            Console.Error.WriteLine($"deepseek train: {e.Message}");
            return 1;
        }
    }
}
