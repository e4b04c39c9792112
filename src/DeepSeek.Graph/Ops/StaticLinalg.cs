// Static kernels for ONNX MatMul (numpy matmul: 1-d operands promoted and the added dim dropped, batch dims broadcast)
// and Gemm (alpha·A'·B' + beta·C). A batched input times a matrix runs as one GEMM over the flattened rows; Gemm with
// alpha = 1 and a per-column (or no) bias runs as one Linear call with the bias in the GEMM epilogue.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for MatMul and Gemm (F32, F64).</summary>
[OpSet]
public static class StaticLinalg
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("MatMul", MatMul);
        r.Register("Gemm", Gemm);
    }

    private static IStaticKernel? MatMul(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count != 2 || In(req, 0) is not { } a || In(req, 1) is not { } b) return null;
        var y = req.Outputs[0];
        if (!IsFloat(a.DType) || b.DType != a.DType || y.DType != a.DType || a.Shape.Rank == 0 || b.Shape.Rank == 0) return null;
        bool aVec = a.Shape.Rank == 1, bVec = b.Shape.Rank == 1;
        var a2 = aVec ? new Shape(1, a.Shape[0]) : a.Shape;
        var b2 = bVec ? new Shape(b.Shape[0], 1) : b.Shape;
        int m = a2[^2], k = a2[^1], n = b2[^1];
        if (b2[^2] != k) return null;
        var batch = Shape.Broadcast(new Shape(a2.ToArray()[..^2]), new Shape(b2.ToArray()[..^2]), "MatMul").ToArray();
        var aFull = new Shape([.. batch, m, k]);
        var bFull = new Shape([.. batch, k, n]);
        var dFull = new Shape([.. batch, m, n]);
        if (dFull.Numel != y.Shape.Numel) return null;
        bool expandA = a2 != aFull, expandB = b2 != bFull, reshapeD = y.Shape != dFull;
        // [..., M, K] · [K, N]: every batch row shares B, so the rows of a contiguous A form one [rows, K] GEMM.
        bool flat = b2.Rank == 2 && a2.Rank > 2;
        int rows = (int)(a2.Numel / Math.Max(1, k));
        return new DelegateStaticKernel((ins, outs) =>
        {
            Tensor x = ins[0]!, w = ins[1]!, d = outs[0];
            using var wv = bVec ? w.Unsqueeze(1) : null;
            if (flat && x.IsContiguous)
            {
                using var xf = x.Reshape(rows, k);
                using var df = d.Reshape(rows, n);
                d.Backend.MatMul(xf, wv ?? w, df);
                return;
            }
            using var xv = aVec ? x.Unsqueeze(0) : null;
            using var xe = expandA ? (xv ?? x).Expand(aFull.ToArray()) : null;
            using var we = expandB ? (wv ?? w).Expand(bFull.ToArray()) : null;
            using var dv = reshapeD ? d.Reshape(dFull.ToArray()) : null;
            d.Backend.MatMul(xe ?? xv ?? x, we ?? wv ?? w, dv ?? d);
        });
    }

    private static IStaticKernel? Gemm(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || In(req, 0) is not { } a || In(req, 1) is not { } b) return null;
        var c = In(req, 2);
        var y = req.Outputs[0];
        if (!IsFloat(a.DType) || b.DType != a.DType || y.DType != a.DType || (c is { } cm && cm.DType != a.DType)) return null;
        if (a.Shape.Rank != 2 || b.Shape.Rank != 2 || y.Shape.Rank != 2) return null;
        bool transA = req.Node.GetInt("transA", 0) != 0, transB = req.Node.GetInt("transB", 0) != 0;
        double alpha = req.Node.GetFloat("alpha", 1f), beta = req.Node.GetFloat("beta", 1f);
        int n = y.Shape[1];
        var outShape = y.Shape;
        bool useC = c is not null && beta != 0;
        // Linear computes x·wᵀ + bias[N]: B' = wᵀ, so w is B itself when transB and B's transposed view otherwise.
        bool rowBias = useC && beta == 1 && c!.Value.Shape.Rank >= 1 && c.Value.Shape.Numel == n && c.Value.Shape[^1] == n;
        if (alpha == 1 && (!useC || rowBias))
        {
            return new DelegateStaticKernel((ins, outs) =>
            {
                using var x = transA ? ins[0]!.Transpose(0, 1) : null;
                using var w = transB ? null : ins[1]!.Transpose(0, 1);
                using var bias = useC ? ins[2]!.Reshape(n) : null;
                outs[0].Backend.Linear(x ?? ins[0]!, w ?? ins[1]!, bias, outs[0]);
            });
        }
        var alphaScalar = alpha == 1 ? null : Tensor.Scalar(alpha, a.DType).DetachFromScope();
        return new GemmKernel(transA, transB, alphaScalar, useC ? beta : 0, outShape);
    }

    /// <summary>General Gemm: one GEMM, then in-place scaling by alpha and accumulation of beta·C (broadcast).</summary>
    private sealed class GemmKernel(bool transA, bool transB, Tensor? alpha, double beta, Shape shape) : IStaticKernel
    {
        public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs)
        {
            var d = outputs[0];
            using (var a = transA ? inputs[0]!.Transpose(0, 1) : null)
            using (var b = transB ? inputs[1]!.Transpose(0, 1) : null)
                d.Backend.MatMul(a ?? inputs[0]!, b ?? inputs[1]!, d);
            if (alpha is not null)
            {
                using var s = alpha.BroadcastTo(shape);
                d.Backend.Binary(BinaryOp.Mul, d, s, d);
            }
            if (beta != 0)
            {
                using var c = inputs[2]!.BroadcastTo(shape);
                d.Backend.Binary(BinaryOp.Add, d, c, d, beta);
            }
        }

        public void Dispose() => alpha?.Dispose();
    }
}
