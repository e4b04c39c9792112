namespace DeepSeek.NN.Optim;

/// <summary>
/// A set of parameters optimized with their own hyperparameters, like an entry of PyTorch's
/// <c>optimizer.param_groups</c>: options given here override the optimizer's defaults, the rest are filled in
/// from them when the group is added (<c>new ParamGroup(model.Head.Parameters(), lr: 1e-2)</c>).
/// Options are numbers by their PyTorch names ("lr", "weight_decay", "momentum", "beta1"…; flags are 0 or 1).
/// </summary>
public sealed class ParamGroup
{
    private readonly List<Parameter> _parameters;
    private readonly Dictionary<string, double> _options = new(StringComparer.Ordinal);

    /// <summary>Creates a group; <paramref name="lr"/> and <paramref name="weightDecay"/> override the optimizer's defaults when given.</summary>
    public ParamGroup(IEnumerable<Parameter> parameters, double? lr = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToList();
        if (_parameters.Any(p => p is null)) throw new ArgumentException("ParamGroup: the parameter list contains null.");
        if (lr is { } l) _options["lr"] = l;
        if (weightDecay is { } wd) _options["weight_decay"] = wd;
    }

    /// <summary>The parameters, in order (their positions across groups number the optimizer's state).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Every option of this group by name.</summary>
    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>Reads or sets an option; reading an unknown one throws naming the known ones.</summary>
    public double this[string option]
    {
        get => _options.TryGetValue(option, out var v) ? v
            : throw new KeyNotFoundException($"ParamGroup: no option '{option}'; the group has [{string.Join(", ", _options.Keys)}].");
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(option);
            if (double.IsNaN(value)) throw new ArgumentException($"ParamGroup: option '{option}' cannot be NaN.");
            _options[option] = value;
        }
    }

    /// <summary>True when the group has <paramref name="option"/>.</summary>
    public bool Has(string option) => _options.ContainsKey(option);

    /// <summary>Learning rate ("lr"); schedulers write this.</summary>
    public double Lr
    {
        get => this["lr"];
        set => this["lr"] = value;
    }

    /// <summary>Weight decay ("weight_decay").</summary>
    public double WeightDecay
    {
        get => this["weight_decay"];
        set => this["weight_decay"] = value;
    }

    /// <summary>Sets <paramref name="option"/> unless the group already has it (PyTorch's <c>setdefault</c>); returns its value.</summary>
    public double SetDefault(string option, double value)
    {
        if (_options.TryGetValue(option, out var v)) return v;
        this[option] = value;
        return value;
    }

    internal bool Flag(string option) => this[option] != 0;
}
