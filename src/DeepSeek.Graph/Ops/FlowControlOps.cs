using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.FlowHelpers;

namespace DeepSeek.Graph.Ops;

// ONNX control flow (If, Loop, Scan) per the ONNX operator spec: bodies run through Interpreter.RunSubgraph with
// the node's frame as outer scope; loop-carried values are owned per iteration and freed once replaced, scan outputs
// are stacked along a new axis. Scan-8 has a batch axis and sequence_lens; Scan-9+ has per-input/output axes and directions.

/// <summary>If, Loop and Scan kernels.</summary>
[OpSet]
public static class FlowControlOps
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("If", [1, 11, 13, 16, 19, 21, 23, 24, 25], If);
        r.Register("Loop", [1, 11, 13, 16, 19, 21, 23, 24, 25], Loop);
        r.Register("Scan", 8, Scan8);
        r.Register("Scan", [9, 11, 16, 19, 21, 23, 24, 25], Scan9);
    }

    private static RuntimeValue?[] If(OpContext ctx)
    {
        bool cond = ScalarBool(ctx.Tensor(0), $"{ctx.Describe()} input 0 (cond)");
        var branch = ctx.Node.GetGraph(cond ? "then_branch" : "else_branch");
        if (branch.Inputs.Count != 0)
            throw new ModelFormatException($"{ctx.Describe()}: branch '{branch.Name}' must take no inputs, it declares {branch.Inputs.Count}.");
        var outs = ctx.Interpreter.RunSubgraph(branch, [], ctx.Frame);
        if (outs.Count != ctx.Node.Outputs.Count)
        {
            DisposeAll(outs);
            throw new ModelFormatException($"{ctx.Describe()}: branch '{branch.Name}' produced {outs.Count} outputs but the node has {ctx.Node.Outputs.Count}.");
        }
        return outs.ToArray();
    }

    private static RuntimeValue?[] Loop(OpContext ctx)
    {
        var who = ctx.Describe();
        var body = ctx.Node.GetGraph("body");
        int n = ctx.Node.Inputs.Count - 2;
        if (n < 0) throw new ModelFormatException($"{who}: expects inputs (M, cond, v_initial...), got {ctx.Node.Inputs.Count}.");
        if (body.Inputs.Count != n + 2)
            throw new ModelFormatException($"{who}: body '{body.Name}' takes {body.Inputs.Count} inputs; expected {n + 2} (iteration_num, cond and {n} loop-carried values).");
        int k = body.Outputs.Count - 1 - n;
        if (k < 0)
            throw new ModelFormatException($"{who}: body '{body.Name}' has {body.Outputs.Count} outputs; expected at least {n + 1} (cond and {n} loop-carried values).");
        long? tripCount = ctx.Has(0) ? ScalarLong(ctx.Tensor(0), $"{who} input 0 (M)") : null;
        bool? condIn = ctx.Has(1) ? ScalarBool(ctx.Tensor(1), $"{who} input 1 (cond)") : null;
        var carried = new RuntimeValue[n];
        for (int i = 0; i < n; i++)
            carried[i] = ctx.Inputs[i + 2] ?? throw new ModelFormatException($"{who}: loop-carried input {i + 2} is missing (ONNX does not allow omitting it).");

        bool owned = false; // carried values came from the body (ours to free) rather than from the node's inputs
        var scans = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        try
        {
            bool cond = condIn ?? true;
            for (long it = 0; (tripCount is null || it < tripCount) && (condIn is null || cond); it++)
            {
                List<RuntimeValue> outs;
                using (var iter = Tensor.Scalar(it, DType.I64))
                using (var condT = Tensor.Scalar(cond ? 1 : 0, DType.Bool))
                {
                    var args = new List<RuntimeValue>(n + 2) { new TensorValue(iter), new TensorValue(condT) };
                    args.AddRange(carried);
                    outs = ctx.Interpreter.RunSubgraph(body, args, ctx.Frame);
                }
                try
                {
                    cond = ScalarBool(outs[0].AsTensor($"{who} body output 0 (cond)"), $"{who} body output 0 (cond)");
                    for (int j = 0; j < k; j++) scans[j].Add(outs[1 + n + j].AsTensor($"{who} body scan output {j}"));
                }
                catch
                {
                    DisposeAll(outs);
                    throw;
                }
                outs[0].Dispose();
                if (owned) DisposeAll(carried);
                for (int i = 0; i < n; i++) carried[i] = outs[1 + i];
                owned = true;
            }

            var results = new RuntimeValue?[n + k];
            try
            {
                for (int j = 0; j < k; j++)
                    results[n + j] = scans[j].Count == 0
                        ? EmptyScanOutput(body.Outputs[1 + n + j], 0, who)
                        : Tensor.Stack(scans[j], 0);
            }
            catch
            {
                DisposeAll(results);
                throw;
            }
            for (int i = 0; i < n; i++) results[i] = owned ? carried[i] : carried[i].Share();
            owned = false;
            return results;
        }
        finally
        {
            if (owned) DisposeAll(carried);
            foreach (var s in scans) DisposeAll(s);
        }
    }

    private static RuntimeValue?[] Scan9(OpContext ctx)
    {
        var who = ctx.Describe();
        var body = ctx.Node.GetGraph("body");
        int m = (int)(ctx.Node.GetIntOrNull("num_scan_inputs") ?? throw new ModelFormatException($"{who}: required attribute 'num_scan_inputs' is missing."));
        int n = ctx.Node.Inputs.Count - m;
        if (m <= 0 || n < 0) throw new ModelFormatException($"{who}: num_scan_inputs={m} does not fit {ctx.Node.Inputs.Count} inputs.");
        int k = body.Outputs.Count - n;
        if (body.Inputs.Count != n + m || k < 0)
            throw new ModelFormatException($"{who}: body '{body.Name}' has {body.Inputs.Count} inputs and {body.Outputs.Count} outputs; expected {n + m} inputs ({n} states, {m} scan slices) and at least {n} outputs.");
        var inAxes = Attr(ctx, "scan_input_axes", m);
        var inDirs = Attr(ctx, "scan_input_directions", m);
        var outAxes = Attr(ctx, "scan_output_axes", k);
        var outDirs = Attr(ctx, "scan_output_directions", k);

        var states = new RuntimeValue[n];
        for (int i = 0; i < n; i++) states[i] = ctx.Inputs[i] ?? throw new ModelFormatException($"{who}: initial state input {i} is missing.");
        var xs = new Tensor[m];
        var axes = new int[m];
        long len = -1;
        for (int j = 0; j < m; j++)
        {
            xs[j] = ctx.Tensor(n + j);
            axes[j] = Shape.NormalizeAxis((int)inAxes[j], xs[j].Rank, $"{who} scan_input_axes[{j}]");
            long l = xs[j].Shape[axes[j]];
            if (len >= 0 && l != len)
                throw new ShapeMismatchException($"{who}: scan input {j} has length {l} along axis {axes[j]} (shape {xs[j].Shape}) but earlier scan inputs have {len}.");
            len = l;
        }
        var (final, scans) = RunScan(ctx, body, states, xs, axes, inDirs, len, k);
        var results = new RuntimeValue?[n + k];
        try
        {
            for (int i = 0; i < n; i++) results[i] = final[i];
            for (int j = 0; j < k; j++)
            {
                if (outDirs[j] == 1) scans[j].Reverse();
                results[n + j] = scans[j].Count == 0
                    ? EmptyScanOutput(body.Outputs[n + j], (int)outAxes[j], who)
                    : Tensor.Stack(scans[j], Shape.NormalizeAxis((int)outAxes[j], scans[j][0].Rank + 1, $"{who} scan_output_axes[{j}]"));
            }
            return results;
        }
        catch
        {
            DisposeAll(results);
            throw;
        }
        finally
        {
            foreach (var s in scans) DisposeAll(s);
        }
    }

    private static RuntimeValue?[] Scan8(OpContext ctx)
    {
        var who = ctx.Describe();
        var body = ctx.Node.GetGraph("body");
        int m = (int)(ctx.Node.GetIntOrNull("num_scan_inputs") ?? throw new ModelFormatException($"{who}: required attribute 'num_scan_inputs' is missing."));
        int n = ctx.Node.Inputs.Count - 1 - m;
        if (m <= 0 || n < 0) throw new ModelFormatException($"{who}: num_scan_inputs={m} does not fit {ctx.Node.Inputs.Count} inputs (sequence_lens, states..., scan inputs...).");
        int k = body.Outputs.Count - n;
        if (body.Inputs.Count != n + m || k < 0)
            throw new ModelFormatException($"{who}: body '{body.Name}' has {body.Inputs.Count} inputs and {body.Outputs.Count} outputs; expected {n + m} inputs and at least {n} outputs.");
        var dirs = Attr(ctx, "directions", m);
        var all = Enumerable.Range(1, n + m).Select(i => ctx.Tensor(i)).ToArray();
        foreach (var t in all)
            if (t.Rank == 0) throw new ShapeMismatchException($"{who}: states and scan inputs need a leading batch axis; got a scalar.");
        int batch = all[0].Shape[0];
        long maxLen = -1;
        for (int j = 0; j < m; j++)
        {
            var x = all[n + j];
            if (x.Rank < 2) throw new ShapeMismatchException($"{who}: scan input {j} must be [batch, sequence, ...], got {x.Shape}.");
            if (maxLen >= 0 && x.Shape[1] != maxLen)
                throw new ShapeMismatchException($"{who}: scan input {j} has sequence length {x.Shape[1]} (shape {x.Shape}) but earlier scan inputs have {maxLen}.");
            maxLen = x.Shape[1];
        }
        foreach (var t in all)
            if (t.Shape[0] != batch) throw new ShapeMismatchException($"{who}: all states and scan inputs must share batch size {batch}; got shape {t.Shape}.");
        long[]? lens = null;
        if (ctx.OptionalTensor(0) is { } sl)
        {
            if (!sl.DType.IsInteger() || sl.Rank != 1 || sl.Shape[0] != batch)
                throw new ShapeMismatchException($"{who}: sequence_lens must be an integer tensor of shape [{batch}], got {sl.DType.Name()}{sl.Shape}.");
            using var l64 = sl.To(DType.I64);
            lens = l64.ToArray<long>();
            foreach (var l in lens)
                if (l < 0 || l > maxLen) throw new ShapeMismatchException($"{who}: sequence_lens entry {l} is outside [0, {maxLen}].");
        }

        var finals = Enumerable.Range(0, n).Select(_ => new List<Tensor>()).ToArray();
        var outs = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        var perBatch = new List<Tensor>();
        try
        {
            for (int b = 0; b < batch; b++)
            {
                var states = new RuntimeValue[n];
                for (int i = 0; i < n; i++)
                {
                    var s = all[i].Select(0, b);
                    perBatch.Add(s);
                    states[i] = new TensorValue(s);
                }
                var xs = new Tensor[m];
                for (int j = 0; j < m; j++) perBatch.Add(xs[j] = all[n + j].Select(0, b));
                long len = lens?[b] ?? maxLen;
                var (final, scans) = RunScan(ctx, body, states, xs, new int[m], dirs, len, k);
                try
                {
                    for (int i = 0; i < n; i++) finals[i].Add(final[i].AsTensor($"{who} final state {i}"));
                    for (int j = 0; j < k; j++)
                    {
                        if (scans[j].Count == 0 && maxLen == 0)
                            outs[j].Add(EmptyScanOutput(body.Outputs[n + j], 0, who));
                        else if (scans[j].Count == 0)
                            throw new ModelFormatException($"{who}: batch {b} has sequence length 0; its scan output {j} shape is unknown.");
                        else
                            outs[j].Add(Padded(scans[j], maxLen));
                    }
                }
                finally
                {
                    foreach (var s in scans) DisposeAll(s);
                }
            }
            var results = new RuntimeValue?[n + k];
            for (int i = 0; i < n; i++) results[i] = Tensor.Stack(finals[i], 0);
            for (int j = 0; j < k; j++) results[n + j] = Tensor.Stack(outs[j], 0);
            return results;
        }
        finally
        {
            foreach (var f in finals) DisposeAll(f);
            foreach (var o in outs) DisposeAll(o);
            DisposeAll(perBatch);
        }
    }

    // Stacks one batch entry's scan outputs along a new axis 0, zero-padded to the longest sequence of the batch.
    private static Tensor Padded(List<Tensor> items, long maxLen)
    {
        var stacked = Tensor.Stack(items, 0);
        if (items.Count == maxLen) return stacked;
        using (stacked)
        {
            var shape = stacked.Shape.ToArray();
            shape[0] = (int)(maxLen - items.Count);
            using var pad = Tensor.Zeros(new Shape(shape), stacked.DType);
            return Tensor.Concat([stacked, pad], 0);
        }
    }

    // Runs the scan loop over `len` steps: state values thread through the body; slice t of each scan input
    // (reversed where the direction is 1) feeds it. Returns the final states (owned: shares of the initial ones
    // when len is 0) and each scan output's per-step tensors (owned).
    private static (RuntimeValue[] Final, List<Tensor>[] Scans) RunScan(OpContext ctx, Graph body, RuntimeValue[] initial,
        Tensor[] xs, int[] axes, long[] dirs, long len, int k)
    {
        var who = ctx.Describe();
        int n = initial.Length, m = xs.Length;
        var states = (RuntimeValue[])initial.Clone();
        bool owned = false;
        var scans = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        try
        {
            for (long t = 0; t < len; t++)
            {
                var slices = new Tensor[m];
                List<RuntimeValue> outs;
                try
                {
                    for (int j = 0; j < m; j++) slices[j] = xs[j].Select(axes[j], dirs[j] == 1 ? len - 1 - t : t);
                    var args = new List<RuntimeValue>(n + m);
                    args.AddRange(states);
                    args.AddRange(slices.Select(s => new TensorValue(s)));
                    outs = ctx.Interpreter.RunSubgraph(body, args, ctx.Frame);
                }
                finally
                {
                    foreach (var s in slices) s?.Dispose();
                }
                try
                {
                    for (int j = 0; j < k; j++) scans[j].Add(outs[n + j].AsTensor($"{who} body scan output {j}"));
                }
                catch
                {
                    DisposeAll(outs);
                    throw;
                }
                if (owned) DisposeAll(states);
                for (int i = 0; i < n; i++) states[i] = outs[i];
                owned = true;
            }
            if (!owned)
                for (int i = 0; i < n; i++) states[i] = states[i].Share();
            owned = false;
            return (states, scans);
        }
        catch
        {
            if (owned) DisposeAll(states);
            foreach (var s in scans) DisposeAll(s);
            throw;
        }
    }

    private static long[] Attr(OpContext ctx, string name, int count)
    {
        var v = ctx.Node.GetInts(name) ?? new long[count];
        if (v.Length != count)
            throw new ModelFormatException($"{ctx.Describe()}: attribute '{name}' has {v.Length} entries; expected {count}.");
        foreach (var d in v)
            if (name.Contains("direction", StringComparison.Ordinal) && d is not (0 or 1))
                throw new ModelFormatException($"{ctx.Describe()}: attribute '{name}' entries must be 0 (forward) or 1 (reverse), got {d}.");
        return v;
    }
}
