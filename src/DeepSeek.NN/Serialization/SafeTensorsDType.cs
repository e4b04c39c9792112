namespace DeepSeek.NN.Serialization;

/// <summary>Mapping between safetensors dtype strings ("F32", "BF16", ...) and <see cref="DType"/>.</summary>
public static class SafeTensorsDType
{
    private static readonly (string Name, DType DType)[] Map =
    [
        ("F64", DType.F64), ("F32", DType.F32), ("F16", DType.F16), ("BF16", DType.BF16),
        ("I64", DType.I64), ("I32", DType.I32), ("I16", DType.I16), ("I8", DType.I8),
        ("U8", DType.U8), ("BOOL", DType.Bool),
    ];

    // Dtypes the format defines but DeepSeek tensors cannot hold; named so the error can say so.
    private static readonly string[] KnownUnsupported =
        ["F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "U16", "U32", "U64", "C64"];

    /// <summary>The safetensors spelling of <paramref name="dtype"/>.</summary>
    public static string ToName(DType dtype)
    {
        foreach (var (name, d) in Map) if (d == dtype) return name;
        throw new DTypeMismatchException($"safetensors: dtype {dtype.Name()} has no safetensors name.");
    }

    /// <summary>The dtype for a safetensors dtype string, or false when DeepSeek cannot hold it.</summary>
    public static bool TryParse(string name, out DType dtype)
    {
        foreach (var (n, d) in Map)
            if (n == name) { dtype = d; return true; }
        dtype = default;
        return false;
    }

    /// <summary>Text for an error about an unusable dtype string: says whether the format knows it and what is supported.</summary>
    internal static string Explain(string name) =>
        (Array.IndexOf(KnownUnsupported, name) >= 0
            ? $"dtype \"{name}\" is valid safetensors but DeepSeek tensors cannot hold it"
            : $"dtype \"{name}\" is not a safetensors dtype")
        + $" (supported: {string.Join(", ", Map.Select(m => m.Name))})";
}
