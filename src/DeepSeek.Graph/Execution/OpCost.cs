// Roofline-style cost model per node (as in the ONNX Runtime / fvcore FLOP counters): floating-point operations
// counted as 2 per multiply-add for Conv/MatMul/Gemm/Attention and per-element estimates for the rest; bytes moved =
// every input read once plus every output written once (the compulsory traffic; caches can only do better).
namespace DeepSeek.Graph.Execution;

/// <summary>Estimated work of one node execution.</summary>
/// <param name="Flops">Floating-point operations, or null when the op has no estimate.</param>
/// <param name="Bytes">Bytes read (inputs) plus written (outputs) once each.</param>
public readonly record struct OpCostEstimate(long? Flops, long Bytes);

/// <summary>FLOP and byte estimates for node executions with concrete input/output types.</summary>
public static class OpCost
{
    private static readonly HashSet<string> s_unary = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Clip", "Elu", "Selu",
        "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Floor", "Ceil", "Round", "Erf", "Sin", "Cos", "PRelu", "Cast",
        "Mish", "ThresholdedRelu", "Celu", "Sign",
    };

    private static readonly HashSet<string> s_binary = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mean", "Sum", "Where", "Equal", "Less", "Greater", "LessOrEqual",
        "GreaterOrEqual", "And", "Or", "Xor", "Mod",
    };

    /// <summary>
    /// Estimates <paramref name="node"/>'s cost for inputs <paramref name="inputs"/> and outputs <paramref name="outputs"/>
    /// (null entries are omitted or non-tensor values and count zero bytes).
    /// </summary>
    public static OpCostEstimate Estimate(Node node, IReadOnlyList<TensorMeta?> inputs, IReadOnlyList<TensorMeta?> outputs)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        long bytes = 0;
        foreach (var m in inputs) if (m is { } x) bytes += x.Bytes;
        foreach (var m in outputs) if (m is { } y) bytes += y.Bytes;
        return new OpCostEstimate(Flops(node, inputs, outputs), bytes);
    }

    private static long Numel(IReadOnlyList<TensorMeta?> list, int i) => i < list.Count && list[i] is { } m ? m.Shape.Numel : 0;

    private static TensorMeta? At(IReadOnlyList<TensorMeta?> list, int i) => i < list.Count ? list[i] : null;

    private static long? Flops(Node node, IReadOnlyList<TensorMeta?> ins, IReadOnlyList<TensorMeta?> outs)
    {
        long outN = Numel(outs, 0);
        string op = node.OpType;
        switch (op)
        {
            case "Conv":
            case "FusedConv":
            {
                // each output element is a dot product over (C_in / group) * kernel elements of the weight [C_out, C_in/g, k...]
                if (At(ins, 1) is not { } w || w.Shape.Rank < 2) return null;
                long perOutput = w.Shape.Numel / w.Shape[0];
                long flops = 2 * outN * perOutput;
                return flops + EpilogueFlops(node, ins, outN, biasIndex: 2);
            }
            case "ConvTranspose":
            {
                if (At(ins, 0) is not { } x || At(ins, 1) is not { } w || w.Shape.Rank < 2) return null;
                // every input element scatters into C_out/g * kernel outputs
                return 2 * x.Shape.Numel * (w.Shape.Numel / w.Shape[0]);
            }
            case "MatMul":
            case "MatMulInteger":
            {
                if (At(ins, 0) is not { } a || a.Shape.Rank == 0) return null;
                long k = a.Shape[a.Shape.Rank - 1];
                return 2 * Math.Max(outN, 1) * k;
            }
            case "Gemm":
            case "FusedGemm":
            {
                if (At(ins, 0) is not { } a || a.Shape.Rank < 1) return null;
                long k = node.GetInt("transA", 0) != 0 && a.Shape.Rank == 2 ? a.Shape[0] : a.Shape[a.Shape.Rank - 1];
                return 2 * outN * k + EpilogueFlops(node, ins, outN, biasIndex: 2);
            }
            case "Attention":
            {
                if (At(ins, 0) is not { } q || At(ins, 1) is not { } kk || q.Shape.Rank < 2 || kk.Shape.Rank < 2) return null;
                bool seqFirst = node.GetString("layout", "bhsd") == "bshd";
                long e = q.Shape[q.Shape.Rank - 1];
                long s = seqFirst ? kk.Shape[kk.Shape.Rank - 3] : kk.Shape[kk.Shape.Rank - 2];
                long ev = outN > 0 && q.Shape.Numel > 0 ? outN * e / q.Shape.Numel : e;
                long rows = q.Shape.Numel / Math.Max(e, 1); // B * H * L query rows
                // Q·Kᵀ and P·V multiply-adds plus ~5 flops per score for scale, max, exp, sum, divide
                return rows * s * (2 * e + 2 * ev + 5);
            }
            case "MaxPool":
            case "AveragePool":
            case "LpPool":
            {
                var kernel = node.GetInts("kernel_shape");
                long k = 1;
                if (kernel is not null) foreach (var d in kernel) k *= d;
                return outN * k;
            }
            case "GlobalAveragePool":
            case "GlobalMaxPool":
            case "GlobalLpPool":
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
                return Numel(ins, 0);
            case "BatchNormalization":
                return 2 * outN; // folded to one scale and shift per channel
            case "LayerNormalization":
            case "SkipLayerNorm":
            case "GroupNormalization":
            case "InstanceNormalization":
            case "RMSNormalization":
                return 8 * outN; // mean, variance, normalise, scale, shift
            case "Softmax":
            case "LogSoftmax":
                return 5 * outN; // max, subtract, exp, sum, divide
            case "Gelu":
                return 8 * outN;
            case "FusedElementwise":
                return outN * Math.Max(1, node.Inputs.Count);
        }
        if (s_unary.Contains(op) || s_binary.Contains(op)) return outN;
        return null;
    }

    // bias add, residual add and activation fused into FusedConv/FusedGemm: about one flop each per output element
    private static long EpilogueFlops(Node node, IReadOnlyList<TensorMeta?> ins, long outN, int biasIndex)
    {
        long extra = 0;
        if (At(ins, biasIndex) is not null) extra += outN;
        for (int i = biasIndex + 1; i < ins.Count; i++) if (ins[i] is not null) extra += outN;
        if (node.Attributes.ContainsKey("activation")) extra += outN;
        return extra;
    }
}
