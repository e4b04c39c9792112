namespace DeepSeek.Onnx.Tests;

/// <summary>Locates the ONNX backend node tests: repo root (folder with DeepSeek.slnx) / ../shared/onnx-node-tests/node.</summary>
internal static class NodeTestData
{
    public static readonly string? RepoRoot = FindRepoRoot();

    public static readonly string? NodeDir = RepoRoot is null
        ? null
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "onnx-node-tests", "node")) is var d && Directory.Exists(d) ? d : null;

    public static string SkipReason =>
        $"ONNX node tests not found (looked for <repo root>/../shared/onnx-node-tests/node from repo root '{RepoRoot ?? "<not found>"}').";

    public static string Case(string name) => Path.Combine(NodeDir!, name);

    private static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepSeek.slnx"))) return dir.FullName;
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the node test folder is absent.</summary>
public sealed class NodeTestsFactAttribute : FactAttribute
{
    public NodeTestsFactAttribute()
    {
        if (NodeTestData.NodeDir is null) Skip = NodeTestData.SkipReason;
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

/// <summary>A theory that is skipped, with the reason, when the node test folder is absent.</summary>
public sealed class NodeTestsTheoryAttribute : TheoryAttribute
{
    public NodeTestsTheoryAttribute()
    {
        if (NodeTestData.NodeDir is null) Skip = NodeTestData.SkipReason;
    }
}
