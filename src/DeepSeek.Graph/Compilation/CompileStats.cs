namespace DeepSeek.Graph.Compilation;

/// <summary>What a <see cref="CompiledFunction"/> has done so far (a snapshot).</summary>
/// <param name="Calls">Calls of <see cref="CompiledFunction.Run"/> (Warmup included).</param>
/// <param name="Traces">Variants traced and built (first call of a signature, or a call no variant's guards matched).</param>
/// <param name="Hits">Calls served by an already built variant.</param>
/// <param name="GuardFailures">Variants tried whose value guards did not hold (a call may count several).</param>
/// <param name="EagerFallbacks">Calls run eagerly because <see cref="CompileOptions.MaxVariants"/> variants of their signature already existed.</param>
/// <param name="Variants">Variants currently cached.</param>
public readonly record struct CompileStats(long Calls, long Traces, long Hits, long GuardFailures, long EagerFallbacks, int Variants);
