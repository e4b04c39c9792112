// The planner's vocabulary: a planned value is a byte size plus the closed interval of schedule steps during which
// its bytes must stay intact (from the node that writes it to the last node that reads it); an in-place candidate
// says a node's output may reuse the buffer of one of its inputs.
namespace DeepSeek.Graph.Compilation;

/// <summary>One intermediate the planner places in the arena.</summary>
/// <param name="Name">The value's name (for messages and reports).</param>
/// <param name="Bytes">Bytes the value occupies (contiguous).</param>
/// <param name="Definition">Schedule step (node index) that writes the value.</param>
/// <param name="LastUse">Last step that reads it (aliases already merged in); equals <paramref name="Definition"/> when nothing reads it.</param>
public readonly record struct PlannerValue(string Name, long Bytes, int Definition, int LastUse);

/// <summary>
/// Value <paramref name="Value"/> (output 0 of its node) may be written over the buffer of <paramref name="Input"/>
/// (indices into the planner's value list). The planner takes it only when the input's buffer dies at the value's
/// definition step and the sizes match.
/// </summary>
/// <param name="Value">Index of the output value.</param>
/// <param name="Input">Index of the input value whose buffer it may take.</param>
public readonly record struct InPlaceCandidate(int Value, int Input);

/// <summary>Where each planned value lives in the arena, and what the plan saves.</summary>
public sealed class MemoryPlan
{
    internal MemoryPlan(long[] offsets, int[] bufferOf, long arenaBytes, long naiveBytes, long peakLiveBytes, int inPlaceReuses)
    {
        Offsets = offsets;
        BufferOf = bufferOf;
        ArenaBytes = arenaBytes;
        NaiveBytes = naiveBytes;
        PeakLiveBytes = peakLiveBytes;
        InPlaceReuses = inPlaceReuses;
    }

    /// <summary>Byte offset of each value (same order as the planner's input), a multiple of <see cref="MemoryPlanner.Alignment"/>.</summary>
    public IReadOnlyList<long> Offsets { get; }

    /// <summary>For each value, the index of the value whose buffer it occupies (itself unless it was placed in place).</summary>
    public IReadOnlyList<int> BufferOf { get; }

    /// <summary>Size of the arena: the end of the highest placed buffer.</summary>
    public long ArenaBytes { get; }

    /// <summary>What one allocation per value would need: the sum of all value sizes.</summary>
    public long NaiveBytes { get; }

    /// <summary>The most bytes live at any one step (after in-place merging): no placement can use less.</summary>
    public long PeakLiveBytes { get; }

    /// <summary>How many in-place candidates were taken.</summary>
    public int InPlaceReuses { get; }
}
