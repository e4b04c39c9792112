// The cache of variants behind Compiler.Compile: calls are keyed by input signature; within a signature each variant's
// value guards are checked in trace order, a miss traces a new variant, and past MaxVariants the eager function runs
// (torch.compile's recompilation and cache-size limit, with data guards instead of graph breaks).
using System.Text;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Compilation;

/// <summary>
/// A function compiled by <see cref="Compiler.Compile(Func{Tensor[], Tensor[]}, CompileOptions?, InputSpec[])"/>. <see cref="Run"/> validates the inputs against the
/// <see cref="InputSpecs"/>, picks the cached variant whose guards hold (same input dtypes and shapes; every value the
/// traced code read back to the host comes out the same), traces a new one when none does, and after
/// <see cref="CompileOptions.MaxVariants"/> variants of one signature runs the function eagerly. Runs are inference:
/// no autograd graph is recorded. Parameters are copied into each variant when it is traced; after changing weights call
/// <see cref="Reset"/>. <see cref="Run"/> may be called from several threads; <see cref="Reset"/> and
/// <see cref="Dispose"/> must not race with it.
/// </summary>
public sealed class CompiledFunction : IDisposable
{
    private readonly Func<Tensor[], Tensor[]> _f;
    private readonly InputSpec[] _specs;
    private readonly Dictionary<InputSignature, List<Variant>> _variants = new();
    private readonly object _gate = new();
    private readonly Interpreter _interpreter = new();
    private long _calls, _traces, _hits, _guardFailures, _eager;
    private int _traceNumber, _warned;
    private bool _disposed;
    private volatile Variant? _last;

    internal CompiledFunction(Func<Tensor[], Tensor[]> f, CompileOptions options, InputSpec[] specs)
    {
        _f = f;
        Options = options;
        _specs = (InputSpec[])specs.Clone();
    }

    /// <summary>The options every variant is compiled with.</summary>
    public CompileOptions Options { get; }

    /// <summary>The input specs (empty: any number of inputs of any dtype and shape).</summary>
    public IReadOnlyList<InputSpec> InputSpecs => _specs;

    /// <summary>
    /// Memory plan of the variant that ran last (arena bytes, naive bytes, kernels that fell back to the interpreter), or
    /// null before the first compiled run or when <see cref="CompileOptions.PlanMemory"/> is off.
    /// </summary>
    public MemoryPlanReport? MemoryReport => _last?.Runner.MemoryReport;

    /// <summary>The optimised graph of the variant that ran last (null before the first compiled run).</summary>
    public Graph? LastGraph => _last?.Graph;

    /// <summary>Counters: calls, traces, cache hits, guard failures, eager fallbacks, cached variants.</summary>
    public CompileStats Stats
    {
        get
        {
            int variants;
            lock (_gate) variants = _variants.Values.Sum(l => l.Count);
            return new CompileStats(Interlocked.Read(ref _calls), Interlocked.Read(ref _traces), Interlocked.Read(ref _hits),
                Interlocked.Read(ref _guardFailures), Interlocked.Read(ref _eager), variants);
        }
    }

    /// <summary>
    /// Runs the compiled function on <paramref name="inputs"/> and returns its outputs, which the caller owns (they join
    /// the current tensor scope, like an op's result).
    /// </summary>
    /// <exception cref="ArgumentException">The number of inputs differs from the number of specs.</exception>
    /// <exception cref="DTypeMismatchException">An input's dtype differs from its spec.</exception>
    /// <exception cref="ShapeMismatchException">An input's rank or a fixed dimension differs from its spec.</exception>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckInputs(inputs);
        Interlocked.Increment(ref _calls);
        var signature = InputSignature.Of(inputs);
        Variant[] known;
        lock (_gate) known = _variants.TryGetValue(signature, out var list) ? list.ToArray() : [];
        if (TryCached(known, inputs) is { } hit) return hit;

        Variant? made = null;
        lock (_gate) // one trace at a time; re-check variants another thread added meanwhile
        {
            if (!_variants.TryGetValue(signature, out var list)) _variants[signature] = list = new();
            if (TryCached(list.Where(v => !known.Contains(v)).ToArray(), inputs) is { } late) return late;
            if (list.Count < Options.MaxVariants)
            {
                made = Compiler.BuildVariant(_f, inputs, Options, signature, ++_traceNumber, _interpreter);
                list.Add(made);
                Interlocked.Increment(ref _traces);
            }
        }
        if (made is null) return RunEagerly(inputs, signature);
        _last = made;
        return Adopt(made.Runner.Run(inputs));
    }

    /// <summary>
    /// Traces ahead of the first call: runs once on seeded examples made from the specs (normal samples for floating
    /// inputs, zeros for integer and Bool inputs, which are always valid indices). Every spec must be fully specified.
    /// Returns this function.
    /// </summary>
    /// <exception cref="InvalidOperationException">No specs were given, or one has a −1 dimension.</exception>
    public CompiledFunction Warmup(ulong seed = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_specs.Length == 0)
            throw new InvalidOperationException("CompiledFunction.Warmup: no InputSpec was given to Compile, so there is nothing to make examples from; call Run with real inputs instead.");
        var open = _specs.Select((s, i) => (s, i)).Where(p => !p.s.IsFullySpecified).Select(p => $"input {p.i} ({p.s})").ToArray();
        if (open.Length > 0)
            throw new InvalidOperationException($"CompiledFunction.Warmup: {string.Join(", ", open)} has a −1 (any-size) dimension; warm up with Run on an input of the size you expect.");
        using (Tensor.NewScope())
        {
            var gen = new Generator(seed);
            var examples = _specs.Select(s =>
            {
                var shape = new Shape(s.Dims.Select(d => checked((int)d)).ToArray());
                return s.DType.IsFloatingPoint() ? Tensor.RandN(shape, gen, dtype: s.DType) : Tensor.Zeros(shape, s.DType);
            }).ToArray();
            Run(examples);
        }
        return this;
    }

    /// <summary>
    /// Every cached variant: its input signature, guards, the optimised graph (<see cref="Graph.ToString"/>) and the pass
    /// log, preceded by the counters.
    /// </summary>
    public string Dump()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var s = Stats;
        var sb = new StringBuilder();
        sb.Append($"CompiledFunction: {s.Variants} variant(s); calls {s.Calls}, traces {s.Traces}, hits {s.Hits}, guard failures {s.GuardFailures}, eager fallbacks {s.EagerFallbacks}");
        sb.AppendLine($"; optimisation level {Options.OptimizationLevel}, max variants {Options.MaxVariants}");
        if (_specs.Length > 0) sb.Append("input specs: ").AppendLine(string.Join(", ", _specs.Select(x => x.ToString())));
        Variant[] all;
        lock (_gate) all = _variants.Values.SelectMany(l => l).OrderBy(v => v.TraceNumber).ToArray();
        foreach (var v in all)
        {
            sb.AppendLine();
            sb.Append($"== variant {v.TraceNumber}: signature {v.Signature}, {v.Hits} cache hit(s)").AppendLine();
            sb.AppendLine("guards:");
            sb.Append("  inputs have dtypes and shapes ").AppendLine(v.Signature.ToString());
            v.Guards.Describe(sb, "  ");
            if (v.Guards.GuardGraph is { } gg)
            {
                sb.AppendLine("guard graph:");
                AppendIndented(sb, gg.ToString(), "  ");
            }
            sb.AppendLine("passes:");
            if (v.PassLog.Count == 0) sb.AppendLine("  (no pass changed the graph)");
            foreach (var line in v.PassLog) sb.Append("  ").AppendLine(line);
            sb.Append("runner: ").AppendLine(v.Runner.Report);
            sb.AppendLine("graph:");
            AppendIndented(sb, v.Graph.ToString(), "  ");
        }
        return sb.ToString();
    }

    /// <summary>Drops every variant (e.g. after the traced function's weights changed); the next call traces again.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            foreach (var v in _variants.Values.SelectMany(l => l)) v.Dispose();
            _variants.Clear();
            _last = null;
        }
    }

    /// <summary>Frees every variant.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Reset();
        _disposed = true;
    }

    private Tensor[]? TryCached(Variant[] candidates, Tensor[] inputs)
    {
        foreach (var v in candidates)
        {
            if (!v.Guards.Passes(inputs))
            {
                Interlocked.Increment(ref _guardFailures);
                continue;
            }
            Interlocked.Increment(ref _hits);
            v.CountHit();
            _last = v;
            return Adopt(v.Runner.Run(inputs));
        }
        return null;
    }

    private Tensor[] RunEagerly(Tensor[] inputs, InputSignature signature)
    {
        Interlocked.Increment(ref _eager);
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            System.Diagnostics.Trace.TraceWarning(
                $"CompiledFunction: signature {signature} already has {Options.MaxVariants} variant(s) (CompileOptions.MaxVariants) and no guard set matched; " +
                "running the function eagerly from now on for such calls (counted in Stats.EagerFallbacks; this warning is shown once).");
        Tensor[] outs;
        using (Tensor.NoGrad())
            outs = _f(inputs) ?? throw new InvalidOperationException("CompiledFunction: the function returned null.");
        for (int i = 0; i < outs.Length; i++)
            if (inputs.Any(x => ReferenceEquals(x, outs[i]))) outs[i] = outs[i].Detach(); // the caller owns what Run returns, never an input
        return outs;
    }

    // Runner outputs belong to nobody yet; a view made now registers with the caller's scope, as an op's result would.
    private static Tensor[] Adopt(Tensor[] outs)
    {
        if (TensorScope.Current is null) return outs;
        for (int i = 0; i < outs.Length; i++)
        {
            var view = outs[i].Detach();
            outs[i].Dispose();
            outs[i] = view;
        }
        return outs;
    }

    private void CheckInputs(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (_specs.Length > 0 && inputs.Length != _specs.Length)
            throw new ArgumentException($"CompiledFunction: expected {_specs.Length} input(s) ({string.Join(", ", _specs.Select(s => s.ToString()))}), got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"CompiledFunction: input {i} is null.");
            if (t.IsDisposed) throw new TensorDisposedException($"CompiledFunction: input {i} was already disposed.");
            if (_specs.Length > 0) _specs[i].Check(t, i);
        }
    }

    private static void AppendIndented(StringBuilder sb, string text, string indent)
    {
        foreach (var line in text.Split('\n'))
            if (line.TrimEnd('\r').Length > 0) sb.Append(indent).AppendLine(line.TrimEnd('\r'));
    }
}
