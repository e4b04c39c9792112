using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.FlowHelpers;

namespace DeepSeek.Graph.Ops;

// ONNX sequence operators (opset 11+, SequenceMap 17) per the ONNX operator spec. Sequences hold tensors of one
// element type; every op returns a new SequenceValue whose items are views (Detach) or new tensors, never the
// input objects. Positions accept negative values counting from the end.

/// <summary>SequenceEmpty/Construct/At/Insert/Erase/Length, SplitToSequence, ConcatFromSequence and SequenceMap kernels.</summary>
[OpSet]
public static class FlowSequenceOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("SequenceEmpty", 11, SequenceEmpty);
        r.Register("SequenceConstruct", 11, SequenceConstruct);
        r.Register("SequenceAt", 11, SequenceAt);
        r.Register("SequenceInsert", 11, SequenceInsert);
        r.Register("SequenceErase", 11, SequenceErase);
        r.Register("SequenceLength", 11, ctx => [new TensorValue(Tensor.Scalar(Sequence(ctx, 0).Items.Count, DType.I64))]);
        r.Register("SplitToSequence", 11, SplitToSequence);
        r.Register("ConcatFromSequence", 11, ConcatFromSequence);
        r.Register("SequenceMap", 17, SequenceMap);
    }

    private static RuntimeValue?[] SequenceEmpty(OpContext ctx) =>
        [new SequenceValue([], OnnxElementTypes.ToDType(ctx.Node.GetInt("dtype", 1), ctx.Describe()))];

    private static RuntimeValue?[] SequenceConstruct(OpContext ctx)
    {
        if (ctx.InputCount == 0) throw new ModelFormatException($"{ctx.Describe()}: needs at least one input tensor.");
        var items = new List<Tensor>(ctx.InputCount);
        for (int i = 0; i < ctx.InputCount; i++)
        {
            var t = ctx.Tensor(i);
            if (t.DType != ctx.Tensor(0).DType)
            {
                DisposeAll(items);
                throw new DTypeMismatchException($"{ctx.Describe()}: all inputs must share one element type; input 0 is {ctx.Tensor(0).DType.Name()}{ctx.Tensor(0).Shape}, input {i} is {t.DType.Name()}{t.Shape}.");
            }
            items.Add(t.Detach());
        }
        return [new SequenceValue(items)];
    }

    // position in [-n, n - 1] (or [-n, n] when `insert`), normalised to [0, n]
    private static int Position(OpContext ctx, int input, int count, bool insert)
    {
        long p = ScalarLong(ctx.Tensor(input), $"{ctx.Describe()} input {input} (position)");
        long hi = insert ? count : count - 1;
        if (p < -count || p > hi)
            throw new IndexOutOfRangeException($"{ctx.Describe()}: position {p} is out of range for a sequence of length {count} (allowed [{-count}, {hi}]).");
        return (int)(p < 0 ? p + count : p);
    }

    private static RuntimeValue?[] SequenceAt(OpContext ctx)
    {
        var seq = Sequence(ctx, 0);
        int p = Position(ctx, 1, seq.Items.Count, insert: false);
        return [new TensorValue(seq.Items[p].Detach())];
    }

    private static RuntimeValue?[] SequenceInsert(OpContext ctx)
    {
        var seq = Sequence(ctx, 0);
        var t = ctx.Tensor(1);
        if (seq.ElementType is { } et && et != t.DType)
            throw new DTypeMismatchException($"{ctx.Describe()}: cannot insert a {t.DType.Name()}{t.Shape} tensor into a sequence of {et.Name()}.");
        int p = ctx.Has(2) ? Position(ctx, 2, seq.Items.Count, insert: true) : seq.Items.Count;
        var items = seq.Items.Select(x => x.Detach()).ToList();
        items.Insert(p, t.Detach());
        return [new SequenceValue(items, t.DType)];
    }

    private static RuntimeValue?[] SequenceErase(OpContext ctx)
    {
        var seq = Sequence(ctx, 0);
        if (seq.Items.Count == 0) throw new IndexOutOfRangeException($"{ctx.Describe()}: cannot erase from an empty sequence.");
        int p = ctx.Has(1) ? Position(ctx, 1, seq.Items.Count, insert: false) : seq.Items.Count - 1;
        var items = seq.Items.Where((_, i) => i != p).Select(x => x.Detach()).ToList();
        return [new SequenceValue(items, seq.ElementType)];
    }

    private static RuntimeValue?[] SplitToSequence(OpContext ctx)
    {
        var who = ctx.Describe();
        var x = ctx.Tensor(0);
        if (x.Rank == 0) throw new ShapeMismatchException($"{who}: cannot split a scalar (shape []).");
        int axis = Shape.NormalizeAxis((int)ctx.Node.GetInt("axis", 0), x.Rank, who);
        int dim = x.Shape[axis];
        var items = new List<Tensor>();
        if (ctx.OptionalTensor(1) is not { } split)
        {
            bool keep = ctx.Node.GetInt("keepdims", 1) != 0;
            for (int i = 0; i < dim; i++)
                items.Add(keep ? x.Narrow(axis, i, 1) : x.Select(axis, i));
            return [new SequenceValue(items, x.DType)];
        }
        if (!split.DType.IsInteger())
            throw new DTypeMismatchException($"{who}: split must be int32 or int64, got {split.DType.Name()}{split.Shape}.");
        long[] sizes;
        if (split.Rank == 0)
        {
            long s = ScalarLong(split, $"{who} split");
            if (s <= 0) throw new ArgumentException($"{who}: split size must be positive, got {s} (axis {axis} of shape {x.Shape}).");
            int count = (int)((dim + s - 1) / s);
            sizes = Enumerable.Range(0, count).Select(i => Math.Min(s, dim - i * s)).ToArray();
        }
        else if (split.Rank == 1)
        {
            using var s64 = split.To(DType.I64);
            sizes = s64.ToArray<long>();
            if (sizes.Any(v => v < 0) || sizes.Sum() != dim)
                throw new ShapeMismatchException($"{who}: split sizes [{string.Join(", ", sizes)}] must be non-negative and sum to {dim} (axis {axis} of shape {x.Shape}).");
        }
        else throw new ShapeMismatchException($"{who}: split must be a scalar or 1-d tensor, got shape {split.Shape}.");
        long start = 0;
        foreach (var s in sizes)
        {
            items.Add(x.Narrow(axis, start, s));
            start += s;
        }
        return [new SequenceValue(items, x.DType)];
    }

    private static RuntimeValue?[] ConcatFromSequence(OpContext ctx)
    {
        var who = ctx.Describe();
        var seq = Sequence(ctx, 0);
        long axisAttr = ctx.Node.GetIntOrNull("axis") ?? throw new ModelFormatException($"{who}: required attribute 'axis' is missing.");
        bool newAxis = ctx.Node.GetInt("new_axis", 0) != 0;
        if (seq.Items.Count == 0) throw new ShapeMismatchException($"{who}: the input sequence is empty; there is nothing to concatenate.");
        var first = seq.Items[0];
        foreach (var t in seq.Items)
            if (t.DType != first.DType || t.Rank != first.Rank)
                throw new ShapeMismatchException($"{who}: elements must share type and rank; got {first.DType.Name()}{first.Shape} and {t.DType.Name()}{t.Shape}.");
        if (newAxis)
            return [new TensorValue(Tensor.Stack(seq.Items, Shape.NormalizeAxis((int)axisAttr, first.Rank + 1, who)))];
        int axis = Shape.NormalizeAxis((int)axisAttr, first.Rank, who);
        return [new TensorValue(Tensor.Concat(seq.Items, axis))];
    }

    private static RuntimeValue?[] SequenceMap(OpContext ctx)
    {
        var who = ctx.Describe();
        var body = ctx.Node.GetGraph("body");
        var seq = Sequence(ctx, 0);
        int extra = ctx.InputCount - 1;
        if (body.Inputs.Count != 1 + extra)
            throw new ModelFormatException($"{who}: body '{body.Name}' takes {body.Inputs.Count} inputs; the node gives 1 + {extra}.");
        int count = seq.Items.Count;
        for (int j = 1; j <= extra; j++)
        {
            if (!ctx.Has(j)) throw new ModelFormatException($"{who}: additional input {j} is missing.");
            if (ctx.Inputs[j] is SequenceValue s && s.Items.Count != count)
                throw new ShapeMismatchException($"{who}: input {j} is a sequence of length {s.Items.Count} but input 0 has length {count}.");
            if (ctx.Inputs[j] is not (SequenceValue or TensorValue))
                throw new DTypeMismatchException($"{who}: additional input {j} must be a tensor or sequence, got {ctx.Inputs[j]!.Describe()}.");
        }
        int k = body.Outputs.Count;
        var collected = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var args = new List<RuntimeValue>(1 + extra) { new TensorValue(seq.Items[i]) };
                for (int j = 1; j <= extra; j++)
                    args.Add(ctx.Inputs[j] is SequenceValue s ? new TensorValue(s.Items[i]) : ctx.Inputs[j]!);
                var outs = ctx.Interpreter.RunSubgraph(body, args, ctx.Frame);
                for (int o = 0; o < k; o++)
                {
                    if (outs[o] is not TensorValue tv)
                    {
                        DisposeAll(outs);
                        throw new DTypeMismatchException($"{who}: body output {o} must be a tensor, got {outs[o].Describe()}.");
                    }
                    collected[o].Add(tv.Tensor);
                }
            }
        }
        catch
        {
            foreach (var c in collected) DisposeAll(c);
            throw;
        }
        var results = new RuntimeValue?[k];
        for (int o = 0; o < k; o++)
            results[o] = new SequenceValue(collected[o], collected[o].Count > 0 ? collected[o][0].DType : ElementTypeOf(body.Outputs[o].Type));
        return results;
    }
}
