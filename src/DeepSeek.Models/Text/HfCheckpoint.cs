using DeepSeek.NN;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Models.Text;

/// <summary>
/// Loads a Hugging Face folder's model.safetensors into a module: maps checkpoint names onto the module's state-dict
/// names, ignores what the rules allow, fails on anything else missing, then copies with shape checks.
/// </summary>
internal static class HfCheckpoint
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "config.json";

    public static string ConfigPath(string directory, string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{model}.FromPretrained: directory '{directory}' does not exist.");
        var path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{model}.FromPretrained: '{directory}' has no {ConfigFile}.", path);
        return path;
    }

    /// <summary>
    /// Loads the weights of <paramref name="directory"/> into <paramref name="module"/>. <paramref name="map"/> turns a
    /// checkpoint key into a module key (null: ignore it); model keys accepted by <paramref name="mayBeMissing"/> keep their
    /// initial values when absent, every other absent key is a <see cref="ModelFormatException"/>.
    /// </summary>
    public static PretrainedLoadInfo Load(Module module, string directory, string model, string prefix,
        Func<string, string?> map, Func<string, bool> mayBeMissing)
    {
        var path = Path.Combine(directory, WeightsFile);
        if (!File.Exists(path))
        {
            if (Directory.EnumerateFiles(directory, "model-*.safetensors").Any() || File.Exists(Path.Combine(directory, "model.safetensors.index.json")))
                throw new ModelFormatException($"{model}.FromPretrained: '{directory}' holds a sharded checkpoint; only a single {WeightsFile} is supported.");
            throw new FileNotFoundException($"{model}.FromPretrained: '{directory}' has no {WeightsFile}.", path);
        }
        var targets = module.StateDict();
        var state = new Dictionary<string, Tensor>();
        try
        {
            using var file = SafeTensorsFile.Open(path);
            var ignored = new List<string>();
            var sources = new Dictionary<string, string>();
            foreach (var name in file.Names)
            {
                var key = map(name);
                if (key is null || !targets.ContainsKey(key)) { ignored.Add(name); continue; }
                if (sources.TryGetValue(key, out var other))
                    throw new ModelFormatException($"{model}.FromPretrained: {path} has both '{other}' and '{name}' for parameter '{key}'.");
                sources[key] = name;
            }
            var missing = targets.Keys.Where(k => !sources.ContainsKey(k)).ToList();
            var fatal = missing.Where(k => !mayBeMissing(k)).ToList();
            if (fatal.Count > 0)
                throw new ModelFormatException($"{model}.FromPretrained: {path} lacks {fatal.Count} parameter(s) the model needs: " +
                    $"[{string.Join(", ", fatal.Take(20))}{(fatal.Count > 20 ? ", …" : "")}]" +
                    (prefix.Length > 0 ? $" (after stripping the prefix '{prefix}')." : "."));
            foreach (var (key, name) in sources) state[key] = file.Load(name);
            module.LoadStateDict(state, strict: false);
            return new PretrainedLoadInfo(prefix, ignored, missing);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
            foreach (var t in targets.Values) t.Dispose();
        }
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (the module's state dict, transformers layout) into <paramref name="directory"/>.</summary>
    public static void Save(NN.Module model, string directory, string configJson)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ConfigFile), configJson);
        var sd = model.StateDict();
        try { NN.Serialization.SafeTensors.Save(Path.Combine(directory, WeightsFile), sd, new Dictionary<string, string> { ["format"] = "pt" }); }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }
}
