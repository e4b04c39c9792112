// The immutable result of planning: what each value is (and where it lives) and what each node does at run time.
// Shared read-only by every concurrent run; per-run state lives in PlanInstance.
using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Execution;

/// <summary>Where a value's tensor comes from during a planned run.</summary>
internal enum ValueKind
{
    /// <summary>Not produced (an optional output left out) or never needed.</summary>
    Absent,
    /// <summary>A graph input, borrowed from the caller.</summary>
    Input,
    /// <summary>A graph constant or a value folded at plan time (owned by the plan).</summary>
    Constant,
    /// <summary>Written by a static kernel into the arena at a planned offset.</summary>
    Planned,
    /// <summary>Written by a static kernel into its own pooled tensor, because it (or a view of it) is a graph output.</summary>
    OutputOwned,
    /// <summary>Produced by an interpreter kernel; pooled, freed after its last reader.</summary>
    Fallback,
    /// <summary>A reshaped view of another value (Reshape, Flatten, Squeeze, Unsqueeze, Identity).</summary>
    Alias,
}

/// <summary>What a node does at run time.</summary>
internal enum StepKind
{
    /// <summary>A prepared <see cref="IStaticKernel"/> writes its outputs.</summary>
    Static,
    /// <summary>The interpreter kernel runs and its outputs come from the pool.</summary>
    Fallback,
    /// <summary>A view of a per-run tensor is made (aliases of arena values are made once per instance instead).</summary>
    Alias,
}

/// <summary>One scheduled node.</summary>
internal sealed class PlanStep
{
    public required Node Node { get; init; }
    public required StepKind Kind { get; init; }
    public required long Opset { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }
    public int[] OuterReads { get; init; } = [];
    public IStaticKernel? Kernel { get; init; }
    public IOpKernel? Fallback { get; init; }

    /// <summary>Fallback outputs that static kernels read: their shapes must stay as recorded.</summary>
    public bool CheckShapes { get; init; }

    /// <summary>Per-run values whose last reader is this step (freed after it).</summary>
    public int[] Release { get; init; } = [];

    /// <summary>Estimated FLOPs of one run of the step (<see cref="OpCost"/>; 0 when unknown), reported to the backend's run scope.</summary>
    public long Flops { get; init; }
}

/// <summary>A whole plan's layout.</summary>
internal sealed class PlanLayout
{
    public required GraphIndex Index { get; init; }
    public required ValueKind[] Kinds { get; init; }
    public required TensorMeta?[] Metas { get; init; }

    /// <summary>For aliases the value they view (transitively); the value itself otherwise.</summary>
    public required int[] Root { get; init; }

    /// <summary>Arena offset of planned values and of aliases of planned values.</summary>
    public required long[] Offsets { get; init; }

    /// <summary>Data of constant values (graph constants are borrowed from the graph, folded ones owned by the plan).</summary>
    public required Tensor?[] Constants { get; init; }

    /// <summary>True for constants folded at plan time (the plan owns and frees them).</summary>
    public required bool[] Folded { get; init; }

    public required PlanStep[] Steps { get; init; }

    public required MemoryPlan Memory { get; init; }

    public required Interpreter Interpreter { get; init; }
}
