using System.Text.Json;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Models.Tests.Vision;

/// <summary>Tests that read the global memory pool's statistics run alone.</summary>
[CollectionDefinition("VisionPool", DisableParallelization = true)]
public sealed class VisionPoolCollection;

internal static class VisionRef
{
    /// <summary>tests/DeepSeek.Models.Tests/Reference, found by walking up from the test binaries (no copy step needed).</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "tests", "DeepSeek.Models.Tests", "Reference");
            if (Directory.Exists(candidate)) return candidate;
            var inProject = Path.Combine(d.FullName, "Reference");
            if (Directory.Exists(inProject) && File.Exists(Path.Combine(d.FullName, "DeepSeek.Models.Tests.csproj"))) return inProject;
        }
        throw new DirectoryNotFoundException($"Reference data folder not found above {AppContext.BaseDirectory}.");
    }

    public static string Dir(string name) => Path.Combine(Root, name);

    public static Dictionary<string, Tensor> Io(string name) => SafeTensors.Load(Path.Combine(Dir(name), "io.safetensors"));

    /// <summary>(name, shape) pairs in torchvision's state_dict order and its parameter count.</summary>
    public static (List<(string Name, long[] Shape)> Keys, long Count) Keys(JsonElement e) =>
        (e.GetProperty("keys").EnumerateArray().Select(k => (k[0].GetString()!, k[1].EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToList(),
         e.GetProperty("parameter_count").GetInt64());

    public static (List<(string Name, long[] Shape)> Keys, long Count) Keys(string name) =>
        Keys(JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir(name), "torchvision_keys.json"))).RootElement);

    public static (List<(string Name, long[] Shape)> Keys, long Count) MoreKeys(string name) =>
        Keys(JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir("vision_families"), "torchvision_keys_more.json"))).RootElement.GetProperty(name));

    /// <summary>State-dict names and shapes of a model, in order (buffers included, like torch's state_dict()).</summary>
    public static List<(string Name, long[] Shape)> StateKeys(NN.Module model)
    {
        var sd = model.StateDict();
        try { return sd.Select(kv => (kv.Key, kv.Value.Shape.ToArray().Select(d => (long)d).ToArray())).ToList(); }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    /// <summary>|a − e| ≤ atol + rtol·|e| elementwise with atol scaled to the reference's magnitude.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double rtol = 1e-4, double atolScale = 1e-4)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e32 = expected.To(DType.F64);
        using var a32 = actual.To(DType.F64);
        var e = e32.ToArray<double>();
        var a = a32.ToArray<double>();
        double scale = Math.Max(1e-30, e.Max(Math.Abs));
        for (int i = 0; i < e.Length; i++)
        {
            double tol = atolScale * scale + rtol * Math.Abs(e[i]);
            if (!(Math.Abs(a[i] - e[i]) <= tol))
                Assert.Fail($"element {i}: expected {e[i]}, got {a[i]} (|diff| {Math.Abs(a[i] - e[i]):E3} > {tol:E3}; max |ref| {scale:E3})");
        }
    }
}
