// Linalg kernels of the CPU backend: maps strided tensor views onto BLAS-style GEMM calls (transposed views become
// transA/transB, broadcast batches of a shared right operand fold into one tall GEMM) and dispatches F32 to Sgemm, F64 to Dgemm.
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <inheritdoc/>
    public void MatMul(Tensor a, Tensor b, Tensor dst)
    {
        const string op = "MatMul";
        CheckLinalgDTypes(op, a, b, dst);
        int r = a.Rank;
        if (r < 2 || b.Rank != r || dst.Rank != r)
            throw new ShapeMismatchException($"{op} kernel: expects a [..., M, K], b [..., K, N], dst [..., M, N] of one rank ≥ 2, got {a.Shape}, {b.Shape}, {dst.Shape}.");
        int m = a.ShapeArray[r - 2], k = a.ShapeArray[r - 1], n = b.ShapeArray[r - 1];
        for (int d = 0; d < r - 2; d++)
            if (a.ShapeArray[d] != b.ShapeArray[d] || dst.ShapeArray[d] != a.ShapeArray[d])
                throw new ShapeMismatchException($"{op} kernel: batch dims differ: a {a.Shape}, b {b.Shape}, dst {dst.Shape}.");
        if (b.ShapeArray[r - 2] != k || dst.ShapeArray[r - 2] != m || dst.ShapeArray[r - 1] != n)
            throw new ShapeMismatchException($"{op} kernel: a {a.Shape} · b {b.Shape} does not give dst {dst.Shape}.");
        if (dst.Numel == 0) return;
        if (!dst.IsContiguous) throw new ArgumentException($"{op} kernel: dst must be contiguous (shape {dst.Shape}).");

        using var ac = MatrixOperand(a, out bool transA, out long lda);
        using var bc = MatrixOperand(b, out bool transB, out long ldb);
        int batchRank = r - 2;
        long batch = 1;
        for (int d = 0; d < batchRank; d++) batch *= a.ShapeArray[d];
        int es = a.DType.SizeOf();
        byte* pa = Ptr(ac), pb = Ptr(bc), pc = Ptr(dst);

        // x[B..., M, K] · w[K, N] with w shared by every batch: one GEMM with M' = B·M rows
        if (batch > 1 && !transA && AllZero(bc.StridesArray, batchRank) && FoldsIntoRows(ac, batchRank, lda))
        {
            Gemm(a.DType, false, transB, checked((int)(batch * m)), n, k, pa, lda, pb, ldb, pc, n, null, DeepSeekOptions.Threads);
            return;
        }

        long matSize = (long)m * n;
        var offA = BatchOffsets(ac, batchRank, batch);
        var offB = BatchOffsets(bc, batchRank, batch);
        long macs = (long)m * n * Math.Max(k, 1);
        int threads = DeepSeekOptions.Threads;
        if (batch >= 2 && threads > 1 && macs < (1L << 21))
        {
            // many small matrices: one thread per group of batches, single-threaded GEMMs
            int nt = (int)Math.Min(threads, batch);
            var dtype = a.DType;
            nint na = (nint)pa, nb = (nint)pb, nc = (nint)pc;
            WorkerPool.Shared.Run(nt, t =>
            {
                long s = batch * t / nt, e = batch * (t + 1) / nt;
                for (long i = s; i < e; i++)
                    Gemm(dtype, transA, transB, m, n, k, (byte*)na + offA[i] * es, lda, (byte*)nb + offB[i] * es, ldb,
                        (byte*)nc + i * matSize * es, n, null, 1);
            });
            return;
        }
        for (long i = 0; i < batch; i++)
            Gemm(a.DType, transA, transB, m, n, k, pa + offA[i] * es, lda, pb + offB[i] * es, ldb, pc + i * matSize * es, n, null, threads);
    }

    /// <inheritdoc/>
    public void Linear(Tensor x, Tensor w, Tensor? bias, Tensor dst)
    {
        const string op = "Linear";
        CheckLinalgDTypes(op, x, w, dst);
        if (bias is not null && bias.DType != x.DType)
            throw new DTypeMismatchException($"{op} kernel: bias dtype {bias.DType.Name()} differs from input dtype {x.DType.Name()}.");
        if (x.Rank < 1 || w.Rank != 2)
            throw new ShapeMismatchException($"{op} kernel: expects x [..., in] and w [out, in], got {x.Shape} and {w.Shape}.");
        int inF = w.ShapeArray[1], outF = w.ShapeArray[0];
        if (x.ShapeArray[^1] != inF || dst.Rank != x.Rank || dst.ShapeArray[^1] != outF || !x.ShapeArray.AsSpan(0, x.Rank - 1).SequenceEqual(dst.ShapeArray.AsSpan(0, x.Rank - 1)))
            throw new ShapeMismatchException($"{op} kernel: x {x.Shape}, w {w.Shape} do not give dst {dst.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != outF))
            throw new ShapeMismatchException($"{op} kernel: bias must have shape [{outF}], got {bias.Shape}.");
        if (dst.Numel == 0) return;
        if (!dst.IsContiguous) throw new ArgumentException($"{op} kernel: dst must be contiguous (shape {dst.Shape}).");

        long rowCount = 1;
        for (int d = 0; d < x.Rank - 1; d++) rowCount *= x.ShapeArray[d];
        int rows = checked((int)rowCount);
        using var x2 = x.Reshape(rows, inF);
        using var xc = MatrixOperand(x2, out bool transA, out long lda);
        // op(B)[p, j] = w[j, p]: w's rows are the columns of B
        using var wt = w.Transpose(0, 1);
        using var wc = MatrixOperand(wt, out bool transB, out long ldb);
        using var bc = bias is null ? null : bias.Contiguous();
        byte* pbias = bc is null ? null : Ptr(bc);
        Gemm(x.DType, transA, transB, rows, outF, inF, Ptr(xc), lda, Ptr(wc), ldb, Ptr(dst), outF, pbias, DeepSeekOptions.Threads);
    }

    /// <inheritdoc/>
    public void Linear(Tensor x, Tensor w, Tensor? bias, Tensor dst, in Epilogue epilogue)
    {
        const string op = "Linear";
        if (epilogue.IsIdentity)
        {
            Linear(x, w, bias, dst);
            return;
        }
        var residual = EpilogueResidual(op, dst, epilogue, out var residualCopy);
        using var _ = residualCopy;
        if (x.DType != DType.F32)
        {
            Linear(x, w, bias, dst);
            if (x.DType == DType.F64) EpilogueReference<double>(dst, residual, epilogue);
            return;
        }
        CheckLinalgDTypes(op, x, w, dst);
        if (x.Rank < 1 || w.Rank != 2 || x.ShapeArray[^1] != w.ShapeArray[1] || dst.Shape != OutShape(x, w.ShapeArray[0]))
            throw new ShapeMismatchException($"{op} kernel: x {x.Shape}, w {w.Shape} do not give dst {dst.Shape}.");
        CheckBias(op, bias, x.DType, w.ShapeArray[0]);
        if (dst.Numel == 0) return;
        if (!dst.IsContiguous) throw new ArgumentException($"{op} kernel: dst must be contiguous (shape {dst.Shape}).");
        int rows = checked((int)(dst.Numel / w.ShapeArray[0])), inF = w.ShapeArray[1], outF = w.ShapeArray[0];
        using var x2 = x.Rank == 2 ? Alias(x) : x.Reshape(rows, inF);
        using var xc = MatrixOperand(x2, out bool transA, out long lda);
        using var wt = w.Transpose(0, 1);
        using var wc = MatrixOperand(wt, out bool transB, out long ldb);
        using var bc = bias?.Contiguous();
        var ep = new GemmEpilogue(bc is null ? null : Ptr<float>(bc), GemmBias.PerColumn, residual is null ? null : Ptr<float>(residual), outF,
            epilogue.Activation, epilogue.Alpha, epilogue.Beta);
        Sgemm.Run(transA, transB, rows, outF, inF, 1f, Ptr<float>(xc), lda, Ptr<float>(wc), ldb, 0f, Ptr<float>(dst), outF, ep, DeepSeekOptions.Threads);
    }

    /// <inheritdoc/>
    public void Linear(Tensor x, PackedWeights w, Tensor? bias, Tensor dst, in Epilogue epilogue)
    {
        const string op = "Linear (packed weights)";
        ArgumentNullException.ThrowIfNull(w);
        if (w.Kind != PackedWeightsKind.Gemm)
            throw new ArgumentException($"{op}: the packed weights hold a {w.Kind} weight {w.Shape}, not a GEMM operand.", nameof(w));
        if (x.DType != DType.F32 || dst.DType != DType.F32)
            throw new DTypeMismatchException($"{op}: packed GEMM is f32 only, got x {x.DType.Name()} and dst {dst.DType.Name()}.");
        int k = w.Depth, n = w.Cols;
        if (x.Rank < 1 || x.ShapeArray[^1] != k || !IsOutShape(x, n, dst))
            throw new ShapeMismatchException($"{op}: x {x.Shape} · B [{k}, {n}] does not give dst {dst.Shape}.");
        CheckBias(op, bias, DType.F32, n);
        if (!dst.IsContiguous) throw new ArgumentException($"{op}: dst must be contiguous (shape {dst.Shape}).");
        float* panels = w.Group(0, op);
        if (dst.Numel == 0) return;
        var residual = EpilogueResidual(op, dst, epilogue, out var residualCopy);
        using var _ = residualCopy;
        int rows = checked((int)(dst.Numel / n));
        // a contiguous or 2-D x is read in place (no view tensors per call); other layouts go through a reshaped operand
        bool transA;
        long lda;
        float* xp;
        Tensor? x2 = null, xc = null;
        if (x.IsContiguous)
        {
            transA = false;
            lda = k;
            xp = Ptr<float>(x);
        }
        else
        {
            x2 = x.Rank == 2 ? Alias(x) : x.Reshape(rows, k);
            xc = MatrixOperand(x2, out transA, out lda);
            xp = Ptr<float>(xc);
        }
        try
        {
            using Tensor? biasCopy = bias is null || bias.IsContiguous ? null : bias.Contiguous();
            var bc = biasCopy ?? bias;
            var ep = new GemmEpilogue(bc is null ? null : Ptr<float>(bc), GemmBias.PerColumn, residual is null ? null : Ptr<float>(residual), n,
                epilogue.Activation, epilogue.Alpha, epilogue.Beta);
            SgemmPackedB.Run(w.Config, transA, rows, n, k, xp, lda, panels, Ptr<float>(dst), n, ep, DeepSeekOptions.Threads);
        }
        finally
        {
            xc?.Dispose();
            x2?.Dispose();
        }
    }

    // dst is x's shape with the last dimension n (checked without building the shape)
    private static bool IsOutShape(Tensor x, int n, Tensor dst)
    {
        if (dst.Rank != x.Rank) return false;
        var xs = x.ShapeArray;
        var ds = dst.ShapeArray;
        for (int d = 0; d < xs.Length - 1; d++) if (xs[d] != ds[d]) return false;
        return ds[^1] == n;
    }

    // x [..., in] → [..., out]
    private static Shape OutShape(Tensor x, int outF)
    {
        var dims = x.ShapeArray.ToArray();
        dims[^1] = outF;
        return new Shape(dims);
    }

    private static void CheckBias(string op, Tensor? bias, DType dtype, int n)
    {
        if (bias is null) return;
        if (bias.DType != dtype)
            throw new DTypeMismatchException($"{op} kernel: bias dtype {bias.DType.Name()} differs from input dtype {dtype.Name()}.");
        if (bias.Rank != 1 || bias.ShapeArray[0] != n)
            throw new ShapeMismatchException($"{op} kernel: bias must have shape [{n}], got {bias.Shape}.");
    }

    private static void CheckLinalgDTypes(string op, Tensor a, Tensor b, Tensor dst)
    {
        if (a.DType != b.DType || a.DType != dst.DType)
            throw new DTypeMismatchException($"{op} kernel: dtypes differ ({a.DType.Name()}, {b.DType.Name()} → {dst.DType.Name()}).");
        if (a.DType is not (DType.F32 or DType.F64))
            throw new DTypeMismatchException($"{op} kernel: dtype {a.DType.Name()} is not supported by the CPU GEMM (f32, f64); the op layer computes f16/bf16 in f32.");
    }

    // One GEMM on raw pointers for F32 or F64; bias (length n) is added to every row.
    private static void Gemm(DType dtype, bool transA, bool transB, int m, int n, int k, byte* a, long lda, byte* b, long ldb,
        byte* c, long ldc, byte* bias, int threads)
    {
        if (dtype == DType.F32)
        {
            var ep = new GemmEpilogue((float*)bias, GemmBias.PerColumn, relu: false);
            Sgemm.Run(transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, 0f, (float*)c, ldc, ep, threads);
        }
        else
            Dgemm.Run(transA, transB, m, n, k, 1.0, (double*)a, lda, (double*)b, ldb, 0.0, (double*)c, ldc, (double*)bias, threads);
    }

    /// <summary>
    /// The last two dims of <paramref name="t"/> as a GEMM operand: row-major (inner stride 1) or transposed (row stride 1),
    /// without copying when the strides allow; otherwise a contiguous copy. Returns the tensor to read (caller disposes).
    /// </summary>
    internal static Tensor MatrixOperand(Tensor t, out bool trans, out long ld)
    {
        int r = t.Rank;
        int rows = t.ShapeArray[r - 2], cols = t.ShapeArray[r - 1];
        long sr = t.StridesArray[r - 2], sc = t.StridesArray[r - 1];
        if (sc == 1 || cols == 1) { trans = false; ld = rows == 1 ? Math.Max(cols, 1) : sr; return Alias(t); }
        if (sr == 1 || rows == 1) { trans = true; ld = sc; return Alias(t); }
        var c = t.Clone();
        trans = false;
        ld = cols;
        return c;
    }

    private static Tensor Alias(Tensor t) => t.View(t.ShapeArray, t.StridesArray, t.Offset);

    private static bool AllZero(long[] strides, int count)
    {
        for (int d = 0; d < count; d++) if (strides[d] != 0) return false;
        return true;
    }

    // True when the batch dims of a row-major operand continue its row stride, so [B..., M, K] is one [B·M, K] matrix.
    private static bool FoldsIntoRows(Tensor t, int batchRank, long lda)
    {
        int r = t.Rank;
        long expected = lda * t.ShapeArray[r - 2];
        for (int d = batchRank - 1; d >= 0; d--)
        {
            if (t.ShapeArray[d] == 1) continue;
            if (t.StridesArray[d] != expected) return false;
            expected *= t.ShapeArray[d];
        }
        return true;
    }

    // Element offset of every batch's matrix, in row-major batch order.
    private static long[] BatchOffsets(Tensor t, int batchRank, long batch)
    {
        var off = new long[batch];
        var idx = new int[batchRank];
        long cur = 0;
        for (long i = 0; i < batch; i++)
        {
            off[i] = cur;
            for (int d = batchRank - 1; d >= 0; d--)
            {
                idx[d]++;
                cur += t.StridesArray[d];
                if (idx[d] < t.ShapeArray[d]) break;
                cur -= t.StridesArray[d] * t.ShapeArray[d];
                idx[d] = 0;
            }
        }
        return off;
    }
}
