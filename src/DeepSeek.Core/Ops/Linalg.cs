namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with torch.matmul semantics: 1-d · 1-d is a dot product (0-d result); a 1-d left operand is
    /// treated as a row [1, K] and a 1-d right operand as a column [K, 1], the added dim being removed from the result;
    /// otherwise the last two dims multiply ([..., M, K] · [..., K, N] → [..., M, N]) and the leading (batch) dims broadcast.
    /// Floating dtypes only (f32, f64; f16/bf16 compute in f32 and round back); both operands must share dtype and device.
    /// </summary>
    public Tensor MatMul(Tensor other) => MatMulOp("MatMul", this, other);

    /// <summary>Same as <c>a.MatMul(b)</c>.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => MatMulOp("MatMul", a, b);

    /// <summary>Strict 2-d matrix product [M, K] · [K, N] → [M, N] (torch.mm; no broadcasting).</summary>
    public Tensor Mm(Tensor other)
    {
        OpChecks.Alive("Mm", this, other);
        OpChecks.Rank("Mm", this, 2, "self");
        OpChecks.Rank("Mm", other, 2, "other");
        return MatMulOp("Mm", this, other);
    }

    /// <summary>Strict batched matrix product [B, M, K] · [B, K, N] → [B, M, N] (torch.bmm; batch sizes must be equal).</summary>
    public Tensor Bmm(Tensor other)
    {
        OpChecks.Alive("Bmm", this, other);
        OpChecks.Rank("Bmm", this, 3, "self");
        OpChecks.Rank("Bmm", other, 3, "other");
        if (_shape[0] != other._shape[0])
            throw new ShapeMismatchException($"Bmm: batch sizes differ: {Shape} and {other.Shape} (expected equal first dims; use MatMul to broadcast).");
        return MatMulOp("Bmm", this, other);
    }

    /// <summary>Dot product of two 1-d tensors of equal length → 0-d tensor (torch.dot).</summary>
    public Tensor Dot(Tensor other)
    {
        OpChecks.Alive("Dot", this, other);
        OpChecks.Rank("Dot", this, 1, "self");
        OpChecks.Rank("Dot", other, 1, "other");
        if (_shape[0] != other._shape[0])
            throw new ShapeMismatchException($"Dot: lengths differ: {Shape} and {other.Shape} (expected two 1-d tensors of one length).");
        return MatMulOp("Dot", this, other);
    }

    /// <summary>Outer product of 1-d tensors [N] ⊗ [M] → [N, M] (torch.outer).</summary>
    public Tensor Outer(Tensor other)
    {
        OpChecks.Alive("Outer", this, other);
        OpChecks.Rank("Outer", this, 1, "self");
        OpChecks.Rank("Outer", other, 1, "other");
        using var col = Unsqueeze(1);
        using var row = other.Unsqueeze(0);
        return MatMulOp("Outer", col, row);
    }

    /// <summary>
    /// Fully connected layer y = input · weightᵀ + bias (torch.nn.functional.linear): input [..., in], weight [out, in],
    /// bias [out] or null → [..., out]. The bias is fused into the GEMM. Floating dtypes, all operands of one dtype.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null)
    {
        const string op = "Linear";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        OpChecks.Alive(op, input, weight);
        bias?.CheckAlive(op);
        if (DeepSeek.Autocast.Lowers(input, weight, bias, out var low)) return Lowered(input, weight, bias, low, (x, w, b) => Linear(x, w!, b));
        OpChecks.SameDevice(op, input, weight);
        OpChecks.SameDType(op, input, weight);
        CheckMatMulDType(op, input);
        if (input.Rank < 1)
            throw new ShapeMismatchException($"{op}: input must have at least 1 dimension [..., in], got shape {input.Shape}.");
        OpChecks.Rank(op, weight, 2, "weight [out, in]");
        int inF = weight._shape[1], outF = weight._shape[0];
        if (input._shape[^1] != inF)
            throw new ShapeMismatchException($"{op}: input {input.Shape} has {input._shape[^1]} features in its last dim but weight {weight.Shape} expects {inF} (weight is [out, in]).");
        if (bias is not null)
        {
            bias.CheckAlive(op);
            OpChecks.SameDevice(op, input, bias);
            OpChecks.SameDType(op, input, bias);
            if (bias.Rank != 1 || bias._shape[0] != outF)
                throw new ShapeMismatchException($"{op}: bias must have shape [{outF}] (one value per output feature of weight {weight.Shape}), got {bias.Shape}.");
        }
        if (Autograd.GradMode.ShouldRecord([input, weight, bias]))
        {
            Tensor r;
            using (NoGrad()) r = Linear(input, weight, bias);
            return r.WithGradFn(new Autograd.LinearBackward(input, weight, bias));
        }
        var outShape = (int[])input._shape.Clone();
        outShape[^1] = outF;
        if (input.DType is DType.F16 or DType.BF16)
        {
            using var x32 = input.To(DType.F32);
            using var w32 = weight.To(DType.F32);
            using var b32 = bias?.To(DType.F32);
            using var y32 = Empty(new Shape(outShape), DType.F32, input.Device);
            y32.Backend.Linear(x32, w32, b32, y32);
            return y32.To(input.DType);
        }
        var y = Empty(new Shape(outShape), input.DType, input.Device);
        try { y.Backend.Linear(input, weight, bias, y); }
        catch { y.Dispose(); throw; }
        return y;
    }

    /// <summary>Fully connected layer with this tensor as the input: <c>Tensor.Linear(this, weight, bias)</c>.</summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null) => Linear(this, weight, bias);

    private static void CheckMatMulDType(string op, Tensor t)
    {
        if (!t.DType.IsFloatingPoint())
            throw new DTypeMismatchException($"{op}: dtype {t.DType.Name()} (shape {t.Shape}) is not supported; matrix products take f32, f64, f16 or bf16 — cast integer tensors with To(DType.F32).");
    }

    private static Tensor MatMulOp(string op, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        OpChecks.Alive(op, a, b);
        if (DeepSeek.Autocast.Lowers(a, b, null, out var low)) return Lowered(a, b, null, low, (x, y, _) => MatMulOp(op, x, y!));
        if (Tracing.OpTrace.Current is { } tr) return TraceOne(tr, "MatMul", [a, b], () => MatMulOp(op, a, b));
        OpChecks.SameDevice(op, a, b);
        OpChecks.SameDType(op, a, b);
        CheckMatMulDType(op, a);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ShapeMismatchException($"{op}: both operands need at least 1 dimension, got shapes {a.Shape} and {b.Shape}.");
        bool aVec = a.Rank == 1, bVec = b.Rank == 1;
        int k = a._shape[^1], kb = bVec ? b._shape[0] : b._shape[^2];
        if (k != kb)
            throw new ShapeMismatchException(
                $"{op}: inner dimensions differ: {a.Shape} · {b.Shape} (the last dim of the first, {k}, must equal the {(bVec ? "length" : "second-to-last dim")} of the second, {kb}).");

        if (Autograd.GradMode.ShouldRecord(a, b))
        {
            Tensor r;
            using (NoGrad()) r = MatMulOp(op, a, b);
            return r.WithGradFn(new Autograd.MatMulBackward(op, a, b));
        }

        using var a2 = aVec ? a.Unsqueeze(0) : a.View(a._shape, a._strides, a.Offset);
        using var b2 = bVec ? b.Unsqueeze(1) : b.View(b._shape, b._strides, b.Offset);
        var batch = Shape.Broadcast(Shape.Wrap(a2._shape[..^2]), Shape.Wrap(b2._shape[..^2]), op);
        int m = a2._shape[^2], n = b2._shape[^1];
        var full = new List<int>(batch) { m, n };
        var result = new List<int>(batch);
        if (!aVec) result.Add(m);
        if (!bVec) result.Add(n);

        // f16/bf16 are upcast before broadcasting so expanded batch dims are not materialised
        bool half = a.DType is DType.F16 or DType.BF16;
        using var ac = half ? a2.To(DType.F32) : a2.View(a2._shape, a2._strides, a2.Offset);
        using var bc = half ? b2.To(DType.F32) : b2.View(b2._shape, b2._strides, b2.Offset);
        using var ae = ac.Expand([.. batch, m, k]);
        using var be = bc.Expand([.. batch, k, n]);
        var dst = Empty(new Shape(full.ToArray()), ac.DType, a.Device);
        try { dst.Backend.MatMul(ae, be, dst); }
        catch { dst.Dispose(); throw; }
        if (half)
        {
            var rounded = dst.To(a.DType);
            dst.Dispose();
            dst = rounded;
        }
        if (result.Count == full.Count) return dst;
        var reshaped = dst.Reshape(result.ToArray());
        dst.Dispose();
        return reshaped;
    }
}
