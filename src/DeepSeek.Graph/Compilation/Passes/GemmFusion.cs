// GEMM epilogue fusion (ONNX Runtime's MatMulAddFusion + GemmActivationFusion; cuBLASLt epilogues): Gemm or MatMul
// with a constant 2-d B [→ Add(constant bias over the last dim)] [→ Add(residual of the same shape)] [→ activation]
// becomes one deepseek::FusedGemm, whose static kernel packs B once. MatMul(x, Transpose(W)) — what Linear traces to —
// reads W with transB = 1, so the transpose disappears too.
using DeepSeek.Backends;
using DeepSeek.Graph.Ops;
using static DeepSeek.Graph.Compilation.Passes.EpilogueChain;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"gemm-fusion": folds Gemm/MatMul → bias Add → residual Add → activation chains into deepseek::FusedGemm (level 2).</summary>
public sealed class GemmFusion : IGraphPass
{
    /// <inheritdoc/>
    public string Name => "gemm-fusion";

    /// <inheritdoc/>
    public int Level => 2;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        bool changed = false;
        foreach (var head in graph.Nodes.Where(n => n.Is("Gemm") || n.Is("MatMul")).ToList())
        {
            if (!graph.Nodes.Contains(head)) continue;
            var uses = graph.BuildUseMap();
            if (!MatchHead(graph, uses, head, out var h)) continue;
            var chain = new List<Node> { head };
            var cur = head.Outputs[0];
            Value? bias = h.Bias, residual = h.Residual;
            if (bias is null && residual is null && SingleReader(graph, uses, cur) is { } badd && badd.Is("Add") && badd.Outputs.Count == 1
                && OtherInput(badd, cur) is { IsConstant: true } bv && IsBias(bv, h.N, h.B.Constant!.DType))
            {
                bias = bv;
                chain.Add(badd);
                cur = badd.Outputs[0];
            }
            if (residual is null && SingleReader(graph, uses, cur) is { } radd && radd.Is("Add") && radd.Outputs.Count == 1
                && OtherInput(radd, cur) is { } other && SameShape(other, cur) && SameShape(radd.Outputs[0], cur))
            {
                residual = other;
                chain.Add(radd);
                cur = radd.Outputs[0];
            }
            MatchActivation(graph, uses, cur, chain, out var act);
            var last = chain[^1];
            var attrs = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            if (head.Is("Gemm"))
                foreach (var k in new[] { "alpha", "beta", "transA", "transB" })
                    if (head.Attributes.TryGetValue(k, out var a)) attrs[k] = a;
            if (h.Transpose is not null) attrs["transB"] = AttributeValue.Of(1L);
            Value?[] inputs = residual is null ? [h.A, h.B, bias] : [h.A, h.B, bias, residual];
            string name = head.Name.Length > 0 ? head.Name : last.Name;
            string what = Describe(h.Transpose is null ? chain : chain.Prepend(h.Transpose));
            Become(last, "FusedGemm", FusedConvOps.Domain, name, inputs, attrs);
            FusedActivation.Write(last, act);
            foreach (var n in chain.Take(chain.Count - 1)) graph.RemoveNode(n);
            if (h.Transpose is not null) graph.RemoveNode(h.Transpose);
            ImportDomain(graph);
            context.Note(Name, $"{what} → FusedGemm '{name}'{(act.Activation == EpilogueActivation.None ? "" : $" ({act})")}" +
                $"{(bias is null ? "" : " with bias")}{(residual is null ? "" : " with residual")}");
            changed = true;
        }
        return changed;
    }

    /// <summary>A matched product: A, the constant B (transposed storage when <see cref="Transpose"/> is set), N, and what C became.</summary>
    private readonly record struct Head(Value A, Value B, int N, Value? Bias, Value? Residual, Node? Transpose);

    private static bool MatchHead(Graph g, Dictionary<Value, List<(Node Node, int Index)>> uses, Node head, out Head h)
    {
        h = default;
        if (head.Outputs.Count != 1 || head.Inputs.Count < 2 || head.Inputs[0] is not { } a || head.Inputs[1] is not { } b) return false;
        if (head.Is("MatMul"))
        {
            if (head.Inputs.Count != 2 || a.Type is not TensorType { Rank: >= 2 }) return false;
            if (b.Constant is { Rank: 2 } bc && bc.DType.IsFloatingPoint())
            {
                h = new Head(a, b, bc.Size(1), null, null, null);
                return true;
            }
            // Linear traces to MatMul(x, Transpose(W, perm = [1, 0])): read W directly with transB = 1
            if (b.Producer is { } tr && tr.Is("Transpose") && tr.Inputs.Count == 1 && tr.Inputs[0] is { Constant: { Rank: 2 } wc } w
                && wc.DType.IsFloatingPoint() && (tr.GetInts("perm") is null or [1, 0]) && SingleReader(g, uses, b) == head)
            {
                h = new Head(a, w, wc.Size(0), null, null, tr);
                return true;
            }
            return false;
        }
        // Gemm: B constant; C a bias over the last dim (scaled by beta in the kernel) or, with beta = 1, a residual
        if (b.Constant is not { Rank: 2 } gb || !gb.DType.IsFloatingPoint()) return false;
        int n = head.GetInt("transB", 0) != 0 ? gb.Size(0) : gb.Size(1);
        Value? bias = null, residual = null;
        if (head.Inputs.Count > 2 && head.Inputs[2] is { } c)
        {
            if (IsBias(c, n, gb.DType)) bias = c;
            else if (head.GetFloat("beta", 1f) == 1f && SameShape(c, head.Outputs[0])) residual = c;
            else return false;
        }
        h = new Head(a, b, n, bias, residual, null);
        return true;
    }

    // [N], [1, N] or a single value (constant, or typed), of the GEMM's dtype.
    private static bool IsBias(Value v, int n, DType dtype)
    {
        int[]? dims = v.Constant is { } c ? c.Shape.ToArray()
            : v.Type is TensorType { Shape: { } s } t && t.ElementType is not null && s.All(d => d.IsKnown) ? s.Select(d => (int)d.Value!.Value).ToArray() : null;
        var et = v.Constant?.DType ?? (v.Type as TensorType)?.ElementType;
        if (dims is null || et != dtype) return false;
        long numel = dims.Aggregate(1L, (p, d) => p * d);
        return dims switch
        {
            [var d] => d == n || d == 1,
            [1, var d] => d == n || d == 1,
            [] => true,
            _ => false,
        } && (numel == n || numel == 1);
    }
}
