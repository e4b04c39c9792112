using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using DeepSeek.Backends;
using DeepSeek.Backends.Cpu;

namespace DeepSeek.Cli;

/// <summary>`deepseek info`: version, SIMD level, threads and backends.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var cmd = new Command("info", "Show version, detected SIMD level, thread count and available backends");
        cmd.SetAction(_ =>
        {
            Print(Console.Out);
            return 0;
        });
        return cmd;
    }

    public static void Print(TextWriter w)
    {
        var version = typeof(Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0) version = version[..plus];
        w.WriteLine($"DeepSeek for .NET {version}");
        w.WriteLine($"runtime:   .NET {Environment.Version} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})");
        w.WriteLine($"simd:      {SimdInfo.Level.ToString().ToLowerInvariant()} (hardware: {string.Join(", ", SimdInfo.HardwareFeatures())})");
        w.WriteLine($"threads:   {DeepSeekOptions.Threads} (of {Environment.ProcessorCount} logical processors; set DEEPSEEK_NUM_THREADS to change)");
        w.WriteLine($"backends:  {string.Join(", ", BackendRegistry.Available.Select(d => $"{d} [{BackendRegistry.Get(d).Name}]"))}");
        w.WriteLine("dtypes:    " + string.Join(", ", Enum.GetValues<DType>().Select(d => d.Name())));
    }
}
