// Top-k along one axis. Order: value (NaN above +inf, like PyTorch's sort), ties broken by the lower index, so the
// result is deterministic and stable. Small k (k ≤ n/8) keeps a binary heap of the k best (O(n log k));
// otherwise the line's index array is sorted whole (O(n log n)). The chosen k are always returned best first.
using System.Numerics;

namespace DeepSeek.Backends.Cpu.Reduction;

internal static unsafe class TopKKernel
{
    public static void Run(Tensor src, int k, int axis, bool largest, Tensor values, Tensor indices)
    {
        var lp = LinePlan.Build(src, indices, axis);
        if (lp.Count == 0 || k == 0) return;
        byte* s = CpuBackend.Ptr(src), v = CpuBackend.Ptr(values);
        long* ix = CpuBackend.Ptr<long>(indices);
        switch (src.DType)
        {
            case DType.F32: Lines((float*)s, lp, k, largest, (float*)v, ix); break;
            case DType.F64: Lines((double*)s, lp, k, largest, (double*)v, ix); break;
            case DType.I8: Lines((sbyte*)s, lp, k, largest, (sbyte*)v, ix); break;
            case DType.U8: case DType.Bool: Lines(s, lp, k, largest, v, ix); break;
            case DType.I16: Lines((short*)s, lp, k, largest, (short*)v, ix); break;
            case DType.I32: Lines((int*)s, lp, k, largest, (int*)v, ix); break;
            case DType.I64: Lines((long*)s, lp, k, largest, (long*)v, ix); break;
            default:
                throw new DTypeMismatchException($"TopK: the CPU kernel takes f32, f64, integer or bool sources, got {src.DType.Name()} (shape {src.Shape}).");
        }
    }

    private static void Lines<T>(T* src, LinePlan lp, int k, bool largest, T* values, long* indices) where T : unmanaged, INumber<T>
    {
        nint sp = (nint)src, vp = (nint)values, ip = (nint)indices;
        int n = lp.SrcLength;
        long st = lp.SrcStride, ds = lp.DstStride;
        CpuParallel.For(lp.Count, (long)n * Math.Max(1, BitOperations.Log2((uint)n)), (s, e) =>
        {
            var vals = new T[n];
            var order = new int[n];
            var cmp = new Better<T>(vals, largest);
            var od = new Odometer(lp.OuterShape, lp.SrcOuter, lp.DstOuter, s);
            for (long o = s; o < e; o++, od.Next())
            {
                T* p = (T*)sp + od.Off0;
                for (int i = 0; i < n; i++) vals[i] = p[i * st];
                int m = Select(order, n, k, cmp);
                T* vo = (T*)vp + od.Off1;
                long* io = (long*)ip + od.Off1;
                for (int j = 0; j < m; j++)
                {
                    vo[j * ds] = vals[order[j]];
                    io[j * ds] = order[j];
                }
            }
        });
    }

    /// <summary>Puts the indices of the k best of vals[0..n) into order[0..k), best first; returns k.</summary>
    internal static int Select<T>(int[] order, int n, int k, Better<T> cmp) where T : unmanaged, INumber<T>
    {
        if ((long)k * 8 > n)
        {
            for (int i = 0; i < n; i++) order[i] = i;
            Array.Sort(order, 0, n, cmp);
            return k;
        }
        // Min-heap on "better": the root is the worst of the current k best.
        var heap = new Span<int>(order, 0, k);
        for (int i = 0; i < k; i++)
        {
            heap[i] = i;
            SiftUp(heap, i, cmp);
        }
        for (int i = k; i < n; i++)
        {
            if (cmp.Compare(i, heap[0]) < 0)
            {
                heap[0] = i;
                SiftDown(heap, 0, k, cmp);
            }
        }
        Array.Sort(order, 0, k, cmp);
        return k;
    }

    private static void SiftUp<T>(Span<int> h, int i, Better<T> cmp) where T : unmanaged, INumber<T>
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (cmp.Compare(h[i], h[parent]) <= 0) break; // h[i] is better: stays below
            (h[i], h[parent]) = (h[parent], h[i]);
            i = parent;
        }
    }

    private static void SiftDown<T>(Span<int> h, int i, int count, Better<T> cmp) where T : unmanaged, INumber<T>
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < count && cmp.Compare(h[l], h[worst]) > 0) worst = l;
            if (r < count && cmp.Compare(h[r], h[worst]) > 0) worst = r;
            if (worst == i) return;
            (h[i], h[worst]) = (h[worst], h[i]);
            i = worst;
        }
    }

    /// <summary>Orders indices best first: by value (descending when largest, NaN greatest), then by index.</summary>
    internal sealed class Better<T>(T[] vals, bool largest) : IComparer<int> where T : unmanaged, INumber<T>
    {
        public int Compare(int a, int b)
        {
            int c = ValueOrder(vals[a], vals[b]);
            if (c != 0) return largest ? -c : c;
            return a.CompareTo(b);
        }

        private static int ValueOrder(T x, T y)
        {
            bool nx = T.IsNaN(x), ny = T.IsNaN(y);
            if (nx || ny) return nx == ny ? 0 : nx ? 1 : -1;
            return x < y ? -1 : x > y ? 1 : 0;
        }
    }
}
