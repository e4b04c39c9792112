using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.NnHelpers;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// ONNX Gemm (alpha·A'·B' + beta·C), MatMulInteger and QLinearMatMul (exact integer products), and Det (LU with
/// partial pivoting per matrix, in double precision). Einsum lives in <see cref="NnEinsum"/>.
/// </summary>
[OpSet]
public static class NnLinalg
{
    /// <summary>Adds these kernels to <paramref name="r"/>.</summary>
    public static void Register(OpRegistry r)
    {
        r.Register("Gemm", [1, 6, 7, 9, 11, 13], ctx => One(Gemm(ctx)));
        r.Register("MatMulInteger", [10], ctx => One(MatMulInteger(ctx)));
        r.Register("QLinearMatMul", [10, 21], ctx => One(QLinearMatMul(ctx)));
        r.Register("Det", [11, 22], ctx => One(Det(ctx)));
    }

    private static Tensor Gemm(OpContext ctx)
    {
        var a = ctx.Tensor(0);
        var b = ctx.Tensor(1);
        var c = ctx.OptionalTensor(2);
        if (a.Rank != 2 || b.Rank != 2)
            throw new ShapeMismatchException($"{ctx.Describe()}: A and B must be 2-d, got A {a.Shape} and B {b.Shape}.");
        if (a.DType != b.DType || (c is not null && c.DType != a.DType))
            throw new DTypeMismatchException($"{ctx.Describe()}: A, B and C must share one type, got {a.DType.Name()}, {b.DType.Name()}{(c is null ? "" : ", " + c.DType.Name())}.");
        if (ctx.Node.GetInt("transA", 0) != 0) a = a.Transpose(0, 1);
        if (ctx.Node.GetInt("transB", 0) != 0) b = b.Transpose(0, 1);
        if (a.Size(1) != b.Size(0))
            throw new ShapeMismatchException($"{ctx.Describe()}: inner dims differ: A' {a.Shape} · B' {b.Shape}.");
        double alpha = ctx.Node.GetFloat("alpha", 1f), beta = ctx.Node.GetFloat("beta", 1f);
        var y = a.MatMul(b);
        if (alpha != 1) y = y.Mul(alpha);
        if (c is not null && beta != 0)
        {
            var cc = beta == 1 ? c : c.Mul(beta);
            y = y.Add(cc);
            if (!y.Shape.Equals(new Shape([a.Size(0), b.Size(1)])))
                throw new ShapeMismatchException($"{ctx.Describe()}: C {c.Shape} does not broadcast to [{a.Size(0)}, {b.Size(1)}].");
        }
        return y.DType == a.DType ? y : y.To(a.DType);
    }

    private static Tensor CheckQuant(OpContext ctx, Tensor t)
    {
        if (t.DType is not (DType.U8 or DType.I8)) throw BadType(ctx, t, "u8, i8");
        return t;
    }

    // Subtracts a zero point: scalar, or 1-d per row of A (rowAxis) / per column of B.
    private static Tensor MinusZeroPoint(Tensor x64, Tensor? zp, bool perRow)
    {
        if (zp is null) return x64;
        var z = zp.To(DType.F64);
        if (z.Numel == 1) return x64.Sub(z.Reshape([]));
        return x64.Sub(perRow ? z.Reshape((int)z.Numel, 1) : z);
    }

    private static Tensor MatMulInteger(OpContext ctx)
    {
        var a = CheckQuant(ctx, ctx.Tensor(0));
        var b = CheckQuant(ctx, ctx.Tensor(1));
        var a64 = MinusZeroPoint(a.To(DType.F64), ctx.OptionalTensor(2), perRow: true);
        var b64 = MinusZeroPoint(b.To(DType.F64), ctx.OptionalTensor(3), perRow: false);
        return a64.MatMul(b64).Round().To(DType.I32);
    }

    private static Tensor QLinearMatMul(OpContext ctx)
    {
        var a = CheckQuant(ctx, ctx.Tensor(0));
        var b = CheckQuant(ctx, ctx.Tensor(3));
        var yzp = ctx.Tensor(7);
        CheckQuant(ctx, yzp);
        var acc = MinusZeroPoint(a.To(DType.F64), ctx.Tensor(2), perRow: true).MatMul(MinusZeroPoint(b.To(DType.F64), ctx.Tensor(5), perRow: false));
        // Real multiplier a_scale·b_scale / y_scale in f32 (as the reference kernels do), accumulator exact.
        var aS = ctx.Tensor(1).To(DType.F32);
        var bS = ctx.Tensor(4).To(DType.F32);
        var yS = ctx.Tensor(6).To(DType.F32);
        Tensor Col(Tensor s, bool perRow) => s.Numel == 1 ? s.Reshape([]) : perRow ? s.Reshape((int)s.Numel, 1) : s;
        var mult = Col(aS, true).Mul(Col(bS, false)).Div(yS.Numel == 1 ? yS.Reshape([]) : yS);
        var y = acc.To(DType.F32).Mul(mult).Round().Add(Col(yzp.To(DType.F32), false));
        return y.Clamp(Lowest(yzp.DType), Highest(yzp.DType)).To(yzp.DType);
    }

    private static Tensor Det(OpContext ctx)
    {
        var x = Float(ctx, ctx.Tensor(0));
        if (x.Rank < 2 || x.Size(-1) != x.Size(-2))
            throw new ShapeMismatchException($"{ctx.Describe()}: input must be [*, M, M], got {x.Shape}.");
        int m = x.Size(-1);
        var data = x.ToDoubleArray();
        int count = x.Shape.ToArray()[..^2].Aggregate(1, (p, v) => checked(p * v));
        var dets = new double[count];
        var a = new double[m * m];
        for (int i = 0; i < count; i++)
        {
            Array.Copy(data, i * m * m, a, 0, m * m);
            dets[i] = LuDeterminant(a, m);
        }
        return Tensor.FromDoubles(dets, new Shape(x.Shape.ToArray()[..^2]), x.DType);
    }

    /// <summary>Determinant by Gaussian elimination with partial pivoting (destroys <paramref name="a"/>).</summary>
    internal static double LuDeterminant(double[] a, int m)
    {
        double det = 1;
        for (int k = 0; k < m; k++)
        {
            int p = k;
            for (int i = k + 1; i < m; i++)
                if (Math.Abs(a[i * m + k]) > Math.Abs(a[p * m + k])) p = i;
            if (a[p * m + k] == 0) return 0;
            if (p != k)
            {
                for (int j = 0; j < m; j++) (a[k * m + j], a[p * m + j]) = (a[p * m + j], a[k * m + j]);
                det = -det;
            }
            double piv = a[k * m + k];
            det *= piv;
            for (int i = k + 1; i < m; i++)
            {
                double f = a[i * m + k] / piv;
                if (f == 0) continue;
                for (int j = k + 1; j < m; j++) a[i * m + j] -= f * a[k * m + j];
            }
        }
        return det;
    }
}
