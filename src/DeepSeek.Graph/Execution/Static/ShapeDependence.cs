// Which ONNX ops have output shapes that depend on input *values* (ONNX operator spec): a plan specialised to input
// shapes may prepare a kernel for a node only when every such value is known at plan time — a constant, or computed
// from constants and input shapes alone (Shape → Gather → Concat chains), which the plan folds once.
namespace DeepSeek.Graph.Execution;

internal static class ShapeDependence
{
    // op → inputs whose values decide the output shape (axes, shapes, pads, sizes, counts)
    private static readonly Dictionary<string, int[]> ShapeInputs = new(StringComparer.Ordinal)
    {
        ["Reshape"] = [1], ["Expand"] = [1], ["Tile"] = [1], ["Slice"] = [1, 2, 3, 4], ["Pad"] = [1, 3],
        ["ConstantOfShape"] = [0], ["Range"] = [0, 1, 2], ["TopK"] = [1], ["Resize"] = [1, 2, 3], ["Upsample"] = [1],
        ["Squeeze"] = [1], ["Unsqueeze"] = [1], ["Split"] = [1], ["OneHot"] = [1], ["CenterCropPad"] = [1],
        ["Col2Im"] = [1, 2], ["DFT"] = [1, 2], ["STFT"] = [2, 3], ["MaxUnpool"] = [2], ["ReduceSum"] = [1],
        ["ReduceMean"] = [1], ["ReduceMax"] = [1], ["ReduceMin"] = [1], ["ReduceProd"] = [1], ["ReduceL1"] = [1],
        ["ReduceL2"] = [1], ["ReduceLogSum"] = [1], ["ReduceLogSumExp"] = [1], ["ReduceSumSquare"] = [1],
        ["MelWeightMatrix"] = [0, 1], ["BlackmanWindow"] = [0], ["HannWindow"] = [0], ["HammingWindow"] = [0],
    };

    // outputs sized by the data itself, or built by sub-graphs / sequences
    private static readonly HashSet<string> DataSized = new(StringComparer.Ordinal)
    {
        "NonZero", "Unique", "Compress", "NonMaxSuppression", "StringSplit", "If", "Loop", "Scan",
        "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceInsert", "SequenceErase", "SequenceLength",
        "SplitToSequence", "ConcatFromSequence", "SequenceMap", "Optional", "OptionalGetElement", "OptionalHasElement",
    };

    // a fresh draw every run: never folded even when all inputs are known
    private static readonly HashSet<string> Random = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    };

    /// <summary>Inputs of <paramref name="node"/> whose values decide its output shapes.</summary>
    public static ReadOnlySpan<int> ShapeInputsOf(Node node) =>
        node.IsOnnx() && ShapeInputs.TryGetValue(node.OpType, out var idx) ? idx : ReadOnlySpan<int>.Empty;

    /// <summary>True when the node's output shapes can change between runs with equal input shapes.</summary>
    public static bool IsDataSized(Node node) => (node.IsOnnx() && DataSized.Contains(node.OpType)) || node.SubGraphs().Any();

    /// <summary>True when running the node twice on the same inputs may give different values.</summary>
    public static bool IsRandom(Node node) => node.IsOnnx() && Random.Contains(node.OpType);

    /// <summary>True when the node reads only the type and shape of input <paramref name="input"/> (Shape, Size; CastLike's target).</summary>
    public static bool ReadsOnlyTypeOf(Node node, int input) => node.IsOnnx() && (node.OpType, input) is ("Shape", 0) or ("Size", 0) or ("CastLike", 1);
}
