namespace DeepSeek.NN;

/// <summary>
/// Holds submodules in a list (torch.nn.ModuleList): registered as "0", "1", … so their parameters appear in the state
/// dict as "0.weight", …; it has no forward of its own — the owner iterates it.
/// </summary>
public sealed class ModuleList : Module, IReadOnlyList<Module>
{
    private readonly List<Module> _items = new();

    /// <summary>Creates the list.</summary>
    public ModuleList(params Module[] modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Appends a module; returns this.</summary>
    public ModuleList Add(Module module)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }

    /// <summary>Number of modules.</summary>
    public int Count => _items.Count;

    /// <summary>Module <paramref name="index"/> (negative counts from the end, as in Python).</summary>
    public Module this[int index]
    {
        get
        {
            int i = index < 0 ? index + _items.Count : index;
            if (i < 0 || i >= _items.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"ModuleList: index {index} is out of range for {_items.Count} modules.");
            return _items[i];
        }
    }

    /// <summary>Module <paramref name="index"/> cast to <typeparamref name="T"/>.</summary>
    public T Get<T>(int index) where T : Module => (T)this[index];

    /// <inheritdoc/>
    public IEnumerator<Module> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
