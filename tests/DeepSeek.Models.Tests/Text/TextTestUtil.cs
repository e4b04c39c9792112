using System.Runtime.CompilerServices;
using System.Text.Json;
using DeepSeek.NN.Serialization;

namespace DeepSeek.Models.Tests.Text;

internal static class TextTestUtil
{
    /// <summary>tests/DeepSeek.Models.Tests/Reference/&lt;name&gt; in the source tree.</summary>
    public static string Reference(string name, [CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "Reference", name));

    public static Dictionary<string, Tensor> LoadIo(string name) => SafeTensors.Load(Path.Combine(Reference(name), "io.safetensors"));

    public static void DisposeAll(Dictionary<string, Tensor> d)
    {
        foreach (var t in d.Values) t.Dispose();
    }

    public static List<string> Keys(string name, string list)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Reference(name), "keys.json")));
        return doc.RootElement.GetProperty(list).EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    public static long ParamCount(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Reference(name), "keys.json")));
        return doc.RootElement.GetProperty("param_count").GetInt64();
    }

    /// <summary>Max |a − b| ≤ atol + rtol·|b| elementwise, with the worst index in the message.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double atol = 1e-4, double rtol = 1e-4)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e32 = expected.To(DType.F32);
        using var a32 = actual.To(DType.F32);
        var e = e32.Contiguous().ToArray<float>();
        var a = a32.Contiguous().ToArray<float>();
        for (int i = 0; i < e.Length; i++)
        {
            double diff = Math.Abs((double)e[i] - a[i]);
            if (!(diff <= atol + rtol * Math.Abs(e[i])))
                Assert.Fail($"element {i}: expected {e[i]}, got {a[i]} (|diff| {diff:g3}) of shape {expected.Shape}");
        }
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "ds-text-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
