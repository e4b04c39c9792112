using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Einsum (numpy semantics: explicit or implicit output, "..." broadcasting, repeated labels = diagonals).
/// Operands fold left to right: labels no later term needs are summed out, shared labels become a batched MatMul
/// [batch, M, K]·[batch, K, N], and the result is permuted to the output order.
/// </summary>
[OpSet]
public static class NnEinsum
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r) => r.Register("Einsum", [12], ctx => One(Run(ctx)));

    private sealed record Term(Tensor T, List<char> Labels);

    private static Tensor Run(OpContext ctx)
    {
        var eq = ctx.Node.GetString("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var ops = Enumerable.Range(0, ctx.InputCount).Select(ctx.Tensor).ToList();
        return Einsum(ctx.Describe(), eq, ops);
    }

    /// <summary>Evaluates <paramref name="equation"/> on <paramref name="operands"/>; <paramref name="who"/> prefixes errors.</summary>
    internal static Tensor Einsum(string who, string equation, IReadOnlyList<Tensor> operands)
    {
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var lhs = arrow < 0 ? equation : equation[..arrow];
        var specs = lhs.Split(',');
        if (specs.Length != operands.Count)
            throw new ArgumentException($"{who}: equation '{equation}' has {specs.Length} operand terms but {operands.Count} inputs were given.");
        // Ellipsis dims get private labels \u0100.. aligned to the right (numpy broadcasting).
        int ell = 0;
        for (int i = 0; i < specs.Length; i++)
            if (specs[i].Contains("...", StringComparison.Ordinal))
                ell = Math.Max(ell, operands[i].Rank - (specs[i].Length - 3));
        var terms = new List<Term>();
        for (int i = 0; i < specs.Length; i++)
            terms.Add(new Term(operands[i], Expand(who, specs[i], operands[i].Rank, ell)));
        List<char> output;
        if (arrow >= 0) output = Expand(who, equation[(arrow + 2)..], -1, ell);
        else
        {
            var counts = terms.SelectMany(t => t.Labels).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
            output = Enumerable.Range(0, ell).Select(j => (char)(0x100 + j)).ToList();
            output.AddRange(counts.Where(kv => kv.Value == 1 && kv.Key < 0x100).Select(kv => kv.Key).OrderBy(c => c));
        }
        if (output.Distinct().Count() != output.Count) throw new ArgumentException($"{who}: output of '{equation}' repeats a label.");
        foreach (var c in output)
            if (!terms.Any(t => t.Labels.Contains(c)))
                throw new ArgumentException($"{who}: output label '{c}' of '{equation}' appears in no input.");

        for (int i = 0; i < terms.Count; i++)
        {
            var needed = new HashSet<char>(output);
            for (int j = 0; j < terms.Count; j++) if (j != i) needed.UnionWith(terms[j].Labels);
            terms[i] = SumOut(Diagonals(who, terms[i]), needed);
        }
        var cur = terms[0];
        for (int i = 1; i < terms.Count; i++)
        {
            var keep = new HashSet<char>(output);
            for (int j = i + 1; j < terms.Count; j++) keep.UnionWith(terms[j].Labels);
            cur = Contract(who, cur, terms[i], keep);
        }
        cur = SumOut(cur, new HashSet<char>(output));
        var perm = output.Select(c => cur.Labels.IndexOf(c)).ToArray();
        return cur.T.Permute(perm).Contiguous();
    }

    private static List<char> Expand(string who, string spec, int rank, int ell)
    {
        var labels = new List<char>();
        int dots = spec.IndexOf("...", StringComparison.Ordinal);
        string plain = dots < 0 ? spec : spec.Remove(dots, 3);
        foreach (var ch in plain)
            if (!char.IsAsciiLetter(ch)) throw new ArgumentException($"{who}: invalid character '{ch}' in einsum term '{spec}'.");
        int own = rank < 0 ? ell : rank - plain.Length;
        if (dots < 0 && rank >= 0 && own != 0)
            throw new ShapeMismatchException($"{who}: term '{spec}' has {plain.Length} labels but its operand has rank {rank}.");
        if (own < 0) throw new ShapeMismatchException($"{who}: term '{spec}' has more labels than its operand's rank {rank}.");
        for (int i = 0; i < spec.Length;)
        {
            if (i == dots)
            {
                for (int j = ell - own; j < ell; j++) labels.Add((char)(0x100 + j));
                i += 3;
            }
            else labels.Add(spec[i++]);
        }
        return labels;
    }

    // Repeated labels in one term take the diagonal: multiply by an identity mask over the two dims, sum one away.
    private static Term Diagonals(string who, Term t)
    {
        var x = t.T;
        var labels = new List<char>(t.Labels);
        while (true)
        {
            int p = -1, q = -1;
            for (int i = 0; i < labels.Count && p < 0; i++)
                for (int j = i + 1; j < labels.Count; j++)
                    if (labels[i] == labels[j]) { p = i; q = j; break; }
            if (p < 0) return new Term(x, labels);
            int n = x.Size(p);
            if (x.Size(q) != n) throw new ShapeMismatchException($"{who}: repeated label '{labels[p]}' spans dims of sizes {n} and {x.Size(q)}.");
            var shape = Enumerable.Repeat(1, x.Rank).ToArray();
            shape[p] = n;
            shape[q] = n;
            var eye = Tensor.Eye(n, x.DType).Reshape(shape);
            x = x.Mul(eye).Sum(q);
            labels.RemoveAt(q);
        }
    }

    private static Term SumOut(Term t, HashSet<char> needed)
    {
        var dims = Enumerable.Range(0, t.Labels.Count).Where(i => !needed.Contains(t.Labels[i])).ToArray();
        if (dims.Length == 0) return t;
        var y = t.T.Sum(dims);
        if (y.DType != t.T.DType) y = y.To(t.T.DType);
        return new Term(y, t.Labels.Where(c => needed.Contains(c)).ToList());
    }

    private static Term Contract(string who, Term a, Term b, HashSet<char> keep)
    {
        a = SumOut(a, new HashSet<char>(keep.Concat(b.Labels)));
        b = SumOut(b, new HashSet<char>(keep.Concat(a.Labels)));
        var batch = a.Labels.Where(c => b.Labels.Contains(c) && keep.Contains(c)).ToList();
        var inner = a.Labels.Where(c => b.Labels.Contains(c) && !keep.Contains(c)).ToList();
        var aOnly = a.Labels.Where(c => !b.Labels.Contains(c)).ToList();
        var bOnly = b.Labels.Where(c => !a.Labels.Contains(c)).ToList();
        int SizeA(char c) => a.T.Size(a.Labels.IndexOf(c));
        int SizeB(char c) => b.T.Size(b.Labels.IndexOf(c));
        var batchSizes = new List<int>();
        foreach (var c in batch)
        {
            int sa = SizeA(c), sb = SizeB(c);
            if (sa != sb && sa != 1 && sb != 1) throw new ShapeMismatchException($"{who}: label '{c}' has sizes {sa} and {sb} that do not broadcast.");
            batchSizes.Add(Math.Max(sa, sb));
        }
        foreach (var c in inner)
            if (SizeA(c) != SizeB(c)) throw new ShapeMismatchException($"{who}: summed label '{c}' has sizes {SizeA(c)} and {SizeB(c)}.");
        int bt = batchSizes.Aggregate(1, (p, v) => checked(p * v));
        int m = aOnly.Aggregate(1, (p, c) => checked(p * SizeA(c)));
        int k = inner.Aggregate(1, (p, c) => checked(p * SizeA(c)));
        int n = bOnly.Aggregate(1, (p, c) => checked(p * SizeB(c)));
        Tensor Arrange(Term t, List<char> order, Func<char, int> size, int rows, int cols)
        {
            var perm = order.Select(c => t.Labels.IndexOf(c)).ToArray();
            var p = t.T.Permute(perm);
            var full = order.Select((c, i) => i < batch.Count ? batchSizes[i] : size(c)).ToArray();
            return p.Expand(full).Reshape(bt, rows, cols);
        }
        var am = Arrange(a, [.. batch, .. aOnly, .. inner], SizeA, m, k);
        var bm = Arrange(b, [.. batch, .. inner, .. bOnly], SizeB, k, n);
        var y = am.MatMul(bm);
        var outShape = batchSizes.Concat(aOnly.Select(SizeA)).Concat(bOnly.Select(SizeB)).ToArray();
        return new Term(y.Reshape(outShape), [.. batch, .. aOnly, .. bOnly]);
    }
}
