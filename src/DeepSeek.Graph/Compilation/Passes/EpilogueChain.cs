// Pattern matching shared by the Conv and GEMM epilogue fusions (ONNX Runtime's ConvActivationFusion / GemmActivation
// style): from a producer's output, follow single-reader edges through an optional residual Add and an optional
// activation, then turn the last node of the chain into the fused node so the chain's result keeps its name and type.
using DeepSeek.Backends;
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>Helpers for passes that fold a chain of nodes into one fused node.</summary>
internal static class EpilogueChain
{
    /// <summary>The only reader of <paramref name="v"/>, when it has exactly one (in this graph, not a sub-graph) and is not a graph output.</summary>
    public static Node? SingleReader(Graph g, Dictionary<Value, List<(Node Node, int Index)>> uses, Value v)
    {
        if (g.Outputs.Contains(v) || !uses.TryGetValue(v, out var list) || list.Count != 1 || list[0].Index < 0) return null;
        return list[0].Node;
    }

    /// <summary>Readers of <paramref name="v"/> (empty when none).</summary>
    public static IReadOnlyList<(Node Node, int Index)> Readers(Dictionary<Value, List<(Node Node, int Index)>> uses, Value v) =>
        uses.TryGetValue(v, out var list) ? list : [];

    /// <summary>True when both values have the same fully known static shape (named symbolic dims count as known) and element type.</summary>
    public static bool SameShape(Value a, Value b)
    {
        if (a.Type is not TensorType { Shape: { } sa } ta || b.Type is not TensorType { Shape: { } sb } tb) return false;
        if (ta.ElementType is null || ta.ElementType != tb.ElementType || sa.Count != sb.Count) return false;
        for (int i = 0; i < sa.Count; i++)
        {
            if (!sa[i].IsKnown && sa[i].Symbol is null) return false;
            if (sa[i] != sb[i]) return false;
        }
        return true;
    }

    /// <summary>The other input of a two-input node that reads <paramref name="v"/> once, or null.</summary>
    public static Value? OtherInput(Node n, Value v)
    {
        if (n.Inputs.Count != 2 || n.Inputs[0] is null || n.Inputs[1] is null) return null;
        if (n.Inputs[0] == v && n.Inputs[1] != v) return n.Inputs[1];
        if (n.Inputs[1] == v && n.Inputs[0] != v) return n.Inputs[0];
        return null;
    }

    /// <summary>
    /// Matches an activation reading <paramref name="v"/> (its only reader, or Sigmoid + Mul for SiLU). On success returns
    /// the epilogue and adds the activation's nodes to <paramref name="chain"/> (the last one produces the result).
    /// </summary>
    public static bool MatchActivation(Graph g, Dictionary<Value, List<(Node Node, int Index)>> uses, Value v, List<Node> chain, out Epilogue e)
    {
        e = Epilogue.None;
        if (g.Outputs.Contains(v)) return false;
        var readers = Readers(uses, v);
        if (readers.Count == 2 && MatchSilu(g, uses, v, readers, chain)) { e = Epilogue.Silu; return true; }
        if (SingleReader(g, uses, v) is not { } n || n.Outputs.Count != 1 || n.Inputs.Count == 0 || n.Inputs[0] != v) return false;
        Epilogue? m = null;
        if (n.Is("Relu")) m = Epilogue.Relu;
        else if (n.Is("Sigmoid")) m = Epilogue.Sigmoid;
        else if (n.Is("Tanh")) m = Epilogue.Tanh;
        else if (n.Is("HardSwish")) m = Epilogue.HardSwish;
        else if (n.Is("LeakyRelu")) m = Epilogue.LeakyRelu(n.GetFloat("alpha", 0.01f));
        else if (n.Is("HardSigmoid")) m = Epilogue.HardSigmoid(n.GetFloat("alpha", 0.2f), n.GetFloat("beta", 0.5f));
        else if (n.Is("Clip")) m = ClipBounds(n);
        else if (n.OpType == "Gelu" && (n.Domain == FusedConvOps.Domain || n.IsOnnx()))
            m = n.GetString("approximate", "none") switch { "none" => Epilogue.Gelu, "tanh" => Epilogue.GeluTanh, _ => null };
        if (m is null || n.Inputs.Skip(1).Any(i => i == v)) return false;
        chain.Add(n);
        e = m.Value;
        return true;
    }

    // Mul(v, Sigmoid(v)) in either order, the Sigmoid's output read only by that Mul.
    private static bool MatchSilu(Graph g, Dictionary<Value, List<(Node Node, int Index)>> uses, Value v,
        IReadOnlyList<(Node Node, int Index)> readers, List<Node> chain)
    {
        var sig = readers.FirstOrDefault(r => r.Node.Is("Sigmoid") && r.Index == 0).Node;
        var mul = readers.FirstOrDefault(r => r.Node.Is("Mul")).Node;
        if (sig is null || mul is null || sig == mul || sig.Outputs.Count != 1) return false;
        if (SingleReader(g, uses, sig.Outputs[0]) != mul || OtherInput(mul, v) != sig.Outputs[0]) return false;
        chain.Add(sig);
        chain.Add(mul);
        return true;
    }

    // Clip bounds from constant scalar inputs (opset ≥ 11) or attributes (opset < 11); null when a bound is computed.
    private static Epilogue? ClipBounds(Node n)
    {
        float lo = n.GetFloat("min", float.NegativeInfinity), hi = n.GetFloat("max", float.PositiveInfinity);
        for (int i = 1; i < n.Inputs.Count; i++)
        {
            if (n.Inputs[i] is not { } b) continue;
            if (b.Constant is not { Numel: 1 } c || !c.DType.IsFloatingPoint()) return null;
            using var one = c.Reshape(1);
            float f = (float)one.ItemAsDouble();
            if (i == 1) lo = f; else hi = f;
        }
        return Epilogue.Clip(lo, hi);
    }

    /// <summary>
    /// Turns <paramref name="last"/> (the chain's final node, whose output keeps its identity) into
    /// <paramref name="domain"/>::<paramref name="opType"/> reading <paramref name="inputs"/> with
    /// <paramref name="attributes"/>, named <paramref name="name"/>; the caller removes the chain's other nodes.
    /// </summary>
    public static void Become(Node last, string opType, string domain, string name, IReadOnlyList<Value?> inputs,
        IEnumerable<KeyValuePair<string, AttributeValue>> attributes)
    {
        var attrs = attributes.ToList();
        last.OpType = opType;
        last.Domain = domain;
        last.Name = name;
        last.Attributes.Clear();
        foreach (var (k, a) in attrs) last.Attributes[k] = a;
        // a node cannot drop inputs: extra ones become omitted (null) optional inputs
        for (int i = 0; i < Math.Max(inputs.Count, last.Inputs.Count); i++)
        {
            var v = i < inputs.Count ? inputs[i] : null;
            if (i < last.Inputs.Count) last.SetInput(i, v);
            else Graph.AppendInput(last, v);
        }
    }

    /// <summary>Declares the deepseek domain (version 1) on the root graph when it is missing, so fused nodes resolve.</summary>
    public static void ImportDomain(Graph g)
    {
        g.Root.OpsetImports.TryAdd(FusedConvOps.Domain, 1);
    }

    /// <summary>"Conv 'conv1' + Add + Relu" for the pass log.</summary>
    public static string Describe(IEnumerable<Node> chain) =>
        string.Join(" + ", chain.Select(n => n.Name.Length > 0 ? $"{n.OpType} '{n.Name}'" : n.OpType));
}
