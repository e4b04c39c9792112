using System.Globalization;
using System.Text.Json;

namespace DeepSeek.Models.Vision;

/// <summary>
/// The configuration of a vision zoo model, read from and written to <c>config.json</c> beside
/// <c>model.safetensors</c>. The schema is ours and minimal (torchvision has no config file):
/// <code>
/// {
///   "architecture": "resnet18",     // required: resnet18|34|50|101|152, vgg11|13|16|19[_bn], mobilenet_v3_small|large
///   "num_classes": 1000,            // classifier outputs
///   "base_channels": 64,            // ResNet: stage-1 planes (64); VGG: first conv width (64), the cfg scales with it
///   "layers": [2, 2, 2, 2],         // ResNet: blocks per stage (default: the architecture's)
///   "groups": 1, "width_per_group": 64,           // ResNet (ResNeXt/wide options, Bottleneck only)
///   "replace_stride_with_dilation": [false, false, false],  // ResNet stages 2–4
///   "zero_init_residual": false,    // ResNet init only
///   "hidden_features": 4096,        // VGG classifier width
///   "dropout": 0.5,                 // VGG (0.5) and MobileNetV3 (0.2) classifier dropout
///   "width_mult": 1.0, "reduced_tail": false, "dilated": false   // MobileNetV3
/// }
/// </code>
/// Every key but "architecture" is optional; keys starting with "_" are ignored (comments, tool tags) and any other
/// unknown key is an error, so a typo is never silently dropped.
/// </summary>
public sealed record VisionConfig
{
    /// <summary>Architecture name, e.g. "resnet50" (lower case, as torchvision's builders).</summary>
    public string Architecture { get; init; } = "";
    /// <summary>Number of classifier outputs.</summary>
    public int NumClasses { get; init; } = 1000;
    /// <summary>ResNet stage-1 planes / VGG first-conv width (64 in torchvision); smaller values give tiny test models.</summary>
    public int BaseChannels { get; init; } = 64;
    /// <summary>ResNet blocks per stage; null means the architecture's own.</summary>
    public int[]? Layers { get; init; }
    /// <summary>ResNet grouped-convolution groups (Bottleneck only).</summary>
    public int Groups { get; init; } = 1;
    /// <summary>ResNet width per group (Bottleneck only; 64 is the plain ResNet).</summary>
    public int WidthPerGroup { get; init; } = 64;
    /// <summary>ResNet: replace the stride of stages 2–4 by dilation (three flags); null means none.</summary>
    public bool[]? ReplaceStrideWithDilation { get; init; }
    /// <summary>ResNet init: zero the last BN weight of every residual branch.</summary>
    public bool ZeroInitResidual { get; init; }
    /// <summary>VGG classifier hidden width.</summary>
    public int HiddenFeatures { get; init; } = 4096;
    /// <summary>Classifier dropout; null means the architecture's default (VGG 0.5, MobileNetV3 0.2).</summary>
    public double? Dropout { get; init; }
    /// <summary>MobileNetV3 channel multiplier.</summary>
    public double WidthMult { get; init; } = 1.0;
    /// <summary>MobileNetV3: halve the channels of the last stage.</summary>
    public bool ReducedTail { get; init; }
    /// <summary>MobileNetV3: dilate the last stage instead of striding.</summary>
    public bool Dilated { get; init; }

    /// <summary>The model family of <see cref="Architecture"/>.</summary>
    public VisionFamily Family => FamilyOf(Architecture)
        ?? throw new ModelFormatException($"VisionConfig: unknown architecture '{Architecture}'; known: {string.Join(", ", KnownArchitectures)}.");

    /// <summary>Every architecture name the vision zoo builds.</summary>
    public static IReadOnlyList<string> KnownArchitectures { get; } =
    [
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
        "mobilenet_v3_small", "mobilenet_v3_large",
    ];

    internal static VisionFamily? FamilyOf(string architecture) =>
        !KnownArchitectures.Contains(architecture) ? null
        : architecture.StartsWith("resnet", StringComparison.Ordinal) ? VisionFamily.ResNet
        : architecture.StartsWith("vgg", StringComparison.Ordinal) ? VisionFamily.Vgg
        : VisionFamily.MobileNetV3;

    /// <summary>Checks every value; throws <see cref="ModelFormatException"/> naming the key, the value and what was expected.</summary>
    public void Validate(string source = "VisionConfig")
    {
        if (FamilyOf(Architecture) is null)
            throw new ModelFormatException($"{source}: unknown architecture '{Architecture}'; known: {string.Join(", ", KnownArchitectures)}.");
        if (NumClasses < 1) throw Bad(source, "num_classes", NumClasses, "a positive integer");
        if (BaseChannels < 1) throw Bad(source, "base_channels", BaseChannels, "a positive integer");
        if (Layers is not null && (Layers.Length != 4 || Layers.Any(n => n < 1)))
            throw Bad(source, "layers", "[" + string.Join(", ", Layers) + "]", "four positive block counts");
        if (Groups < 1) throw Bad(source, "groups", Groups, "a positive integer");
        if (WidthPerGroup < 1) throw Bad(source, "width_per_group", WidthPerGroup, "a positive integer");
        if (ReplaceStrideWithDilation is not null && ReplaceStrideWithDilation.Length != 3)
            throw Bad(source, "replace_stride_with_dilation", ReplaceStrideWithDilation.Length + " flags", "three flags (stages 2–4)");
        if (HiddenFeatures < 1) throw Bad(source, "hidden_features", HiddenFeatures, "a positive integer");
        if (Dropout is double p && !(p >= 0 && p <= 1)) throw Bad(source, "dropout", p, "a probability in [0, 1]");
        if (!(WidthMult > 0) || double.IsInfinity(WidthMult)) throw Bad(source, "width_mult", WidthMult, "a positive finite number");
    }

    private static ModelFormatException Bad(string source, string key, object value, string expected) =>
        new($"{source}: \"{key}\" is {Convert.ToString(value, CultureInfo.InvariantCulture)}, expected {expected}.");

    /// <summary>Reads and validates a config file.</summary>
    public static VisionConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"VisionConfig: no config file at '{path}'.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates config JSON; <paramref name="source"/> names it in errors.</summary>
    public static VisionConfig Parse(string json, string source = "config.json")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ModelFormatException($"{source}: not valid JSON ({e.Message}).", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{source}: expected a JSON object, got {root.ValueKind}.");
            var c = new VisionConfig();
            bool sawArchitecture = false;
            foreach (var p in root.EnumerateObject())
            {
                var v = p.Value;
                switch (p.Name)
                {
                    case "architecture": c = c with { Architecture = Str(source, p) }; sawArchitecture = true; break;
                    case "num_classes": c = c with { NumClasses = Int(source, p) }; break;
                    case "base_channels": c = c with { BaseChannels = Int(source, p) }; break;
                    case "layers": c = c with { Layers = Array(source, p, e => Int(source, p, e)) }; break;
                    case "groups": c = c with { Groups = Int(source, p) }; break;
                    case "width_per_group": c = c with { WidthPerGroup = Int(source, p) }; break;
                    case "replace_stride_with_dilation": c = c with { ReplaceStrideWithDilation = Array(source, p, e => Bool(source, p, e)) }; break;
                    case "zero_init_residual": c = c with { ZeroInitResidual = Bool(source, p, v) }; break;
                    case "hidden_features": c = c with { HiddenFeatures = Int(source, p) }; break;
                    case "dropout": c = c with { Dropout = v.ValueKind == JsonValueKind.Null ? null : Num(source, p) }; break;
                    case "width_mult": c = c with { WidthMult = Num(source, p) }; break;
                    case "reduced_tail": c = c with { ReducedTail = Bool(source, p, v) }; break;
                    case "dilated": c = c with { Dilated = Bool(source, p, v) }; break;
                    default:
                        if (!p.Name.StartsWith('_'))
                            throw new ModelFormatException($"{source}: unknown key \"{p.Name}\"; known keys: architecture, num_classes, base_channels, layers, groups, " +
                                "width_per_group, replace_stride_with_dilation, zero_init_residual, hidden_features, dropout, width_mult, reduced_tail, dilated.");
                        break;
                }
            }
            if (!sawArchitecture) throw new ModelFormatException($"{source}: missing \"architecture\" (one of {string.Join(", ", KnownArchitectures)}).");
            c.Validate(source);
            return c;
        }
    }

    /// <summary>This config as indented JSON (only the keys that differ from the defaults, plus architecture and num_classes).</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            var d = new VisionConfig();
            w.WriteStartObject();
            w.WriteString("architecture", Architecture);
            w.WriteNumber("num_classes", NumClasses);
            if (BaseChannels != d.BaseChannels) w.WriteNumber("base_channels", BaseChannels);
            if (Layers is not null) { w.WriteStartArray("layers"); foreach (var n in Layers) w.WriteNumberValue(n); w.WriteEndArray(); }
            if (Groups != d.Groups) w.WriteNumber("groups", Groups);
            if (WidthPerGroup != d.WidthPerGroup) w.WriteNumber("width_per_group", WidthPerGroup);
            if (ReplaceStrideWithDilation is not null)
            {
                w.WriteStartArray("replace_stride_with_dilation");
                foreach (var b in ReplaceStrideWithDilation) w.WriteBooleanValue(b);
                w.WriteEndArray();
            }
            if (ZeroInitResidual) w.WriteBoolean("zero_init_residual", true);
            if (HiddenFeatures != d.HiddenFeatures) w.WriteNumber("hidden_features", HiddenFeatures);
            if (Dropout is double p) w.WriteNumber("dropout", p);
            if (WidthMult != d.WidthMult) w.WriteNumber("width_mult", WidthMult);
            if (ReducedTail) w.WriteBoolean("reduced_tail", true);
            if (Dilated) w.WriteBoolean("dilated", true);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static string Str(string source, JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Type(source, p.Name, p.Value, "a string");

    private static int Int(string source, JsonProperty p) => Int(source, p, p.Value);

    private static int Int(string source, JsonProperty p, JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw Type(source, p.Name, v, "an integer");

    private static double Num(string source, JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : throw Type(source, p.Name, p.Value, "a number");

    private static bool Bool(string source, JsonProperty p, JsonElement v) =>
        v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Type(source, p.Name, v, "true or false");

    private static T[] Array<T>(string source, JsonProperty p, Func<JsonElement, T> item) =>
        p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(item).ToArray() : throw Type(source, p.Name, p.Value, "an array");

    private static ModelFormatException Type(string source, string key, JsonElement v, string expected) =>
        new($"{source}: \"{key}\" is {v.GetRawText()}, expected {expected}.");
}

/// <summary>The vision model families of the zoo.</summary>
public enum VisionFamily
{
    /// <summary>ResNet (He et al. 2015): BasicBlock/Bottleneck stages.</summary>
    ResNet,
    /// <summary>VGG (Simonyan and Zisserman 2014): 3×3 conv stacks and a 3-layer classifier.</summary>
    Vgg,
    /// <summary>MobileNetV3 (Howard et al. 2019): inverted residuals with squeeze-excitation and hard-swish.</summary>
    MobileNetV3,
}
