using static DeepSeek.NN.Optim.StateDictUtil;

namespace DeepSeek.NN.Optim;

/// <summary>
/// Base of the optimizers: parameter groups with per-group hyperparameters, per-parameter state, and a
/// <see cref="Step"/> that updates every parameter that has a gradient in place, under <see cref="Tensor.NoGrad"/>,
/// with each parameter's temporaries freed by a scope. Disposing frees the state (not the parameters).
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParamGroup> _groups = new();
    private readonly Dictionary<Parameter, ParameterState> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, double> _defaults;
    private bool _disposed;

    /// <summary>Creates the optimizer over <paramref name="groups"/>; options a group lacks come from <paramref name="defaults"/>.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, double> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = new Dictionary<string, double>(defaults, StringComparer.Ordinal);
        foreach (var g in groups) AddParamGroup(g);
        if (_groups.Count == 0) throw new ArgumentException($"{Name}: got an empty list of parameter groups.");
    }

    /// <summary>Optimizer name used in errors.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>The parameter groups (their options may be changed between steps, as schedulers do with "lr").</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Default hyperparameters given to the constructor.</summary>
    public IReadOnlyDictionary<string, double> Defaults => _defaults;

    /// <summary>Per-parameter state, created at a parameter's first update.</summary>
    public ParameterState? GetState(Parameter parameter) => _state.GetValueOrDefault(parameter);

    /// <summary>Adds a group (missing options take the defaults); a parameter may belong to one group only.</summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        foreach (var (k, v) in _defaults) group.SetDefault(k, v);
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var p in _groups.SelectMany(g => g.Parameters)) seen.Add(p);
        foreach (var p in group.Parameters)
            if (!seen.Add(p)) throw new ArgumentException($"{Name}: {p} appears in more than one parameter group (or twice in one).");
        ValidateGroup(group, _groups.Count);
        _groups.Add(group);
    }

    /// <summary>Checks a group's options; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    protected virtual void ValidateGroup(ParamGroup group, int index)
    {
        if (!(group.Lr >= 0)) throw new ArgumentException($"{Name}: invalid learning rate {group.Lr} in group {index} (must be ≥ 0).");
        if (group.Has("weight_decay") && !(group.WeightDecay >= 0))
            throw new ArgumentException($"{Name}: invalid weight_decay {group.WeightDecay} in group {index} (must be ≥ 0).");
    }

    /// <summary>
    /// Applies one update to every parameter that has a gradient (others are skipped), in place and without
    /// recording autograd.
    /// </summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = Tensor.NoGrad();
        foreach (var group in _groups)
            foreach (var p in group.Parameters)
            {
                if (p.Grad is not { } grad) continue;
                var data = p.Data;
                if (grad.Shape != data.Shape)
                    throw new ShapeMismatchException($"{Name}.Step: gradient of shape {grad.Shape} does not match its parameter of shape {data.Shape}.");
                if (grad.Device != data.Device)
                    throw new DeviceMismatchException($"{Name}.Step: gradient on {grad.Device}, parameter on {data.Device}.");
                if (!_state.TryGetValue(p, out var state)) _state[p] = state = new ParameterState();
                using var scope = Tensor.NewScope();
                Update(group, data, grad, state);
            }
    }

    /// <summary>
    /// Updates one parameter in place from its gradient (same shape and device; runs under NoGrad inside a
    /// scope, so temporaries need no disposal; buffers stored with <see cref="ParameterState.Set"/> survive).
    /// </summary>
    protected abstract void Update(ParamGroup group, Tensor param, Tensor grad, ParameterState state);

    /// <summary>Whether the state dict records each parameter's step count (optimizers with bias correction).</summary>
    protected virtual bool TracksStep => false;

    /// <summary>Drops every parameter's gradient (PyTorch's <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _groups.SelectMany(g => g.Parameters)) p.ZeroGrad();
    }

    /// <summary>
    /// The state as tensors, ready for <c>SafeTensors.Save</c>: "state.{i}.{buffer}" (views of the live buffers),
    /// "state.{i}.step", "param_groups.{g}.{option}" (0-d F64) and "param_groups.{g}.params" (I64 indices);
    /// i numbers parameters across groups in order. The caller disposes the returned tensors.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int index = 0;
        for (int g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            foreach (var (k, v) in group.Options) d[$"param_groups.{Str(g)}.{k}"] = Scalar(v);
            var ids = Enumerable.Range(index, group.Parameters.Count).Select(i => (long)i).ToArray();
            d[$"param_groups.{Str(g)}.params"] = Tensor.FromArray(ids);
            foreach (var p in group.Parameters)
            {
                if (_state.TryGetValue(p, out var s))
                {
                    if (TracksStep) d[$"state.{Str(index)}.step"] = Scalar(s.Step);
                    foreach (var (name, t) in s.Buffers) d[$"state.{Str(index)}.{name}"] = t.Detach();
                }
                index++;
            }
        }
        return d;
    }

    /// <summary>
    /// Restores what <see cref="StateDict"/> produced (possibly after a save/load round trip): group options and
    /// per-parameter state are copied (buffers converted to each parameter's dtype and device). The groups must
    /// have the same sizes as when the dict was made.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        string owner = Name;
        int savedGroups = state.Keys.Count(k => k.StartsWith("param_groups.", StringComparison.Ordinal) && k.EndsWith(".params", StringComparison.Ordinal));
        if (savedGroups != _groups.Count)
            throw new ModelFormatException($"{owner}.LoadStateDict: the dict has {savedGroups} parameter groups, this optimizer {_groups.Count}.");
        var all = _groups.SelectMany(g => g.Parameters).ToList();
        for (int g = 0; g < _groups.Count; g++)
        {
            var ids = state.TryGetValue($"param_groups.{Str(g)}.params", out var t) ? t.Numel : -1;
            if (ids != _groups[g].Parameters.Count)
                throw new ModelFormatException($"{owner}.LoadStateDict: group {g} has {ids} parameters in the dict and {_groups[g].Parameters.Count} here.");
        }
        foreach (var key in state.Keys.Where(k => k.StartsWith("state.", StringComparison.Ordinal)))
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || !int.TryParse(parts[1], out int i) || i < 0 || i >= all.Count)
                throw new ModelFormatException($"{owner}.LoadStateDict: key '{key}' does not name one of the {all.Count} parameters.");
            if (parts[2] != "step" && state[key].Shape != all[i].Shape)
                throw new ShapeMismatchException($"{owner}.LoadStateDict: '{key}' has shape {state[key].Shape}, its parameter {all[i].Shape}.");
        }

        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
        using var noGrad = Tensor.NoGrad();
        for (int g = 0; g < _groups.Count; g++)
        {
            string prefix = $"param_groups.{Str(g)}.";
            foreach (var (k, v) in state)
                if (k.StartsWith(prefix, StringComparison.Ordinal) && k != prefix + "params")
                    _groups[g][k[prefix.Length..]] = Read(state, k, owner);
        }
        for (int i = 0; i < all.Count; i++)
        {
            string prefix = $"state.{Str(i)}.";
            var keys = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (keys.Count == 0) continue;
            var ps = new ParameterState();
            _state[all[i]] = ps;
            var p = all[i].Data;
            foreach (var k in keys)
            {
                string name = k[prefix.Length..];
                if (name == "step") { ps.Step = ReadCount(state, k, owner); continue; }
                var src = state[k];
                using var conv = src.DType == p.DType ? src.Detach() : src.To(p.DType);
                var copy = conv.Device == p.Device ? conv.Clone() : conv.To(p.Device);
                ps.Set(name, copy);
            }
        }
    }

    /// <summary>Frees the optimizer state (parameters stay with their modules).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>Wraps a flat parameter list as one group.</summary>
    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [new ParamGroup(parameters)];
    }
}
