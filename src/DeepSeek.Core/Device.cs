namespace DeepSeek;

/// <summary>Kind of device a tensor lives on.</summary>
public enum DeviceType
{
    /// <summary>Host memory, CPU kernels.</summary>
    Cpu,
    /// <summary>NVIDIA GPU (backend arrives with DeepSeek.Cuda).</summary>
    Cuda,
}

/// <summary>A device: type plus ordinal. Chosen at run time, never by generic parameters.</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The host CPU.</summary>
    public static Device Cpu { get; } = new(DeviceType.Cpu, 0);

    /// <summary>CUDA device number <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    /// <summary>Parses "cpu", "cuda", "cuda:1".</summary>
    public static Device Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var t = s.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda") return Cuda(0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out var i) && i >= 0) return Cuda(i);
        throw new ArgumentException($"Unknown device '{s}': expected 'cpu', 'cuda' or 'cuda:N'.", nameof(s));
    }

    /// <inheritdoc/>
    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
