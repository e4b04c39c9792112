namespace DeepSeek.NN;

/// <summary>Runs tensor modules one after another; children are named "0", "1", ….</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = new();

    /// <summary>Creates the chain.</summary>
    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer; returns this.</summary>
    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>Layer <paramref name="index"/>.</summary>
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <inheritdoc/>
    protected override Tensor OnForward(Tensor input)
    {
        var x = input;
        foreach (var l in _layers) x = l.Forward(x);
        return x;
    }
}
