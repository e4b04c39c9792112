// GELU (Hendrycks & Gimpel 2016) from its decompositions: x·0.5·(1 + erf(x/√2)) → Gelu(approximate="none") and
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) → Gelu(approximate="tanh"), in any operand order, with x/√2 or x·(1/√2),
// x³ as Pow(x, 3) or x·x·x, and the 0.5 applied first, last, or to the (1 + …) factor — the forms tracers and exporters emit.
using static DeepSeek.Graph.Compilation.Passes.TransformerMatch;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>"gelu-fusion": decomposed GELU subgraphs become one <c>deepseek::Gelu</c> node (kernel: Core's Tensor.Gelu).</summary>
public sealed class GeluFusion : AnchoredRewritePass
{
    private static readonly double InvSqrt2 = 1 / Math.Sqrt(2), Sqrt2OverPi = Math.Sqrt(2 / Math.PI);

    /// <inheritdoc/>
    public override string Name => "gelu-fusion";

    /// <inheritdoc/>
    private protected override bool IsAnchor(Node node) => node.Is("Erf") || node.Is("Tanh");

    private protected override bool TryFuse(Graph graph, UseMap uses, Node core, PassContext context)
    {
        var matched = new List<Node> { core };
        bool tanh = core.OpType == "Tanh";
        var x = tanh ? MatchTanhArgument(uses, core, matched) : MatchErfArgument(uses, core, matched);
        if (x is null || !FloatOrUnknown(x)) return false;
        // 1 + erf(…) / 1 + tanh(…)
        if (uses.OnlyReader(core.Outputs[0]) is not { } plus || !plus.Is("Add") || !IsScalar(Other(plus, core.Outputs[0]), 1.0, 0)) return false;
        matched.Add(plus);
        var final = MatchHalfTimesX(uses, plus.Outputs[0], x, matched);
        if (final is null) return false;
        var rw = new FusionRewrite(graph).Remove(matched);
        if (rw.Apply(uses, "Gelu", Domain, [x], [final.Outputs[0]], ("approximate", AttributeValue.Of(tanh ? "tanh" : "none"))) is null) return false;
        ImportDomain(graph);
        context.Note(Name, $"{matched.Count} nodes → deepseek::Gelu(%{x.Name}) approximate={(tanh ? "tanh" : "none")} → %{final.Outputs[0].Name}");
        return true;
    }

    // erf(x/√2) or erf(x·(1/√2)): returns x.
    private static Value? MatchErfArgument(UseMap uses, Node erf, List<Node> matched)
    {
        var arg = erf.Inputs[0];
        if (arg?.Producer is not { } scale || !uses.OnlyFeeds(arg, erf) || !TryScaledBy(scale, out var x, out var f)) return null;
        if (Math.Abs(f - InvSqrt2) > 1e-5 * InvSqrt2) return null;
        matched.Add(scale);
        return x;
    }

    // tanh(√(2/π)·(x + 0.044715·x³)): returns x.
    private static Value? MatchTanhArgument(UseMap uses, Node tanh, List<Node> matched)
    {
        var arg = tanh.Inputs[0];
        if (arg?.Producer is not { } scale || !uses.OnlyFeeds(arg, tanh) || !TryScaledBy(scale, out var sum, out var f)) return null;
        if (Math.Abs(f - Sqrt2OverPi) > 1e-5 * Sqrt2OverPi) return null;
        if (Producer(sum, "Add") is not { } add || !uses.OnlyFeeds(sum, scale)) return null;
        foreach (var (x, cubic) in new[] { (add.Inputs[0], add.Inputs[1]), (add.Inputs[1], add.Inputs[0]) })
        {
            if (x is null || cubic?.Producer is not { } c || !uses.OnlyFeeds(cubic, add) || !TryScaledBy(c, out var x3, out var k)) continue;
            if (Math.Abs(k - 0.044715) > 1e-5 * 0.044715 || !uses.OnlyFeeds(x3, c)) continue;
            var cubeNodes = MatchCube(uses, x3, x);
            if (cubeNodes is null) continue;
            matched.AddRange([scale, add, c, .. cubeNodes]);
            return x;
        }
        return null;
    }

    // Pow(x, 3), or Mul(Mul(x, x), x) in any order: the nodes, or null.
    private static Node[]? MatchCube(UseMap uses, Value x3, Value x)
    {
        var p = x3.Producer;
        if (p is null) return null;
        if (p.Is("Pow") && p.Inputs[0] == x && IsScalar(p.Inputs[1], 3, 0)) return [p];
        if (!p.Is("Mul") || Other(p, x) is not { } x2 || Producer(x2, "Mul") is not { } sq) return null;
        return sq.Inputs[0] == x && sq.Inputs[1] == x && uses.OnlyFeeds(x2, p) ? [p, sq] : null;
    }

    // The tail: (1 + …)·x·0.5 in the three placements of the 0.5; returns the last node.
    private static Node? MatchHalfTimesX(UseMap uses, Value onePlus, Value x, List<Node> matched)
    {
        if (uses.OnlyReader(onePlus) is not { } m1 || !m1.Is("Mul") || Other(m1, onePlus) is not { } other) return null;
        if (other == x)
        {
            // ((1 + …)·x)·0.5
            if (uses.OnlyReader(m1.Outputs[0]) is not { } m2 || !IsHalf(m2, m1.Outputs[0])) return null;
            matched.AddRange([m1, m2]);
            return m2;
        }
        if (IsScalar(other, 0.5, 0))
        {
            // ((1 + …)·0.5)·x
            if (uses.OnlyReader(m1.Outputs[0]) is not { } m2 || !m2.Is("Mul") || Other(m2, m1.Outputs[0]) != x) return null;
            matched.AddRange([m1, m2]);
            return m2;
        }
        // (x·0.5)·(1 + …)
        if (other.Producer is { } h && uses.OnlyFeeds(other, m1) && IsHalf(h, x))
        {
            matched.AddRange([h, m1]);
            return m1;
        }
        return null;
    }

    // v·0.5, 0.5·v or v/2.
    private static bool IsHalf(Node n, Value v) => TryScaledBy(n, out var a, out var f) && a == v && f == 0.5;
}
