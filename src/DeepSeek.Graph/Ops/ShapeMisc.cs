using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;
using static DeepSeek.Graph.Ops.ShapeKit;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX CenterCropPad (centred Slice then constant Pad per axis) and Unique (host grouping of elements or slices along
/// an axis compared by value; the unique values are gathered with Core IndexSelect so every dtype stays exact).
/// </summary>
[OpSet]
public static class ShapeMisc
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("CenterCropPad", [18], CenterCropPad);
        r.Register("Unique", [11], Unique);
    }

    private static RuntimeValue?[] CenterCropPad(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        var shape = Longs(ctx, ctx.Tensor(1), "shape");
        int r = x.Rank;
        var axes = ctx.Node.GetInts("axes") is { } ax ? ax.Select(a => Axis(ctx, a, r, "axes entry")).ToArray() : Enumerable.Range(0, r).ToArray();
        if (shape.Length != axes.Length)
            throw new ShapeMismatchException($"{ctx.Describe()}: shape {Fmt(shape)} must have one entry per axis ({axes.Length}) of input {x.Shape}.");
        var cur = x.Detach();
        var pads = new int[2 * r];
        for (int i = 0; i < axes.Length; i++)
        {
            int d = axes[i], n = x.Size(d), t = Dim(ctx, shape[i], "shape entry");
            if (t < n)
            {
                int start = (n - t) / 2;
                var next = cur.Slice(d, start, start + t);
                cur.Dispose();
                cur = next;
            }
            else if (t > n)
            {
                pads[2 * (r - 1 - d)] = (t - n) / 2;
                pads[2 * (r - 1 - d) + 1] = t - n - (t - n) / 2;
            }
        }
        if (pads.All(p => p == 0)) using (cur) return One(cur.Contiguous());
        using (cur) return One(cur.Pad(pads, PadMode.Constant, 0));
    }

    private sealed class KeyComparer : IEqualityComparer<double[]>, IComparer<double[]>
    {
        public bool Equals(double[]? a, double[]? b) => a!.AsSpan().SequenceEqual(b);

        public int GetHashCode(double[] a)
        {
            var h = new HashCode();
            foreach (var v in a) h.Add(v);
            return h.ToHashCode();
        }

        public int Compare(double[]? a, double[]? b)
        {
            for (int i = 0; i < a!.Length; i++)
            {
                int c = a[i].CompareTo(b![i]);
                if (c != 0) return c;
            }
            return 0;
        }
    }

    private static RuntimeValue?[] Unique(OpContext ctx)
    {
        var x = ctx.Tensor(0);
        bool sorted = ctx.Node.GetInt("sorted", 1) != 0;
        var axisAttr = ctx.Node.GetIntOrNull("axis");
        using var src = axisAttr is null ? x.Reshape(-1) : x.Detach();
        int axis = axisAttr is long a ? Axis(ctx, a, x.Rank) : 0;
        var dims = Dims(src);
        int n = dims[axis];
        long outer = Prod(dims, 0, axis), inner = Prod(dims, axis + 1);
        var data = src.ToDoubleArray();
        var keys = new double[n][];
        for (int k = 0; k < n; k++)
        {
            var key = new double[outer * inner];
            for (long o = 0; o < outer; o++)
                Array.Copy(data, (o * n + k) * inner, key, o * inner, inner);
            keys[k] = key;
        }
        var cmp = new KeyComparer();
        var first = new Dictionary<double[], int>(cmp);
        var order = new List<int>();
        var counts = new Dictionary<int, long>();
        var groupOf = new int[n];
        for (int k = 0; k < n; k++)
        {
            if (!first.TryGetValue(keys[k], out int f)) { first[keys[k]] = f = k; order.Add(k); counts[k] = 0; }
            counts[f]++;
            groupOf[k] = f;
        }
        if (sorted) order.Sort((p, q) => cmp.Compare(keys[p], keys[q]));
        var pos = new Dictionary<int, long>();
        for (int i = 0; i < order.Count; i++) pos[order[i]] = i;
        var firstIdx = order.Select(k => (long)k).ToArray();
        using var it = Tensor.FromArray(firstIdx);
        var y = src.IndexSelect(axis, it);
        return Many(y, I64(firstIdx), I64(groupOf.Select(g => pos[g]).ToArray()), I64(order.Select(k => counts[k]).ToArray()));
    }
}
