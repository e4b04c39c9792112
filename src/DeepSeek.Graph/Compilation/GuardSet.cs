// Value guards of one variant: every traced value the eager code read back to the host (Item, ToArray, …) with the
// contents it saw. At run time the guard graph — the traced graph cut down to the nodes those values need — runs on
// the new inputs and the variant is used only when every value comes out identical (NaN equals NaN, 0 equals −0).
using System.Globalization;
using System.Text;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation;

/// <summary>One value guard: the IR value read back, how it was read, and the contents the variant assumes.</summary>
/// <param name="ValueName">The guarded value in the traced graph.</param>
/// <param name="Op">How the traced code read it (Item, ToArray, …).</param>
/// <param name="Expected">The contents the variant was traced under (owned by the guard set).</param>
/// <param name="Note">Why the expected contents differ from what the eager code saw, or null.</param>
internal sealed record ValueGuard(string ValueName, string Op, Tensor Expected, string? Note);

/// <summary>The value guards of a variant and the small graph that recomputes the guarded values.</summary>
internal sealed class GuardSet : IDisposable
{
    private readonly VariantRunner? _runner;

    private GuardSet(Graph? graph, IReadOnlyList<ValueGuard> guards, VariantRunner? runner)
    {
        GuardGraph = graph;
        Guards = guards;
        _runner = runner;
    }

    /// <summary>The nodes needed to compute the guarded values (null when there are none).</summary>
    public Graph? GuardGraph { get; }

    /// <summary>The value guards in first-read order.</summary>
    public IReadOnlyList<ValueGuard> Guards { get; }

    /// <summary>
    /// Builds the guards of a trace: the guard graph is cut from <paramref name="traced"/> (which is left as it is) and
    /// run on <paramref name="inputs"/>; its results are the expected contents, so a call with the same inputs always
    /// passes even where a graph kernel rounds differently from the eager op (noted per guard). The guard graph runs
    /// through the same <see cref="VariantRunner"/> as variants do. Takes ownership of the observed copies in
    /// <paramref name="reads"/>.
    /// </summary>
    public static GuardSet Create(Graph traced, IReadOnlyList<HostReadRecord> reads, Tensor[] inputs, CompileOptions options, Interpreter interpreter)
    {
        if (reads.Count == 0) return new GuardSet(null, [], null);
        Graph? g = null;
        VariantRunner? runner = null;
        var guards = new List<ValueGuard>();
        var kept = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        Tensor[] actual = [];
        try
        {
            g = traced.Clone();
            g.Name = traced.Name + "_guards";
            var outs = reads.Select(r => g.Find(r.Value.Name) ?? throw new InvalidOperationException($"Compile: guarded value '%{r.Value.Name}' is missing from the traced graph.")).ToList();
            g.Outputs.Clear();
            g.Outputs.AddRange(outs);
            Prune(g);
            runner = VariantRunner.Create(g, inputs, options, interpreter);
            actual = runner.Run(inputs); // the guarded values, in guard order
            for (int i = 0; i < reads.Count; i++)
            {
                var r = reads[i];
                if (SameContents(actual[i], r.Observed))
                {
                    kept.Add(r.Observed);
                    guards.Add(new ValueGuard(r.Value.Name, r.Op, r.Observed, null));
                }
                else
                {
                    // a private copy: the guard graph may hand back a view of an input the caller can overwrite
                    guards.Add(new ValueGuard(r.Value.Name, r.Op, actual[i].Clone().DetachFromScope(),
                        $"eager code saw {Format(r.Observed)}; the guard graph computes {Format(actual[i])} on the same inputs, and later calls are compared with that"));
                }
            }
            return new GuardSet(g, guards, runner);
        }
        catch
        {
            runner?.Dispose();
            foreach (var v in guards) if (!kept.Contains(v.Expected)) v.Expected.Dispose();
            kept.Clear(); // the observed copies go with the rest below
            g?.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in actual) t.Dispose();
            foreach (var r in reads) if (!kept.Contains(r.Observed)) r.Observed.Dispose();
        }
    }

    /// <summary>True when every guarded value computed from <paramref name="inputs"/> equals the expected contents.</summary>
    public bool Passes(Tensor[] inputs)
    {
        if (_runner is null) return true;
        var actual = _runner.Run(inputs);
        try
        {
            for (int i = 0; i < actual.Length; i++)
                if (!SameContents(actual[i], Guards[i].Expected)) return false;
            return true;
        }
        finally
        {
            foreach (var t in actual) t.Dispose();
        }
    }

    /// <summary>One line per guard: "%ReduceMean_0 read by Item == f32[] [0.6125]".</summary>
    public void Describe(StringBuilder sb, string indent)
    {
        foreach (var g in Guards)
        {
            sb.Append(indent).Append('%').Append(g.ValueName).Append(" read by ").Append(g.Op).Append(" == ").Append(Format(g.Expected)).AppendLine();
            if (g.Note is not null) sb.Append(indent).Append("  (").Append(g.Note).AppendLine(")");
        }
    }

    /// <summary>Dead-code elimination towards the outputs: keeps the nodes an output needs, also through If branches' outer reads.</summary>
    internal static void Prune(Graph g)
    {
        var needed = new HashSet<Value>(g.Outputs);
        for (int i = g.Nodes.Count - 1; i >= 0; i--)
        {
            var n = g.Nodes[i];
            if (!n.Outputs.Any(needed.Contains))
            {
                g.RemoveNode(n);
                continue;
            }
            foreach (var v in n.Inputs) if (v is not null) needed.Add(v);
            foreach (var sg in n.SubGraphs()) foreach (var v in sg.OuterReads()) needed.Add(v);
        }
        g.RemoveUnusedValues();
    }

    /// <summary>Same dtype, shape and elements (by <see cref="IEquatable{T}"/>: NaN equals NaN, 0 equals −0).</summary>
    internal static bool SameContents(Tensor a, Tensor b)
    {
        if (a.DType != b.DType || a.Shape != b.Shape) return false;
        return a.DType switch
        {
            DType.F32 => Same<float>(a, b),
            DType.F64 => Same<double>(a, b),
            DType.F16 => Same<Half>(a, b),
            DType.BF16 => Same<BFloat16>(a, b),
            DType.I8 => Same<sbyte>(a, b),
            DType.U8 => Same<byte>(a, b),
            DType.I16 => Same<short>(a, b),
            DType.I32 => Same<int>(a, b),
            DType.I64 => Same<long>(a, b),
            DType.Bool => Same<bool>(a, b),
            _ => throw new NotSupportedException($"Guard: dtype {a.DType.Name()} cannot be compared."),
        };
    }

    private static bool Same<T>(Tensor a, Tensor b) where T : unmanaged, IEquatable<T> =>
        a.ToArray<T>().AsSpan().SequenceEqual(b.ToArray<T>());

    /// <summary>"f32[] [0.6125]" (the first 8 elements).</summary>
    internal static string Format(Tensor t)
    {
        var vals = t.ToDoubleArray();
        var shown = string.Join(", ", vals.Take(8).Select(v => v.ToString("G7", CultureInfo.InvariantCulture)));
        return $"{t.DType.Name()}{t.Shape} [{shown}{(vals.Length > 8 ? ", …" : "")}]";
    }

    /// <summary>Frees the guard graph and the expected contents.</summary>
    public void Dispose()
    {
        _runner?.Dispose();
        foreach (var g in Guards) g.Expected.Dispose();
        GuardGraph?.Dispose();
    }
}
