using System.Globalization;

namespace DeepSeek.Bench;

/// <summary>Options shared by the benchmark verbs: flags (<c>--json</c>) and key/value pairs (<c>--sizes 1,2</c>).</summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, string?> _opts = new(StringComparer.Ordinal);
    private readonly List<(string Key, string? Value)> _all = new();

    /// <summary>Arguments that are not options (e.g. a model path before the options).</summary>
    public List<string> Positionals { get; } = new();

    public static BenchArgs Parse(ReadOnlySpan<string> args)
    {
        var r = new BenchArgs();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                r.Positionals.Add(a);
                continue;
            }
            var key = a[2..];
            string? val = null;
            int eq = key.IndexOf('=');
            if (eq >= 0) { val = key[(eq + 1)..]; key = key[..eq]; }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) val = args[++i];
            r._opts[key] = val;
            r._all.Add((key, val));
        }
        return r;
    }

    public bool Flag(string name) => _opts.ContainsKey(name);

    public string? Get(string name) => _opts.TryGetValue(name, out var v) ? v : null;

    /// <summary>Every value given for a repeatable option (<c>--input a=x.npy --input b=y.npy</c>).</summary>
    public IEnumerable<string> All(string name) => _all.Where(kv => kv.Key == name && kv.Value is not null).Select(kv => kv.Value!);

    public int[] Ints(string name, params int[] defaults)
    {
        var s = Get(name);
        if (s is null) return defaults;
        try
        {
            return s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--{name}: expected a comma-separated list of integers, got '{s}'");
        }
    }
}
