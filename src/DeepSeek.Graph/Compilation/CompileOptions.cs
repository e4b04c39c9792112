namespace DeepSeek.Graph.Compilation;

/// <summary>
/// How much <see cref="PassManager"/> and the compiler do. Level 0 runs the graph as traced (no rewrites, still
/// planned); 1 adds the clean-ups (dead code, constant folding, common subexpressions); 2 adds the algebraic
/// folds and fusions (BatchNorm folding, Conv/GEMM epilogues, transformer patterns); 3 (default) adds elementwise
/// chain fusion and layout choices. Any single pass can be turned off by name to bisect a regression.
/// </summary>
public sealed record CompileOptions
{
    /// <summary>0 = none … 3 = all (default).</summary>
    public int OptimizationLevel { get; init; } = 3;

    /// <summary>Names of passes not to run (see <see cref="PassManager.AllPasses"/>).</summary>
    public IReadOnlySet<string> DisabledPasses { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Plan intermediates into one reused arena and run with the static executor (default on).</summary>
    public bool PlanMemory { get; init; } = true;

    /// <summary>How many specialised variants (input shapes × guard outcomes) to keep before falling back to eager, like torch.compile's cache limit.</summary>
    public int MaxVariants { get; init; } = 8;

    /// <summary>Level 0: run the traced graph unchanged.</summary>
    public static CompileOptions None => new() { OptimizationLevel = 0 };

    /// <summary>A copy with the named pass(es) disabled.</summary>
    public CompileOptions Without(params string[] passes)
    {
        var set = new HashSet<string>(DisabledPasses, StringComparer.Ordinal);
        foreach (var p in passes) set.Add(p);
        return this with { DisabledPasses = set };
    }

    /// <summary>True when <paramref name="pass"/> runs under these options.</summary>
    public bool Runs(IGraphPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        return pass.Level <= OptimizationLevel && !DisabledPasses.Contains(pass.Name);
    }
}
