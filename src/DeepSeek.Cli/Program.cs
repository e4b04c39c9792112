using DeepSeek.Cli;

return CliApp.Build().Parse(args).Invoke();
