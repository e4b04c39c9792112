// Elementwise-chain fusion (loop fusion as in XLA's/TVM's elementwise fusion and ONNX Runtime's): maximal connected
// groups of F32 elementwise nodes with one output shape become one deepseek::FusedElementwise node whose program
// reads each group input once and writes each group output once. Groups grow in topological order and only while they
// stay convex (no path leaves the group and re-enters it), so the fused node never depends on its own output.
using DeepSeek.Backends.Cpu.Elementwise;
using DeepSeek.Graph.Ops;

namespace DeepSeek.Graph.Compilation.Passes;

/// <summary>
/// Fuses chains of elementwise ops (Add … Gelu, see <see cref="FusedElementwiseLowering"/>) into
/// <c>deepseek::FusedElementwise</c>. Rules: every node of a group produces the group's output shape (its inputs may
/// broadcast into it) in F32; one-element F32 constants become program constants when that does not change the
/// broadcast shape; a value of the group that is read outside it (or is a graph output) becomes an extra output of
/// the fused node rather than ending the group — its memory is written once either way, and the rest of the chain
/// still runs fused. A group of one node is left alone. Types come from the values (declared by the tracer, the
/// importer or shape inference) and are propagated through elementwise ops; values of unknown type are not fused.
/// Sub-graphs are fused too.
/// </summary>
public sealed class ElementwiseFusion : IGraphPass
{
    /// <summary>The domain the fused op lives in.</summary>
    public const string Domain = FusedElementwiseOps.Domain;

    /// <inheritdoc/>
    public string Name => "elementwise-fusion";

    /// <inheritdoc/>
    public int Level => 3;

    /// <inheritdoc/>
    public bool Run(Graph graph, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(context);
        bool changed = RunOn(graph, context);
        if (changed && !graph.Root.OpsetImports.ContainsKey(Domain)) graph.Root.OpsetImports[Domain] = FusedElementwiseOps.Since;
        return changed;
    }

    /// <summary>A fusible node: its instructions, which inputs fold into constants, and its output shape.</summary>
    private sealed record Candidate(LoweredInstruction[] Ops, bool[] Folded, IReadOnlyList<Dim> Shape, TensorType Type);

    private bool RunOn(Graph g, PassContext ctx)
    {
        bool changed = false;
        foreach (var n in g.Nodes.ToList())
            foreach (var sub in n.SubGraphs()) changed |= RunOn(sub, ctx);
        var types = new FusedElementwiseTypes(g);
        var candidates = new Dictionary<Node, Candidate>();
        foreach (var n in g.Nodes)
            if (Analyze(n, types) is { } c) candidates[n] = c;
        if (candidates.Count < 2) return changed;
        var uses = g.BuildUseMap();
        foreach (var group in FormGroups(g, candidates, uses))
            if (group.Count >= 2 && Rewrite(g, group, candidates, uses, types, ctx)) changed = true;
        if (changed && !IsTopological(g)) SortStably(g);
        return changed;
    }

    private static Candidate? Analyze(Node n, FusedElementwiseTypes types)
    {
        var ops = FusedElementwiseLowering.Lower(n);
        if (ops is null || types.Of(n.Outputs[0]) is not { ElementType: DType.F32, Shape: { } shape } type) return null;
        var used = ops.SelectMany(o => o.Args).Where(a => a.Kind == LoweredArgKind.Input).Select(a => a.Index).Distinct().ToArray();
        foreach (int i in used)
            if (n.Inputs[i] is not { } v || types.Of(v) is not { ElementType: DType.F32, Shape: not null }) return null;
        var folded = new bool[n.Inputs.Count];
        foreach (int i in used)
            folded[i] = FusedElementwiseLowering.ScalarConstant(n.Inputs[i]!) is { DType: DType.F32 };
        if (!Broadcasts(n, used, folded, shape, types))
        {
            Array.Clear(folded); // a folded scalar would have widened the rank: keep every operand a tensor
            if (!Broadcasts(n, used, folded, shape, types)) return null;
        }
        if (used.All(i => folded[i] || n.Inputs[i]!.IsConstant || n.Inputs[i]!.Producer?.Is("Constant") == true))
            return null; // all-constant: constant folding's business
        return new Candidate(ops, folded, shape, type);
    }

    // The tensor operands left after folding must broadcast to exactly the output shape.
    private static bool Broadcasts(Node n, int[] used, bool[] folded, IReadOnlyList<Dim> shape, FusedElementwiseTypes types)
    {
        IReadOnlyList<Dim>? acc = null;
        foreach (int i in used)
        {
            if (folded[i]) continue;
            var s = types.Of(n.Inputs[i]!)!.Shape!;
            acc = acc is null ? s : FusedElementwiseTypes.Broadcast(acc, s);
            if (acc is null) return false;
        }
        return FusedElementwiseTypes.Same(acc, shape);
    }

    // Union of producer groups in topological order, each merge kept only when the union stays convex.
    private static List<List<Node>> FormGroups(Graph g, Dictionary<Node, Candidate> candidates, Dictionary<Value, List<(Node Node, int Index)>> uses)
    {
        var index = new Dictionary<Node, int>();
        for (int i = 0; i < g.Nodes.Count; i++) index[g.Nodes[i]] = i;
        var groupOf = new Dictionary<Node, List<Node>>();
        var groups = new List<List<Node>>();
        foreach (var n in g.Nodes)
        {
            if (!candidates.TryGetValue(n, out var cn)) continue;
            var group = new List<Node> { n };
            var producerGroups = n.Inputs
                .Select(v => v?.Producer)
                .Where(p => p is not null && p.Owner == g && candidates.TryGetValue(p, out var cp) && FusedElementwiseTypes.Same(cp.Shape, cn.Shape))
                .Select(p => groupOf[p!]).Distinct().OrderByDescending(grp => grp.Count).ToList();
            foreach (var pg in producerGroups)
            {
                var trial = new HashSet<Node>(group);
                trial.UnionWith(pg);
                if (!Convex(trial, index, index[n], uses)) continue;
                group.AddRange(pg);
                groups.Remove(pg);
            }
            foreach (var m in group) groupOf[m] = group;
            groups.Add(group);
        }
        foreach (var grp in groups) grp.Sort((a, b) => index[a].CompareTo(index[b]));
        return groups;
    }

    // False when some path from a member passes through a non-member and comes back to a member. Only nodes before
    // the newest member (at `limit`) can lie on such a path.
    private static bool Convex(HashSet<Node> members, Dictionary<Node, int> index, int limit, Dictionary<Value, List<(Node Node, int Index)>> uses)
    {
        var seen = new HashSet<Node>();
        var stack = new Stack<Node>();
        foreach (var m in members) Push(m, fromMember: true);
        while (stack.Count > 0)
            if (!Push(stack.Pop(), fromMember: false)) return false;
        return true;

        bool Push(Node from, bool fromMember)
        {
            foreach (var o in from.Outputs)
            {
                if (!uses.TryGetValue(o, out var readers)) continue;
                foreach (var (r, _) in readers)
                {
                    if (members.Contains(r))
                    {
                        if (!fromMember) return false;
                        continue;
                    }
                    if (index.TryGetValue(r, out int at) && at < limit && seen.Add(r)) stack.Push(r);
                }
            }
            return true;
        }
    }

    private static bool Rewrite(Graph g, List<Node> members, Dictionary<Node, Candidate> candidates,
        Dictionary<Value, List<(Node Node, int Index)>> uses, FusedElementwiseTypes types, PassContext ctx)
    {
        var memberSet = new HashSet<Node>(members);
        var defined = members.Select(m => m.Outputs[0]).ToList();
        var exported = defined.Where(v => g.Outputs.Contains(v) ||
            (uses.TryGetValue(v, out var rs) && rs.Any(r => !memberSet.Contains(r.Node)))).ToList();
        if (exported.Count == 0) return false; // dead chain: dead-code elimination's business
        // y0 is the last value defined (usually the chain's end): the planner may then give it an input's memory
        exported = [exported[^1], .. exported.Take(exported.Count - 1)];
        var program = BuildProgram(members, candidates, exported, out var inputs);

        int last = g.Nodes.IndexOf(members[^1]);
        var after = last + 1 < g.Nodes.Count ? g.Nodes[last + 1] : null;
        foreach (var m in members) g.RemoveNode(m);
        int pos = after is null ? g.Nodes.Count : g.Nodes.IndexOf(after);
        var fused = g.InsertNode(pos, FusedElementwiseOps.OpType, inputs, [], Domain, FusedName(members));
        fused.Attributes[FusedElementwiseOps.ProgramAttribute] = AttributeValue.Of(program.ToString());
        if (program.Constants.Count > 0) fused.Attributes[FusedElementwiseOps.ConstantsAttribute] = AttributeValue.Of(program.Constants.ToArray());
        foreach (var v in exported)
        {
            // the group's values keep their names and types; only their producer changes
            fused.AddOutput(v);
            v.Producer = fused;
            v.Type ??= types.Of(v);
        }
        ctx.Note("elementwise-fusion", $"fused {members.Count} nodes ({string.Join(", ", members.Select(m => $"{m.OpType} '{m.Name}'"))}) into {Domain}::{FusedElementwiseOps.OpType} '{fused.Name}': {program.Describe()}");
        return true;
    }

    private static FusedProgram BuildProgram(List<Node> members, Dictionary<Node, Candidate> candidates, List<Value> exported, out List<Value> inputs)
    {
        var ins = new List<Value>();
        var consts = new List<float>();
        var operandOf = new Dictionary<Value, FusedOperand>();
        var code = new List<FusedInstruction>();
        int temps = 0;
        foreach (var m in members)
        {
            var c = candidates[m];
            var results = new FusedOperand[c.Ops.Length];
            for (int k = 0; k < c.Ops.Length; k++)
            {
                var args = c.Ops[k].Args.Select(a => a.Kind switch
                {
                    LoweredArgKind.Literal => Constant(a.Value),
                    LoweredArgKind.Earlier => results[a.Index],
                    _ => Operand(m.Inputs[a.Index]!, c.Folded[a.Index]),
                }).ToArray();
                int y = k == c.Ops.Length - 1 ? exported.IndexOf(m.Outputs[0]) : -1;
                results[k] = y >= 0 ? FusedOperand.Y(y) : FusedOperand.T(temps++);
                code.Add(new FusedInstruction(c.Ops[k].Op, results[k], args));
            }
            operandOf[m.Outputs[0]] = results[^1];
        }
        inputs = ins;
        return new FusedProgram(code, consts, ins.Count);

        FusedOperand Operand(Value v, bool folded)
        {
            if (folded) return Constant((float)FusedElementwiseLowering.ScalarConstant(v)!.Value.Value);
            if (operandOf.TryGetValue(v, out var o)) return o;
            int i = ins.IndexOf(v);
            if (i < 0) { i = ins.Count; ins.Add(v); }
            return FusedOperand.X(i);
        }

        FusedOperand Constant(float value)
        {
            int i = consts.FindIndex(x => BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(value));
            if (i < 0) { i = consts.Count; consts.Add(value); }
            return FusedOperand.C(i);
        }
    }

    private static string FusedName(List<Node> members)
    {
        var name = "fused(" + string.Join("+", members.Select(m => m.Name.Length > 0 ? m.Name : m.OpType)) + ")";
        return name.Length <= 96 ? name : name[..95] + "…)";
    }

    private static IEnumerable<Value> Reads(Node n) =>
        n.Inputs.Where(v => v is not null).Select(v => v!).Concat(n.SubGraphs().SelectMany(s => s.OuterReads()));

    private static bool IsTopological(Graph g)
    {
        var done = new HashSet<Node>();
        foreach (var n in g.Nodes)
        {
            foreach (var v in Reads(n))
                if (v.Producer is { } p && p.Owner == g && !done.Contains(p)) return false;
            done.Add(n);
        }
        return true;
    }

    // Kahn's algorithm taking the earliest ready node first, so nodes move only as far as their inputs require.
    private static void SortStably(Graph g)
    {
        var order = new Dictionary<Node, int>();
        for (int i = 0; i < g.Nodes.Count; i++) order[g.Nodes[i]] = i;
        var pending = new Dictionary<Node, int>();
        var readers = new Dictionary<Node, List<Node>>();
        foreach (var n in g.Nodes)
        {
            var producers = Reads(n).Select(v => v.Producer).Where(p => p is not null && order.ContainsKey(p) && p != n).Distinct().ToList();
            pending[n] = producers.Count;
            foreach (var p in producers)
            {
                if (!readers.TryGetValue(p!, out var l)) readers[p!] = l = new();
                l.Add(n);
            }
        }
        var ready = new PriorityQueue<Node, int>();
        foreach (var (n, count) in pending)
            if (count == 0) ready.Enqueue(n, order[n]);
        var sorted = new List<Node>(g.Nodes.Count);
        while (ready.TryDequeue(out var n, out _))
        {
            sorted.Add(n);
            if (!readers.TryGetValue(n, out var rs)) continue;
            foreach (var r in rs)
                if (--pending[r] == 0) ready.Enqueue(r, order[r]);
        }
        if (sorted.Count != g.Nodes.Count)
            throw new InvalidOperationException($"elementwise-fusion: graph '{g.Name}' has a cycle after fusion ({g.Nodes.Count - sorted.Count} nodes unplaced); this is a bug in the pass.");
        g.Nodes.Clear();
        g.Nodes.AddRange(sorted);
    }
}
