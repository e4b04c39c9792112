namespace DeepSeek.NN;

/// <summary>
/// Base of every layer and model: named parameters, buffers and submodules registered in order, train/eval mode,
/// state dicts. Subclasses register what they own in the constructor
/// (<c>fc = RegisterModule("fc", new Linear(4, 2));</c>) and implement <c>Forward</c> on
/// <see cref="Module{TIn, TOut}"/>. Disposing a module frees its parameters, buffers and submodules.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Parameter? Value)> _parameters = new();
    private readonly List<(string Name, Tensor? Value, bool Persistent)> _buffers = new();
    private readonly List<(string Name, Module Value)> _modules = new();
    private bool _disposed;

    /// <summary>The name this module was first registered under in a parent (null for a root): its traced ops carry it.</summary>
    internal string? ScopeName { get; private set; }

    /// <summary>
    /// Opens this module's name scope for tracing (ops recorded until disposal carry its module path, see
    /// <see cref="DeepSeek.Tracing.OpTrace.PushName"/>). <c>Forward</c> does this itself; modules with their own
    /// multi-argument forward methods call it first. Costs one counter read when no trace is active.
    /// </summary>
    public DeepSeek.Tracing.OpTrace.NameScope EnterNameScope() => DeepSeek.Tracing.OpTrace.PushName(ScopeName ?? "");

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics); see <see cref="Train"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Type name used in <see cref="ToString"/>; override for custom display.</summary>
    public virtual string TypeName => GetType().Name;

    /// <summary>Registers a parameter under <paramref name="name"/> (null registers an absent optional parameter such as a bias).</summary>
    protected Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a parameter made from <paramref name="data"/>.</summary>
    protected Parameter RegisterParameter(string name, Tensor data) => RegisterParameter(name, new Parameter(data))!;

    /// <summary>Registers a non-trainable tensor (running statistics…); persistent buffers are part of the state dict.</summary>
    protected Tensor? RegisterBuffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckName(name);
        buffer?.DetachFromScope();
        _buffers.Add((name, buffer, persistent));
        return buffer;
    }

    /// <summary>Replaces a registered buffer's tensor (the old one is disposed).</summary>
    protected void SetBuffer(string name, Tensor value)
    {
        int i = _buffers.FindIndex(b => b.Name == name);
        if (i < 0) throw new ArgumentException($"{TypeName}: no buffer named '{name}'.");
        value.DetachFromScope();
        var old = _buffers[i].Value;
        _buffers[i] = (name, value, _buffers[i].Persistent);
        if (!ReferenceEquals(old, value)) old?.Dispose();
    }

    /// <summary>Registers a submodule under <paramref name="name"/>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckName(name);
        _modules.Add((name, module));
        module.ScopeName ??= name;
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{TypeName}: invalid member name '{name}' (must be non-empty without '.').");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _modules.Any(m => m.Name == name))
            throw new ArgumentException($"{TypeName}: a member named '{name}' is already registered.");
    }

    /// <summary>Direct submodules with their names, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _modules.Select(m => (m.Name, m.Value));

    /// <summary>Direct submodules in registration order.</summary>
    public IEnumerable<Module> Children() => _modules.Select(m => m.Value);

    /// <summary>This module and every descendant with dotted paths ("" for this one, "layer1.0.conv1"…).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, m) in _modules)
            foreach (var x in m.NamedModules(Join(prefix, name))) yield return x;
    }

    /// <summary>Every parameter (recursively) with its dotted path, in registration order.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        foreach (var (name, p) in _parameters)
            if (p is not null) yield return (name, p);
        if (!recurse) yield break;
        foreach (var (mname, m) in _modules)
            foreach (var (n, p) in m.NamedParameters()) yield return (Join(mname, n), p);
    }

    /// <summary>Every parameter (recursively).</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>Every buffer (recursively) with its dotted path.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        foreach (var (name, b, _) in _buffers)
            if (b is not null) yield return (name, b);
        if (!recurse) yield break;
        foreach (var (mname, m) in _modules)
            foreach (var (n, b) in m.NamedBuffers()) yield return (Join(mname, n), b);
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : a + "." + b;

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var m in Children()) m.Train(mode);
        return this;
    }

    /// <summary>Sets evaluation mode (same as <c>Train(false)</c>); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>Drops the gradients of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>
    /// Parameters and persistent buffers by dotted name, like PyTorch's state_dict: the tensors are views of the
    /// live values (not copies); the caller disposes the returned tensors, which does not affect the module.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, m) in NamedModules())
        {
            foreach (var (pn, p) in m._parameters)
                if (p is not null) d[Join(name, pn)] = p.Data.Detach();
            foreach (var (bn, b, persistent) in m._buffers)
                if (b is not null && persistent) d[Join(name, bn)] = b.Detach();
        }
        return d;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters and buffers (shapes must match; dtypes are
    /// converted). With <paramref name="strict"/>, missing and unexpected keys are errors listing every such key.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var targets = new Dictionary<string, Tensor>();
        foreach (var (name, m) in NamedModules())
        {
            foreach (var (pn, p) in m._parameters) if (p is not null) targets[Join(name, pn)] = p.Data;
            foreach (var (bn, b, persistent) in m._buffers) if (b is not null && persistent) targets[Join(name, bn)] = b;
        }
        var missing = targets.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !targets.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ModelFormatException($"LoadStateDict ({TypeName}): missing keys [{string.Join(", ", missing)}]; unexpected keys [{string.Join(", ", unexpected)}].");
        var wrong = targets.Where(kv => state.TryGetValue(kv.Key, out var s) && s.Shape != kv.Value.Shape)
            .Select(kv => $"{kv.Key}: expected {kv.Value.Shape}, got {state[kv.Key].Shape}").ToList();
        if (wrong.Count > 0)
            throw new ShapeMismatchException($"LoadStateDict ({TypeName}): shape mismatch for {string.Join("; ", wrong)}.");
        using var noGrad = Tensor.NoGrad();
        foreach (var (key, dst) in targets)
        {
            if (!state.TryGetValue(key, out var src)) continue;
            if (src.DType == dst.DType && src.Device == dst.Device) dst.CopyFrom(src);
            else
            {
                using var conv = src.To(dst.DType);
                using var moved = conv.Device == dst.Device ? conv.Detach() : conv.To(dst.Device);
                dst.CopyFrom(moved);
            }
        }
    }

    /// <summary>Number of parameter elements (trainable only when <paramref name="trainableOnly"/>).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(p => p.Numel);

    /// <summary>Extra text shown after the type name (e.g. "in=4, out=2").</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>A PyTorch-style tree of the module and its children.</summary>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        Print(sb, "", 0);
        return sb.ToString().TrimEnd();
    }

    private void Print(System.Text.StringBuilder sb, string name, int depth)
    {
        var pad = new string(' ', depth * 2);
        var label = name.Length == 0 ? "" : $"({name}): ";
        var extra = ExtraRepr();
        if (_modules.Count == 0)
        {
            sb.Append(pad).Append(label).Append(TypeName).Append('(').Append(extra).AppendLine(")");
            return;
        }
        sb.Append(pad).Append(label).Append(TypeName).Append('(').Append(extra).AppendLine();
        foreach (var (n, m) in _modules) m.Print(sb, n, depth + 1);
        sb.Append(pad).AppendLine(")");
    }

    /// <summary>Frees parameters, buffers and submodules.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees owned tensors; override to free more (call the base).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        foreach (var (_, p) in _parameters) p?.Dispose();
        foreach (var (_, b, _) in _buffers) b?.Dispose();
        foreach (var (_, m) in _modules) m.Dispose();
    }
}

/// <summary>
/// A module mapping <typeparamref name="TIn"/> to <typeparamref name="TOut"/>. <see cref="Forward"/> runs the
/// subclass's <see cref="OnForward"/> inside its own tensor scope: every intermediate created there is freed
/// when it returns, except the returned tensor(s), which move to the caller's scope.
/// </summary>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>Runs the module (what PyTorch users write as <c>model(x)</c>).</summary>
    public TOut Forward(TIn input)
    {
        using var name = EnterNameScope();
        using var scope = Tensor.NewScope();
        var output = OnForward(input);
        Keep(scope, output);
        return output;
    }

    /// <summary>The computation; intermediates need no disposal (the scope frees them).</summary>
    protected abstract TOut OnForward(TIn input);

    private static void Keep(TensorScope scope, object? output)
    {
        switch (output)
        {
            case Tensor t: scope.MoveToParent(t); break;
            case System.Runtime.CompilerServices.ITuple tuple:
                for (int i = 0; i < tuple.Length; i++) Keep(scope, tuple[i]);
                break;
            case IEnumerable<Tensor> list:
                foreach (var t in list) scope.MoveToParent(t);
                break;
        }
    }
}
