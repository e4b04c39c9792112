using System.Text.Json;

namespace DeepSeek.Models.Text;

/// <summary>
/// Reads Hugging Face config.json values with the library's defaults for absent keys; a key of the wrong JSON type is a
/// <see cref="ModelFormatException"/> naming the file and the key.
/// </summary>
internal sealed class HfConfigReader : IDisposable
{
    private readonly JsonDocument _doc;

    public HfConfigReader(string json, string source)
    {
        Source = source;
        try { _doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new ModelFormatException($"{source}: not valid JSON ({e.Message}).", e); }
        if (_doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{source}: expected a JSON object at the top level, got {_doc.RootElement.ValueKind}.");
    }

    /// <summary>File name (or other description) used in error messages.</summary>
    public string Source { get; }

    private bool TryGet(string key, out JsonElement e) =>
        _doc.RootElement.TryGetProperty(key, out e) && e.ValueKind != JsonValueKind.Null;

    public bool Has(string key) => TryGet(key, out _);

    public int Int(string key, int fallback) => IntOrNull(key) ?? fallback;

    public int? IntOrNull(string key)
    {
        if (!TryGet(key, out var e)) return null;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)) return v;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        throw Bad(key, e, "an integer");
    }

    public double Double(string key, double fallback)
    {
        if (!TryGet(key, out var e)) return fallback;
        if (e.ValueKind == JsonValueKind.Number) return e.GetDouble();
        throw Bad(key, e, "a number");
    }

    public string String(string key, string fallback)
    {
        if (!TryGet(key, out var e)) return fallback;
        if (e.ValueKind == JsonValueKind.String) return e.GetString()!;
        throw Bad(key, e, "a string");
    }

    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var e)) return fallback;
        if (e.ValueKind is JsonValueKind.True or JsonValueKind.False) return e.GetBoolean();
        throw Bad(key, e, "true or false");
    }

    private ModelFormatException Bad(string key, JsonElement e, string expected) =>
        new($"{Source}: key '{key}' must be {expected}, got {e.ValueKind} {e.GetRawText()}.");

    public void Dispose() => _doc.Dispose();
}
