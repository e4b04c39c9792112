namespace DeepSeek.Onnx.Tests;

/// <summary>Locates the ONNX backend node tests: repo root (folder with DeepSeek.slnx) / ../shared/onnx-node-tests/node.</summary>
internal static class NodeTestData
{
    public static readonly string? RepoRoot = FindRepoRoot();

    private static readonly string? Found = RepoRoot is null
        ? null
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "onnx-node-tests", "node")) is var d && Directory.Exists(d) ? d : null;

    /// <summary>
    /// The node-test folder. The suite ships beside every checkout (and CI's), so its absence is a failure, not a
    /// reason to skip: a missing folder would otherwise turn the conformance tests into tests that cannot fail.
    /// </summary>
    public static string NodeDir => Found ?? throw new DirectoryNotFoundException(
        $"ONNX node tests not found (looked for <repo root>/../shared/onnx-node-tests/node from repo root '{RepoRoot ?? "<not found>"}').");

    public static string Case(string name) => Path.Combine(NodeDir, name);

    private static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepSeek.slnx"))) return dir.FullName;
        return null;
    }
}

/// <summary>A fresh temporary directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "deepseek-onnx-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
