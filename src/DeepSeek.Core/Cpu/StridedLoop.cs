namespace DeepSeek.Backends.Cpu;

/// <summary>Inner loop over one row of up to three operands: n elements, each operand with its own byte stride.</summary>
internal unsafe interface IRowKernel
{
    /// <summary>Processes one row.</summary>
    void Row(byte* p0, long s0, byte* p1, long s1, byte* p2, long s2, long n);
}

/// <summary>
/// Iterates operands that share a logical shape but have arbitrary strides (broadcast dims have stride 0).
/// Dimensions are first coalesced (adjacent dims merge when every operand is contiguous across them, size-1
/// dims drop), so most elementwise work becomes one long row or a few long rows; the kernel then sees
/// (pointer, byte stride) per operand for each row and can take SIMD paths when strides are element-sized or 0.
/// Plans are immutable and cached per thread by layout, and rows fan out through struct bodies, so a steady-state
/// elementwise call allocates nothing.
/// </summary>
internal static unsafe class StridedLoop
{
    /// <summary>Coalesced shape and per-operand byte strides.</summary>
    internal readonly struct Plan
    {
        public readonly int[] Shape;
        public readonly long[] S0, S1, S2;
        public Plan(int[] shape, long[] s0, long[] s1, long[] s2) { Shape = shape; S0 = s0; S1 = s1; S2 = s2; }
        public long Rows
        {
            get
            {
                long r = 1;
                for (int i = 0; i < Shape.Length - 1; i++) r *= Shape[i];
                return r;
            }
        }
        public long RowLength => Shape.Length == 0 ? 1 : Shape[^1];
    }

    /// <summary>
    /// Builds a plan from a shape and element strides scaled to bytes per operand. Plans are immutable, so the last
    /// few built on this thread are kept and handed out again for the same layout: steady-state loops allocate nothing.
    /// </summary>
    public static Plan Build(ReadOnlySpan<int> shape, ReadOnlySpan<long> st0, int es0, ReadOnlySpan<long> st1, int es1, ReadOnlySpan<long> st2, int es2)
    {
        var cache = t_cache ??= new PlanCache();
        if (cache.TryGet(shape, st0, es0, st1, es1, st2, es2, out var hit)) return hit;
        var plan = BuildNew(shape, st0, es0, st1, es1, st2, es2);
        cache.Add(shape, st0, es0, st1, es1, st2, es2, plan);
        return plan;
    }

    [ThreadStatic] private static PlanCache? t_cache;

    private static Plan BuildNew(ReadOnlySpan<int> shape, ReadOnlySpan<long> st0, int es0, ReadOnlySpan<long> st1, int es1, ReadOnlySpan<long> st2, int es2)
    {
        var dims = new List<int>();
        var a = new List<long>();
        var b = new List<long>();
        var c = new List<long>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            long x = st0.Length > i ? st0[i] * es0 : 0, y = st1.Length > i ? st1[i] * es1 : 0, z = st2.Length > i ? st2[i] * es2 : 0;
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                if (a[last] == x * shape[i] && b[last] == y * shape[i] && c[last] == z * shape[i])
                {
                    dims[last] *= shape[i];
                    a[last] = x; b[last] = y; c[last] = z;
                    continue;
                }
            }
            dims.Add(shape[i]); a.Add(x); b.Add(y); c.Add(z);
        }
        if (dims.Count == 0) { dims.Add(1); a.Add(0); b.Add(0); c.Add(0); }
        return new Plan(dims.ToArray(), a.ToArray(), b.ToArray(), c.ToArray());
    }

    /// <summary>Runs <paramref name="kernel"/> over every row, splitting rows across threads when the work is large.</summary>
    public static void Run<TKernel>(in Plan plan, byte* p0, byte* p1, byte* p2, TKernel kernel, long workPerElement = 1)
        where TKernel : struct, IRowKernel
    {
        long rows = plan.Rows, len = plan.RowLength;
        if (rows * len == 0) return;
        if (CpuParallel.Chunks(rows, len * workPerElement) <= 1)
        {
            RunRows(plan, p0, p1, p2, ref kernel, 0, rows);
            return;
        }
        if (rows == 1)
        {
            // one long row: split it instead
            var split = new SplitRow<TKernel> { Kernel = kernel, P0 = p0, P1 = p1, P2 = p2, S0 = plan.S0[^1], S1 = plan.S1[^1], S2 = plan.S2[^1] };
            CpuParallel.For(len, workPerElement, ref split);
            return;
        }
        var body = new RowRange<TKernel> { Kernel = kernel, Plan = plan, P0 = p0, P1 = p1, P2 = p2 };
        CpuParallel.For(rows, len * workPerElement, ref body);
    }

    // Elements [start, end) of the single row; each chunk runs its own copy of the kernel.
    private struct SplitRow<TKernel> : IRangeBody where TKernel : struct, IRowKernel
    {
        public TKernel Kernel;
        public byte* P0, P1, P2;
        public long S0, S1, S2;

        public readonly void Run(long s, long e)
        {
            var k = Kernel;
            k.Row(P0 + s * S0, S0, P1 + s * S1, S1, P2 + s * S2, S2, e - s);
        }
    }

    // Rows [start, end) of the plan; each chunk runs its own copy of the kernel.
    private struct RowRange<TKernel> : IRangeBody where TKernel : struct, IRowKernel
    {
        public TKernel Kernel;
        public Plan Plan;
        public byte* P0, P1, P2;

        public readonly void Run(long s, long e)
        {
            var k = Kernel;
            RunRows(Plan, P0, P1, P2, ref k, s, e);
        }
    }

    private static void RunRows<TKernel>(in Plan plan, byte* p0, byte* p1, byte* p2, ref TKernel kernel, long rowStart, long rowEnd)
        where TKernel : struct, IRowKernel
    {
        int outer = plan.Shape.Length - 1;
        long len = plan.RowLength;
        long is0 = plan.S0[^1], is1 = plan.S1[^1], is2 = plan.S2[^1];
        if (outer == 0)
        {
            kernel.Row(p0, is0, p1, is1, p2, is2, len);
            return;
        }
        Span<long> idx = stackalloc long[outer];
        long r = rowStart;
        long o0 = 0, o1 = 0, o2 = 0;
        for (int d = outer - 1; d >= 0; d--)
        {
            idx[d] = r % plan.Shape[d];
            r /= plan.Shape[d];
            o0 += idx[d] * plan.S0[d]; o1 += idx[d] * plan.S1[d]; o2 += idx[d] * plan.S2[d];
        }
        for (long row = rowStart; row < rowEnd; row++)
        {
            kernel.Row(p0 + o0, is0, p1 + o1, is1, p2 + o2, is2, len);
            for (int d = outer - 1; d >= 0; d--)
            {
                idx[d]++;
                o0 += plan.S0[d]; o1 += plan.S1[d]; o2 += plan.S2[d];
                if (idx[d] < plan.Shape[d]) break;
                o0 -= plan.S0[d] * plan.Shape[d]; o1 -= plan.S1[d] * plan.Shape[d]; o2 -= plan.S2[d] * plan.Shape[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>Plan for one or two tensors of the same shape.</summary>
    public static Plan For(Tensor t0, Tensor? t1 = null, Tensor? t2 = null) =>
        Build(t0.ShapeArray, t0.StridesArray, t0.DType.SizeOf(),
              t1 is null ? default : t1.StridesArray, t1?.DType.SizeOf() ?? 0,
              t2 is null ? default : t2.StridesArray, t2?.DType.SizeOf() ?? 0);

    /// <summary>
    /// Plan for <paramref name="t0"/> and operands whose shapes broadcast to its shape (numpy rules: aligned at the
    /// last dim; missing or size-1 dims get stride 0), as if they had been expanded with BroadcastTo.
    /// </summary>
    public static Plan ForBroadcast(Tensor t0, Tensor t1, Tensor? t2 = null)
    {
        int r = t0.Rank;
        Span<long> s1 = r <= 16 ? stackalloc long[r] : new long[r];
        Span<long> s2 = r <= 16 ? stackalloc long[r] : new long[r];
        BroadcastStrides(t0, t1, s1);
        if (t2 is not null) BroadcastStrides(t0, t2, s2);
        return Build(t0.ShapeArray, t0.StridesArray, t0.DType.SizeOf(), s1, t1.DType.SizeOf(), t2 is null ? default : s2, t2?.DType.SizeOf() ?? 0);
    }

    private static void BroadcastStrides(Tensor to, Tensor t, Span<long> strides)
    {
        int lead = to.Rank - t.Rank;
        for (int i = 0; i < strides.Length; i++)
        {
            int j = i - lead;
            strides[i] = j < 0 || (t.ShapeArray[j] == 1 && to.ShapeArray[i] != 1) ? 0 : t.StridesArray[j];
        }
    }

    // The last plans built on one thread, keyed by the exact layout they were built from (round-robin replacement).
    private sealed class PlanCache
    {
        private const int Capacity = 32;
        private readonly int[]?[] _shape = new int[Capacity][];
        private readonly long[]?[] _strides = new long[Capacity][];
        private readonly (int, int, int, int, int)[] _sizes = new (int, int, int, int, int)[Capacity];
        private readonly Plan[] _plans = new Plan[Capacity];
        private int _next;

        public bool TryGet(ReadOnlySpan<int> shape, ReadOnlySpan<long> st0, int es0, ReadOnlySpan<long> st1, int es1, ReadOnlySpan<long> st2, int es2, out Plan plan)
        {
            plan = default;
            if (st0.Length != shape.Length) return false;
            var sizes = (es0, es1, es2, st1.Length, st2.Length);
            for (int i = 0; i < Capacity; i++)
            {
                if (_shape[i] is not { } k || _sizes[i] != sizes || !shape.SequenceEqual(k)) continue;
                var st = _strides[i]!;
                if (st.AsSpan(0, st0.Length).SequenceEqual(st0) && st.AsSpan(st0.Length, st1.Length).SequenceEqual(st1)
                    && st.AsSpan(st0.Length + st1.Length).SequenceEqual(st2))
                {
                    plan = _plans[i];
                    return true;
                }
            }
            return false;
        }

        public void Add(ReadOnlySpan<int> shape, ReadOnlySpan<long> st0, int es0, ReadOnlySpan<long> st1, int es1, ReadOnlySpan<long> st2, int es2, Plan plan)
        {
            if (st0.Length != shape.Length) return; // only full layouts are keys
            var st = new long[st0.Length + st1.Length + st2.Length];
            st0.CopyTo(st);
            st1.CopyTo(st.AsSpan(st0.Length));
            st2.CopyTo(st.AsSpan(st0.Length + st1.Length));
            int i = _next;
            _next = (i + 1) % Capacity;
            _shape[i] = shape.ToArray();
            _strides[i] = st;
            _sizes[i] = (es0, es1, es2, st1.Length, st2.Length);
            _plans[i] = plan;
        }
    }
}
