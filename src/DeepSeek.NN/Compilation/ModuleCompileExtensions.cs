// module.Compile(): torch.compile(model) for DeepSeek modules. The module's forward is compiled with the graph compiler;
// the module's train/eval mode at call time picks the compiled function, so switching modes never reuses a trace made
// in the other mode (torch.compile guards on module.training the same way).
using DeepSeek.Graph.Compilation;

namespace DeepSeek.NN.Compilation;

/// <summary>Compiles modules with the graph compiler (<see cref="Compiler"/>).</summary>
public static class ModuleCompileExtensions
{
    /// <summary>
    /// A compiled version of <paramref name="module"/>: the first <see cref="CompiledModule.Forward"/> with a new input
    /// dtype/shape traces what the module does now, optimises it and caches the variant. Compile for inference: call
    /// <c>Eval()</c> first. In training mode the trace takes the module as is — Dropout's random mask and BatchNorm's
    /// batch statistics are not recorded ops, so tracing them fails with <see cref="UnsupportedOperatorException"/> rather
    /// than baking one batch's randomness or statistics. Parameters are copied into the compiled graph when it is traced;
    /// after the weights change call <see cref="CompiledModule.Reset"/>.
    /// </summary>
    public static CompiledModule Compile(this Module<Tensor, Tensor> module, CompileOptions? options = null, params InputSpec[] spec)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (spec is { Length: > 1 })
            throw new ArgumentException($"Compile: {module.TypeName} takes one input tensor, but {spec.Length} InputSpecs were given.", nameof(spec));
        return new CompiledModule(module, options ?? new CompileOptions(), spec ?? []);
    }
}

/// <summary>
/// A module compiled by <see cref="ModuleCompileExtensions.Compile"/>: <see cref="Forward"/> runs the cached variant for
/// the input's dtype and shape (and the module's current train/eval mode), tracing one when needed. Forward passes are
/// inference (no autograd graph). Disposing frees the compiled variants, not the module.
/// </summary>
public sealed class CompiledModule : IDisposable
{
    private readonly CompileOptions _options;
    private readonly InputSpec[] _spec;
    private readonly object _gate = new();
    private CompiledFunction? _eval, _train;

    internal CompiledModule(Module<Tensor, Tensor> module, CompileOptions options, InputSpec[] spec)
    {
        Module = module;
        _options = options;
        _spec = spec;
    }

    /// <summary>The eager module (still usable directly).</summary>
    public Module<Tensor, Tensor> Module { get; }

    /// <summary>The compiled function for the module's current mode (created on first use).</summary>
    public CompiledFunction Function
    {
        get
        {
            lock (_gate)
            {
                ref var slot = ref Module.Training ? ref _train : ref _eval;
                return slot ??= Compiler.Compile(xs => [Module.Forward(xs[0])], _options, _spec);
            }
        }
    }

    /// <summary>Counters of the compiled function for the current mode.</summary>
    public CompileStats Stats => Function.Stats;

    /// <summary>Runs the module on <paramref name="x"/> through its compiled graph; the caller owns the result.</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Function.Run(x)[0];
    }

    /// <summary>Traces ahead of the first call from the (fully specified) input spec; returns this.</summary>
    public CompiledModule Warmup(ulong seed = 0)
    {
        Function.Warmup(seed);
        return this;
    }

    /// <summary>Text dump of the compiled variants of the current mode (see <see cref="CompiledFunction.Dump"/>).</summary>
    public string Dump() => Function.Dump();

    /// <summary>Drops every compiled variant (call after changing the module's weights); the next Forward traces again.</summary>
    public void Reset()
    {
        _eval?.Reset();
        _train?.Reset();
    }

    /// <summary>Frees the compiled variants (the module itself stays alive).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _eval?.Dispose();
            _train?.Dispose();
            _eval = _train = null;
        }
    }
}
