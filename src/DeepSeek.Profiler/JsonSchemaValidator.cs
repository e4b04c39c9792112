// A validator for the subset of JSON Schema draft 2020-12 (https://json-schema.org/draft/2020-12) that
// docs/profile.schema.json uses: type, const, enum, required, properties, additionalProperties, items, minimum,
// maximum, minLength and local $ref into $defs. Any other keyword is rejected, so the schema cannot silently outgrow it.
using System.Reflection;
using System.Text.Json;

namespace DeepSeek.Profiler;

/// <summary>Checks JSON documents against a JSON Schema (the subset described above).</summary>
public sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal) { "$schema", "$id", "title", "description", "$defs" };
    private readonly JsonElement _root;

    /// <summary>Creates a validator for the schema document <paramref name="schema"/>.</summary>
    public JsonSchemaValidator(JsonDocument schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _root = schema.RootElement.Clone();
    }

    /// <summary>The profile.json schema shipped with this assembly (a copy of docs/profile.schema.json).</summary>
    public static JsonSchemaValidator ProfileSchema()
    {
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("profile.schema.json")
            ?? throw new InvalidOperationException("JsonSchemaValidator: the embedded profile.schema.json is missing.");
        using var doc = JsonDocument.Parse(s);
        return new JsonSchemaValidator(doc);
    }

    /// <summary>Every violation as "path: problem"; empty when <paramref name="instance"/> is valid.</summary>
    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement x, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True) return;
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed");
            return;
        }
        foreach (var kw in schema.EnumerateObject())
        {
            var v = kw.Value;
            switch (kw.Name)
            {
                case "$ref": Check(Resolve(v.GetString()!), x, path, errors); break;
                case "type":
                    var types = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(t => t.GetString()!).ToArray() : [v.GetString()!];
                    if (!types.Any(t => IsType(x, t))) errors.Add($"{path}: expected {string.Join(" or ", types)}, got {x.ValueKind}");
                    break;
                case "const":
                    if (!JsonElement.DeepEquals(v, x)) errors.Add($"{path}: expected {v.GetRawText()}, got {x.GetRawText()}");
                    break;
                case "enum":
                    if (!v.EnumerateArray().Any(e => JsonElement.DeepEquals(e, x))) errors.Add($"{path}: {x.GetRawText()} is not one of {v.GetRawText()}");
                    break;
                case "required":
                    if (x.ValueKind == JsonValueKind.Object)
                        foreach (var r in v.EnumerateArray())
                            if (!x.TryGetProperty(r.GetString()!, out _)) errors.Add($"{path}: missing property '{r.GetString()}'");
                    break;
                case "properties":
                    if (x.ValueKind == JsonValueKind.Object)
                        foreach (var p in v.EnumerateObject())
                            if (x.TryGetProperty(p.Name, out var child)) Check(p.Value, child, $"{path}.{p.Name}", errors);
                    break;
                case "additionalProperties":
                    if (x.ValueKind != JsonValueKind.Object) break;
                    bool hasProps = schema.TryGetProperty("properties", out var props);
                    foreach (var p in x.EnumerateObject())
                        if (!hasProps || !props.TryGetProperty(p.Name, out _)) Check(v, p.Value, $"{path}.{p.Name}", errors);
                    break;
                case "items":
                    if (x.ValueKind != JsonValueKind.Array) break;
                    int i = 0;
                    foreach (var item in x.EnumerateArray()) Check(v, item, $"{path}[{i++}]", errors);
                    break;
                case "minimum":
                    if (x.ValueKind == JsonValueKind.Number && x.GetDouble() < v.GetDouble()) errors.Add($"{path}: {x.GetRawText()} < minimum {v.GetRawText()}");
                    break;
                case "maximum":
                    if (x.ValueKind == JsonValueKind.Number && x.GetDouble() > v.GetDouble()) errors.Add($"{path}: {x.GetRawText()} > maximum {v.GetRawText()}");
                    break;
                case "minLength":
                    if (x.ValueKind == JsonValueKind.String && x.GetString()!.Length < v.GetInt32()) errors.Add($"{path}: string shorter than {v.GetInt32()}");
                    break;
                default:
                    if (!s_annotations.Contains(kw.Name)) throw new NotSupportedException($"JsonSchemaValidator: keyword '{kw.Name}' at {path} is not supported.");
                    break;
            }
        }
    }

    private static bool IsType(JsonElement x, string type) => type switch
    {
        "object" => x.ValueKind == JsonValueKind.Object,
        "array" => x.ValueKind == JsonValueKind.Array,
        "string" => x.ValueKind == JsonValueKind.String,
        "number" => x.ValueKind == JsonValueKind.Number,
        "integer" => x.ValueKind == JsonValueKind.Number && x.TryGetDouble(out var d) && Math.Floor(d) == d,
        "boolean" => x.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => x.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"JsonSchemaValidator: type '{type}' is not a JSON Schema type."),
    };

    private JsonElement Resolve(string reference)
    {
        const string prefix = "#/$defs/";
        if (!reference.StartsWith(prefix, StringComparison.Ordinal))
            throw new NotSupportedException($"JsonSchemaValidator: only local '#/$defs/...' references are supported, got '{reference}'.");
        if (!_root.TryGetProperty("$defs", out var defs) || !defs.TryGetProperty(reference[prefix.Length..], out var target))
            throw new InvalidOperationException($"JsonSchemaValidator: '$ref' {reference} does not resolve.");
        return target;
    }
}
