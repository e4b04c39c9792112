namespace DeepSeek.Cli.Tests;

public sealed class CliTests
{
    [Fact]
    public void InfoPrintsVersionSimdThreadsAndBackends()
    {
        var w = new StringWriter();
        InfoCommand.Print(w);
        var text = w.ToString();
        Assert.Contains("DeepSeek for .NET", text);
        Assert.Matches(@"simd:\s+(avx512|avx2|scalar)", text);
        Assert.Matches(@"threads:\s+\d+", text);
        Assert.Contains("cpu", text);
    }

    [Fact]
    public void QuickstartRunsAndExitsZero()
    {
        var w = new StringWriter();
        Assert.Equal(0, QuickstartCommand.Run(w));
        Assert.Contains("Tensor demo", w.ToString());
    }

    [Fact]
    public void UnknownVerbFailsWithNonZeroExit()
    {
        var root = CliApp.Build();
        var err = new StringWriter();
        int rc = root.Parse(["no-such-verb"]).Invoke(new System.CommandLine.InvocationConfiguration { Error = err, Output = new StringWriter() });
        Assert.NotEqual(0, rc);
    }
}
