using System.CommandLine;
using DeepSeek.NN.Data;

namespace DeepSeek.Cli;

/// <summary>
/// `deepseek quickstart`: the README's main job. Trains the digits CNN on the bundled data with a fixed seed,
/// saves and reloads it, and ends with `test_accuracy=…`. Then compiles the reloaded model and evaluates it again; compress → serve join as they land.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Where to write the trained weights", DefaultValueFactory = _ => "model.safetensors" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 10 };
        var cmd = new Command("quickstart", "End-to-end demo: train a CNN on the bundled digits, save, reload, evaluate") { output, epochs };
        cmd.SetAction(r => Run(Console.Out, r.GetValue(output)!, r.GetValue(epochs)));
        return cmd;
    }

    public static int Run(TextWriter w, string output = "model.safetensors", int epochs = 10)
    {
        InfoCommand.Print(w);
        w.WriteLine();
        DigitsWorkflow.Run(new DigitsSettings(DigitsDataset.FindBundled(), output, epochs), w);
        return 0;
    }
}
