// Static kernels for ONNX data-movement ops: each builds a strided view of its input (permuted, sliced, broadcast) or
// of its output (one slice per Concat input) and lets the backend copy, flip, pad or index-select into the planned
// output. Slice/Pad parameters and constant Gather indices are read and normalised once when the node is prepared.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for Transpose, Concat, Gather, Slice, Expand and Pad (constant mode).</summary>
[OpSet]
public static class StaticShape
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("Transpose", Transpose);
        r.Register("Concat", Concat);
        r.Register("Gather", Gather);
        r.Register("Slice", Slice);
        r.Register("Expand", Expand);
        r.Register("Pad", Pad);
    }

    /// <summary>Input 0 when the node has one output of input 0's dtype; else null.</summary>
    private static TensorMeta? Data(StaticKernelRequest req) =>
        req.Outputs.Count == 1 && In(req, 0) is { } x && x.DType == req.Outputs[0].DType ? x : null;

    private static IStaticKernel? Transpose(StaticKernelRequest req)
    {
        if (Data(req) is not { } x) return null;
        int r = x.Shape.Rank;
        var perm = req.Node.GetInts("perm")?.Select(p => Axis(p, r)).ToArray() ?? Enumerable.Range(0, r).Reverse().ToArray();
        if (perm.Length != r || perm.Any(p => p < 0) || perm.Distinct().Count() != r) return null;
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var v = ins[0]!.Permute(perm);
            outs[0].Backend.Copy(v, outs[0]);
        });
    }

    private static IStaticKernel? Concat(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count == 0) return null;
        var y = req.Outputs[0];
        if (y.Shape.Rank == 0 || req.Node.GetIntOrNull("axis") is not long a) return null;
        int axis = Axis(a, y.Shape.Rank);
        if (axis < 0) return null;
        var sizes = new int[req.Inputs.Count];
        int total = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (req.Inputs[i] is not { } m) { sizes[i] = -1; continue; } // an omitted input contributes nothing
            if (m.DType != y.DType || m.Shape.Rank != y.Shape.Rank) return null;
            sizes[i] = m.Shape[axis];
            total += sizes[i];
        }
        if (total != y.Shape[axis]) return null;
        return new DelegateStaticKernel((ins, outs) =>
        {
            int at = 0;
            for (int i = 0; i < ins.Length; i++)
            {
                if (sizes[i] <= 0) continue;
                using var part = outs[0].Narrow(axis, at, sizes[i]);
                outs[0].Backend.Copy(ins[i]!, part);
                at += sizes[i];
            }
        });
    }

    // Gather along one axis: out = data with dim `axis` replaced by the indices' shape, run as IndexSelect on flat
    // indices. ONNX allows negative indices (counted from the end); the backend does not, so they are wrapped.
    private static IStaticKernel? Gather(StaticKernelRequest req)
    {
        if (Data(req) is not { } x || req.Inputs.Count != 2 || In(req, 1) is not { } idx || idx.DType is not (DType.I32 or DType.I64)) return null;
        int axis = Axis(req.Node.GetInt("axis", 0), x.Shape.Rank);
        if (axis < 0) return null;
        int n = x.Shape[axis];
        var idxShape = Dims(idx.Shape);
        Tensor? fixedIndex = null;
        if (Known(req, 1) is { } known)
        {
            var values = Longs(known);
            for (int i = 0; i < values.Length; i++)
            {
                long v = values[i] < 0 ? values[i] + n : values[i];
                if (v < 0 || v >= n)
                    throw new IndexOutOfRangeException($"{req.Describe()}: index {values[i]} is out of range for axis {axis} of size {n} (valid: {-n} … {n - 1}).");
                values[i] = v;
            }
            using var flat = Tensor.FromArray(values);
            fixedIndex = flat.Reshape(idxShape).Contiguous().DetachFromScope();
        }
        return new GatherKernel(axis, n, idxShape, fixedIndex);
    }

    // The backend's IndexSelect takes an index of any rank (its shape replaces the axis in dst): no views per run.
    private sealed class GatherKernel(int axis, int n, int[] idxShape, Tensor? fixedIndex) : IStaticKernel
    {
        public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs)
        {
            var x = inputs[0]!;
            var dst = outputs[0];
            if (fixedIndex is not null)
            {
                x.Backend.IndexSelect(x, axis, fixedIndex, dst);
                return;
            }
            var idx = inputs[1]!;
            if (idx.Numel > 0 && x.Backend.IntegerRange(idx).Min < 0)
            {
                // negative indices are rare: wrap them in a temporary rather than in every run
                using var l = idx.To(DType.I64);
                var v = l.ToArray<long>();
                for (int i = 0; i < v.Length; i++) if (v[i] < 0) v[i] += n;
                using var flat = Tensor.FromArray(v);
                using var wrapped = flat.Reshape(idxShape);
                x.Backend.IndexSelect(x, axis, wrapped, dst);
                return;
            }
            x.Backend.IndexSelect(x, axis, idx, dst);
        }

        public void Dispose() => fixedIndex?.Dispose();
    }

    // Slice with known starts/ends/axes/steps (numpy clamping): positive steps are strided views; a negative step is
    // the positive-step slice of the same elements, flipped while copying.
    private static IStaticKernel? Slice(StaticKernelRequest req)
    {
        if (Data(req) is not { } x) return null;
        long[] starts, ends;
        long[]? axes = null, steps = null;
        if (req.Opset < 10)
        {
            if (req.Node.GetInts("starts") is not { } s || req.Node.GetInts("ends") is not { } e) return null;
            (starts, ends, axes) = (s, e, req.Node.GetInts("axes"));
        }
        else
        {
            if (Known(req, 1) is not { } s || Known(req, 2) is not { } e || Unknown(req, 3) || Unknown(req, 4)) return null;
            (starts, ends) = (Longs(s), Longs(e));
            if (Known(req, 3) is { } a) axes = Longs(a);
            if (Known(req, 4) is { } st) steps = Longs(st);
        }
        int r = x.Shape.Rank;
        if (ends.Length != starts.Length || (axes?.Length ?? starts.Length) != starts.Length || (steps?.Length ?? starts.Length) != starts.Length) return null;
        var cuts = new List<(int Dim, long Start, long End, long Step)>();
        var flip = new bool[r];
        for (int i = 0; i < starts.Length; i++)
        {
            int d = Axis(axes?[i] ?? i, r);
            long step = steps?[i] ?? 1;
            if (d < 0 || step == 0 || cuts.Any(c => c.Dim == d)) return null;
            long n = x.Shape[d];
            long s = starts[i] < 0 ? starts[i] + n : starts[i], e = ends[i] < 0 ? ends[i] + n : ends[i];
            if (step > 0)
            {
                s = Math.Clamp(s, 0, n);
                cuts.Add((d, s, Math.Max(s, Math.Clamp(e, 0, n)), step));
                continue;
            }
            s = Math.Clamp(s, 0, n - 1);
            e = Math.Clamp(e, -1, n - 1);
            long len = s > e ? (s - e + (-step) - 1) / (-step) : 0;
            cuts.Add(len == 0 ? (d, 0, 0, 1) : (d, s - (len - 1) * (-step), s + 1, -step));
            flip[d] = len > 1;
        }
        bool anyFlip = flip.Any(f => f);
        return new DelegateStaticKernel((ins, outs) =>
        {
            var views = new Tensor[cuts.Count];
            try
            {
                var cur = ins[0]!;
                for (int i = 0; i < cuts.Count; i++)
                {
                    var (d, s, e, step) = cuts[i];
                    cur = views[i] = cur.Slice(d, s, e, step);
                }
                if (anyFlip) outs[0].Backend.Flip(cur, flip, outs[0]);
                else outs[0].Backend.Copy(cur, outs[0]);
            }
            finally
            {
                foreach (var v in views) v?.Dispose();
            }
        });
    }

    private static IStaticKernel? Expand(StaticKernelRequest req)
    {
        if (Data(req) is not { } x || req.Inputs.Count != 2) return null;
        var shape = req.Outputs[0].Shape;
        if (shape.Rank < x.Shape.Rank) return null;
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var v = ins[0]!.BroadcastTo(shape);
            outs[0].Backend.Copy(v, outs[0]);
        });
    }

    // Pad, constant mode: pads (and the fill value, and opset-18 axes) must be known; negative pads crop.
    private static IStaticKernel? Pad(StaticKernelRequest req)
    {
        if (Data(req) is not { } x || req.Node.GetString("mode", "constant") != "constant") return null;
        int r = x.Shape.Rank;
        long[] pads;
        double value = 0;
        if (req.Opset < 11)
        {
            if (req.Node.GetInts(req.Opset < 2 ? "paddings" : "pads") is not { } p) return null;
            pads = p;
            value = req.Node.GetFloat("value", 0);
        }
        else
        {
            if (Known(req, 1) is not { } p || Unknown(req, 2) || Unknown(req, 3)) return null;
            pads = Longs(p);
            if (Known(req, 2) is { Numel: > 0 } cv)
            {
                using var c1 = cv.Reshape((int)cv.Numel);
                using var first = c1.Narrow(0, 0, 1);
                value = first.ToDoubleArray()[0];
            }
        }
        var axes = Enumerable.Range(0, r).ToArray();
        if (req.Opset >= 18 && Known(req, 3) is { } at)
        {
            axes = Longs(at).Select(a => Axis(a, r)).ToArray();
            if (axes.Any(a => a < 0)) return null;
        }
        if (pads.Length != 2 * axes.Length) return null;
        var before = new int[r];
        var after = new int[r];
        for (int i = 0; i < axes.Length; i++)
        {
            before[axes[i]] = checked((int)pads[i]);
            after[axes[i]] = checked((int)pads[i + axes.Length]);
        }
        if (r == 0) return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Copy(ins[0]!, outs[0]));
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Pad(ins[0]!, before, after, PadMode.Constant, value, outs[0]));
    }
}
