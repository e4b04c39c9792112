namespace DeepSeek.Graph.Execution;

/// <summary>
/// Kernels by (domain, op type, first opset version). A node runs the registration with the highest
/// since-version not above the model's opset for that domain — ONNX's versioning rule.
/// </summary>
public sealed class OpRegistry
{
    private readonly Dictionary<(string Domain, string Op), List<(long Since, IOpKernel Kernel)>> _map = new();

    /// <summary>The registry with every built-in kernel.</summary>
    public static OpRegistry Default { get; } = CreateDefault();

    private static OpRegistry CreateDefault()
    {
        var r = new OpRegistry();
        foreach (var t in typeof(OpRegistry).Assembly.GetTypes())
            if (t.GetCustomAttributes(typeof(OpSetAttribute), false).Length > 0 &&
                t.GetMethod("Register", [typeof(OpRegistry)]) is { IsStatic: true } m)
                m.Invoke(null, [r]);
        return r;
    }

    /// <summary>Registers <paramref name="kernel"/> for <paramref name="op"/> from opset <paramref name="since"/> on.</summary>
    public void Register(string op, long since, IOpKernel kernel, string domain = "")
    {
        var key = (Normalize(domain), op);
        if (!_map.TryGetValue(key, out var list)) _map[key] = list = new();
        list.RemoveAll(e => e.Since == since);
        list.Add((since, kernel));
        list.Sort((a, b) => a.Since.CompareTo(b.Since));
    }

    /// <summary>Registers a delegate kernel.</summary>
    public void Register(string op, long since, Func<OpContext, RuntimeValue?[]> run, string domain = "") =>
        Register(op, since, new DelegateKernel(run), domain);

    /// <summary>Registers one delegate for several since-versions (same semantics across them).</summary>
    public void Register(string op, long[] sinceVersions, Func<OpContext, RuntimeValue?[]> run, string domain = "")
    {
        var k = new DelegateKernel(run);
        foreach (var s in sinceVersions) Register(op, s, k, domain);
    }

    /// <summary>The kernel for <paramref name="op"/> at <paramref name="opset"/>, or null.</summary>
    public IOpKernel? Find(string domain, string op, long opset)
    {
        if (!_map.TryGetValue((Normalize(domain), op), out var list)) return null;
        IOpKernel? best = null;
        foreach (var (since, k) in list)
            if (since <= opset) best = k;
        return best;
    }

    /// <summary>Every registered (domain, op) with its since-versions.</summary>
    public IEnumerable<(string Domain, string Op, long[] Versions)> Entries =>
        _map.Select(kv => (kv.Key.Domain, kv.Key.Op, kv.Value.Select(e => e.Since).ToArray()));

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;
}

/// <summary>Marks a static class with a <c>public static void Register(OpRegistry)</c> method that adds kernels to the default registry.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OpSetAttribute : Attribute;
