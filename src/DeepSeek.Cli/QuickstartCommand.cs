using System.CommandLine;

namespace DeepSeek.Cli;

/// <summary>
/// `deepseek quickstart`: the README's main job. Today it shows the engine and a small tensor demo;
/// it grows into train → compile → compress → serve as those components land.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var cmd = new Command("quickstart", "Run the end-to-end demo (engine info and a tensor demo for now)");
        cmd.SetAction(_ => Run(Console.Out));
        return cmd;
    }

    public static int Run(TextWriter w)
    {
        InfoCommand.Print(w);
        w.WriteLine();
        w.WriteLine("Tensor demo:");
        using var scope = Tensor.NewScope();
        var gen = new Generator(42);
        var x = Tensor.RandN(new Shape(2, 3), gen);
        var y = x.Reshape(3, 2);
        w.WriteLine($"  x = {x}");
        w.WriteLine($"  x.Reshape(3, 2).T = {y.T}");
        var stats = CpuPoolStats();
        w.WriteLine($"  pool: {stats.BytesInUse} bytes in use, {stats.BytesReserved} reserved, {stats.AllocationCount} allocations, {stats.CacheHits} cache hits");
        return 0;
    }

    private static Memory.PoolStatistics CpuPoolStats() => Backends.BackendRegistry.Get(Device.Cpu).Pool.Statistics;
}
