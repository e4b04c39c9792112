// Conv epilogue fusion (ONNX Runtime's ConvAddActivationFusion; oneDNN post-ops): Conv [→ Add(residual of the same
// shape)] [→ activation] becomes one deepseek::FusedConv, so the bias, the ResNet shortcut add and the ReLU run on each
// output tile while it is in cache. A 2-d Conv with a constant weight becomes a FusedConv on its own too: the static
// kernel then packs the weight once.
using DeepSeek.Backends;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Compilation.Passes.EpilogueChain;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"conv-fusion": folds Conv → Add → activation chains into deepseek::FusedConv (level 2).</summary>
public sealed class ConvFusion : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "conv-fusion";

    /// <inheritdoc/>
    public int Level => 2;

    private static readonly string[] ConvAttributes = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        bool changed = false;
        foreach (var conv in graph.Nodes.Where(n => n.Is("Conv")).ToList())
        {
            if (!graph.Nodes.Contains(conv) || !IsConv2d(conv)) continue;
            var uses = graph.BuildUseMap();
            var chain = new List<Node> { conv };
            var cur = conv.Outputs[0];
            Value? residual = null;
            if (SingleReader(graph, uses, cur) is { } add && add.Is("Add") && OtherInput(add, cur) is { } other && SameShape(other, cur)
                && add.Outputs.Count == 1 && SameShape(add.Outputs[0], cur))
            {
                residual = other;
                chain.Add(add);
                cur = add.Outputs[0];
            }
            MatchActivation(graph, uses, cur, chain, out var act);
            if (chain.Count == 1 && !conv.Inputs[1]!.IsConstant) continue; // nothing to fuse and nothing to pre-pack
            var last = chain[^1];
            var attrs = ConvAttributes.Where(conv.Attributes.ContainsKey).Select(k => KeyValuePair.Create(k, conv.Attributes[k])).ToList();
            Value?[] inputs = residual is null
                ? [conv.Inputs[0], conv.Inputs[1], conv.Inputs.Count > 2 ? conv.Inputs[2] : null]
                : [conv.Inputs[0], conv.Inputs[1], conv.Inputs.Count > 2 ? conv.Inputs[2] : null, residual];
            string name = conv.Name.Length > 0 ? conv.Name : last.Name;
            string what = Describe(chain);
            Become(last, "FusedConv", FusedConvOps.Domain, name, inputs, attrs);
            FusedActivation.Write(last, act);
            foreach (var n in chain.Take(chain.Count - 1)) graph.RemoveNode(n);
            ImportDomain(graph);
            context.Note(Name, $"{what} → FusedConv '{name}'{(act.Activation == EpilogueActivation.None ? "" : $" ({act})")}{(residual is null ? "" : " with residual")}");
            changed = true;
        }
        return changed;
    }

    // 2-d convolutions: the weight's rank (from its constant or its static type) is 4.
    private static bool IsConv2d(Node conv)
    {
        if (conv.Inputs.Count < 2 || conv.Inputs[0] is null || conv.Inputs[1] is not { } w || conv.Outputs.Count != 1) return false;
        int? rank = w.Constant?.Rank ?? (w.Type as TensorType)?.Rank;
        return rank == 4 && (w.Constant is null || w.Constant.DType.IsFloatingPoint());
    }
}
