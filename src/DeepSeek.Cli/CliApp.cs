using System.CommandLine;

namespace DeepSeek.Cli;

/// <summary>Builds the `deepseek` command tree: one thin verb per file over the libraries.</summary>
internal static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("deepseek — train, compile, compress, profile and serve neural networks in .NET");
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
