// deepseek::FusedGemm(A, B, C?, Z?) = act(alpha·A'·B' + beta·C + Z) with ONNX Gemm's alpha, beta, transA (rank-2 A
// only), transB, but A may be [..., M, K] (MatMul's batch dims fold into rows), C is a bias over the last dim ([N],
// [1, N] or one value) and Z a residual of the output's shape. The static kernel packs a constant B once, alpha folded in.
using DeepSeek.Backends;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>The fused GEMM of the deepseek domain (produced by the "gemm-fusion" pass).</summary>
[OpSet]
public static class FusedGemmOps
{
    /// <summary>Adds the interpreter kernel to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r) => r.Register("FusedGemm", 1, ctx => One(Run(ctx)), FusedConvOps.Domain);

    /// <summary>Adds the static-kernel factory (pre-packed B) to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r) => r.Register("FusedGemm", CreateStatic, FusedConvOps.Domain);

    /// <summary>Shapes of one FusedGemm: op(A) rows M, depth K, columns N, and the output shape.</summary>
    internal readonly record struct Dims(int M, int K, int N, Shape Output);

    /// <summary>Checks the operand shapes of <paramref name="node"/> and computes the output shape.</summary>
    internal static Dims Resolve(Node node, string describe, Shape a, Shape b, Shape? c, Shape? z)
    {
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        if (a.Rank < 2 || b.Rank != 2)
            throw new ShapeMismatchException($"{describe}: A must be [..., M, K] (rank ≥ 2) and B 2-d, got A {a} and B {b}.");
        if (transA && a.Rank != 2)
            throw new ShapeMismatchException($"{describe}: transA=1 needs a 2-d A, got A {a}.");
        int m = transA ? a[1] : a[^2], k = transA ? a[0] : a[^1];
        int kb = transB ? b[1] : b[0], n = transB ? b[0] : b[1];
        if (k != kb)
            throw new ShapeMismatchException($"{describe}: inner dims differ: A {a}{(transA ? "ᵀ" : "")} · B {b}{(transB ? "ᵀ" : "")} ({k} vs {kb}).");
        var outDims = a.ToArray();
        outDims[^2] = m;
        outDims[^1] = n;
        var output = new Shape(outDims);
        if (c is { } cs && !(cs.Numel == 1 && cs.Rank <= 2) && !(cs.Rank == 1 && cs[0] == n) && !(cs.Rank == 2 && cs[0] == 1 && cs[1] == n))
            throw new ShapeMismatchException($"{describe}: C must be a bias over the last dim ([{n}], [1, {n}] or one value), got {cs}.");
        if (z is { } zs && zs != output)
            throw new ShapeMismatchException($"{describe}: the residual Z {zs} must have the output's shape {output} (A {a}, B {b}).");
        return new Dims(m, k, n, output);
    }

    private static Tensor Run(OpContext ctx)
    {
        var a = ctx.Tensor(0);
        var b = ctx.Tensor(1);
        var c = ctx.OptionalTensor(2);
        var z = ctx.OptionalTensor(3);
        var describe = ctx.Describe();
        var dims = Resolve(ctx.Node, describe, a.Shape, b.Shape, c?.Shape, z?.Shape);
        if (!a.DType.IsFloatingPoint() || b.DType != a.DType || (c is not null && c.DType != a.DType) || (z is not null && z.DType != a.DType))
            throw new DTypeMismatchException($"{describe}: A, B, C and Z must share one floating type, got A {a.DType.Name()}, B {b.DType.Name()}" +
                $"{(c is null ? "" : ", C " + c.DType.Name())}{(z is null ? "" : ", Z " + z.DType.Name())}.");
        var node = ctx.Node;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        var e = FusedActivation.Read(node);
        var aT = node.GetInt("transA", 0) != 0 ? a.Transpose(0, 1) : a;
        // Linear computes x·wᵀ: w = op(B)ᵀ = B when transB, else Bᵀ (a view either way)
        var w = node.GetInt("transB", 0) != 0 ? b : b.Transpose(0, 1);
        var compute = a.DType == DType.F64 ? DType.F64 : DType.F32;
        if (alpha != 1) w = w.Mul(alpha);
        var bias = c is null || beta == 0 ? null : BiasVector(c, dims.N, beta);
        if (compute != a.DType)
        {
            aT = aT.To(compute);
            w = w.To(compute);
            bias = bias?.To(compute);
            z = z?.To(compute);
        }
        var y = Tensor.Empty(dims.Output, compute);
        a.Backend.Linear(aT, w, bias, y, e.WithResidual(z));
        return compute == a.DType ? y : y.To(a.DType);
    }

    // beta·C as a contiguous [N] vector (C is [N], [1, N] or one value).
    private static Tensor BiasVector(Tensor c, int n, float beta)
    {
        if (c.Numel == 1)
        {
            using var one = c.Reshape(1);
            return Tensor.Full(new Shape(n), one.ItemAsDouble() * beta, c.DType);
        }
        using var v = c.Reshape(n);
        return v.Mul(beta);
    }

    private static IStaticKernel? CreateStatic(StaticKernelRequest req)
    {
        if (req.Inputs.Count < 2 || req.Inputs[0] is not { DType: DType.F32 } am || req.Constants[1] is not { DType: DType.F32, Rank: 2 } b)
            return null;
        var node = req.Node;
        var describe = req.Describe();
        var cm = req.Inputs.Count > 2 ? req.Inputs[2] : null;
        var zm = req.Inputs.Count > 3 ? req.Inputs[3] : null;
        var dims = Resolve(node, describe, am.Shape, b.Shape, cm?.Shape, zm?.Shape);
        if (req.Outputs.Count != 1 || req.Outputs[0].Shape != dims.Output || req.Outputs[0].DType != DType.F32)
            throw new ShapeMismatchException($"{describe}: planned output {(req.Outputs.Count > 0 ? req.Outputs[0].ToString() : "none")} differs from the product's f32{dims.Output}.");
        if ((cm is { } c0 && c0.DType != DType.F32) || (zm is { } z0 && z0.DType != DType.F32))
            throw new DTypeMismatchException($"{describe}: C and Z must be f32 like A, got C {cm?.ToString() ?? "none"}, Z {zm?.ToString() ?? "none"}.");
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        Tensor? bias = null;
        bool biasAtRun = false;
        if (cm is not null && beta != 0)
        {
            if (req.Constants[2] is { } cc) bias = BiasVector(cc, dims.N, beta).DetachFromScope();
            else if (beta == 1 && cm.Value.Shape.Numel == dims.N) biasAtRun = true;
            else return null; // a computed bias that needs scaling or broadcasting: the interpreter kernel handles it
        }
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        PackedWeights packed;
        using (var bt = transB ? b.Transpose(0, 1) : null)
            packed = PackedWeights.ForMatMul(bt ?? b, alpha);
        return new StaticFusedGemm(packed, bias, biasAtRun, transA, dims.N, FusedActivation.Read(node));
    }

    private sealed class StaticFusedGemm(PackedWeights w, Tensor? bias, bool biasAtRun, bool transA, int n, Epilogue e) : IStaticKernel
    {
        public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs)
        {
            var a = inputs[0]!;
            var z = inputs.Length > 3 ? inputs[3] : null;
            using var aT = transA ? a.Transpose(0, 1) : null;
            using var b = biasAtRun ? inputs[2]!.Reshape(n) : null;
            a.Backend.Linear(aT ?? a, w, b ?? bias, outputs[0], e.WithResidual(z));
        }

        public void Dispose()
        {
            w.Dispose();
            bias?.Dispose();
        }
    }
}
