using System.CommandLine;
using DeepSeek.Cli;

var root = new RootCommand("deepseek — train, compile, compress, profile and serve neural networks in .NET");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(QuickstartCommand.Create());
return root.Parse(args).Invoke();
