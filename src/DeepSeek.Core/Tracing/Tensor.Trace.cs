// Op-side helpers for tracing: run an op with recording suspended and report it to the tracer as ONNX nodes
// (ONNX operator specs, opset 17; Cast codes from onnx.proto TensorProto.DataType).
using DeepSeek.Backends;
using DeepSeek.Tracing;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Runs <paramref name="compute"/> without recording and records it as one ONNX node.</summary>
    internal static Tensor TraceOne(IOpTracer tr, string onnxOp, Tensor?[] inputs, Func<Tensor> compute, Dictionary<string, object>? attrs = null)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            tr.Record(onnxOp, inputs, [r], attrs);
            return r;
        }
    }

    /// <summary>ONNX TensorProto.DataType code of a dtype.</summary>
    internal static long OnnxTypeCode(DType t) => t switch
    {
        DType.F32 => 1, DType.U8 => 2, DType.I8 => 3, DType.I16 => 5, DType.I32 => 6, DType.I64 => 7,
        DType.Bool => 9, DType.F16 => 10, DType.F64 => 11, DType.BF16 => 16,
        _ => throw new UnsupportedOperatorException($"Trace: dtype {t.Name()} has no ONNX type code."),
    };

    /// <summary><paramref name="t"/> in <paramref name="dtype"/>, recording a Cast node when it differs (call while suspended).</summary>
    private static Tensor TraceCastTo(IOpTracer tr, Tensor t, DType dtype, List<Tensor> temps)
    {
        if (t.DType == dtype) return t;
        var c = t.To(dtype);
        temps.Add(c);
        tr.Record("Cast", [t], [c], new Dictionary<string, object> { ["to"] = OnnxTypeCode(dtype) });
        return c;
    }

    private static string? OnnxBinary(BinaryOp kind) => kind switch
    {
        BinaryOp.Add => "Add", BinaryOp.Sub => "Sub", BinaryOp.Mul => "Mul", BinaryOp.Div => "Div", BinaryOp.Pow => "Pow",
        BinaryOp.Maximum => "Max", BinaryOp.Minimum => "Min", _ => null,
    };

    /// <summary>Tensor ⊕ tensor as ONNX nodes: Casts to the result dtype, alpha as a Mul, then the binary node.</summary>
    private static Tensor TraceBinary(IOpTracer tr, string name, BinaryOp kind, Tensor a, Tensor b, DType result, double alpha, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            var temps = new List<Tensor>();
            try
            {
                var ac = TraceCastTo(tr, a, r.DType, temps);
                var bc = TraceCastTo(tr, b, r.DType, temps);
                if (alpha != 1 && kind is BinaryOp.Add or BinaryOp.Sub)
                {
                    var s = Scalar(alpha, r.DType, r.Device);
                    temps.Add(s);
                    tr.Constant(s);
                    var scaled = bc.Mul(s);
                    temps.Add(scaled);
                    tr.Record("Mul", [bc, s], [scaled], null);
                    bc = scaled;
                }
                tr.Record(name, [ac, bc], [r], null);
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }

    /// <summary>Tensor ⊕ scalar (or scalar ⊕ tensor when <paramref name="scalarLeft"/>): the scalar becomes a 0-d constant.</summary>
    private static Tensor TraceScalarBinary(IOpTracer tr, string name, Tensor x, double value, bool scalarLeft, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            var temps = new List<Tensor>();
            try
            {
                var xc = TraceCastTo(tr, x, r.DType, temps);
                var s = Scalar(value, r.DType, r.Device);
                temps.Add(s);
                tr.Constant(s);
                tr.Record(name, scalarLeft ? [s, xc] : [xc, s], [r], null);
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }

    /// <summary>ONNX form of a unary op, or null when it has none here.</summary>
    private static (string Op, Dictionary<string, object>? Attrs)? OnnxUnary(UnaryOp kind, double alpha, double beta) => kind switch
    {
        UnaryOp.Relu => ("Relu", null),
        UnaryOp.HardSwish => ("HardSwish", null),
        UnaryOp.HardSigmoid => ("HardSigmoid", new() { ["alpha"] = (float)alpha, ["beta"] = (float)beta }),
        UnaryOp.Sigmoid => ("Sigmoid", null),
        UnaryOp.Tanh => ("Tanh", null),
        UnaryOp.Exp => ("Exp", null),
        UnaryOp.Log => ("Log", null),
        UnaryOp.Neg => ("Neg", null),
        UnaryOp.Abs => ("Abs", null),
        UnaryOp.Sqrt => ("Sqrt", null),
        UnaryOp.Erf => ("Erf", null),
        UnaryOp.Reciprocal => ("Reciprocal", null),
        UnaryOp.Floor => ("Floor", null),
        UnaryOp.Ceil => ("Ceil", null),
        UnaryOp.Sin => ("Sin", null),
        UnaryOp.Cos => ("Cos", null),
        _ => null,
    };

    /// <summary>Records a Reshape from <paramref name="x"/> to the result's dims (an I64 shape constant).</summary>
    private static Tensor TraceReshape(IOpTracer tr, Tensor x, Func<Tensor> compute) => TraceWithShape(tr, "Reshape", x, compute);

    /// <summary>Records <paramref name="onnxOp"/>(x, shape) whose shape input is the result's dims (Reshape, Expand).</summary>
    private static Tensor TraceWithShape(IOpTracer tr, string onnxOp, Tensor x, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            using var shape = FromArray(r._shape.Select(d => (long)d).ToArray(), r.Rank);
            tr.Constant(shape);
            tr.Record(onnxOp, [x, shape], [r], null);
            return r;
        }
    }

    /// <summary>Records ONNX Slice(x, starts, ends, axes, steps) for one axis (start/end already clamped).</summary>
    private static Tensor TraceSlice(IOpTracer tr, Tensor x, int axis, long start, long end, long step)
    {
        using (OpTrace.Suspend())
        {
            var r = x.Slice(axis, start, end, step);
            using var starts = FromArray(new[] { start }, 1);
            using var ends = FromArray(new[] { end }, 1);
            using var axes = FromArray(new[] { (long)axis }, 1);
            using var steps = FromArray(new[] { step }, 1);
            foreach (var c in new[] { starts, ends, axes, steps }) tr.Constant(c);
            tr.Record("Slice", [x, starts, ends, axes, steps], [r], null);
            return r;
        }
    }

    /// <summary>Eval-mode batch norm as ONNX BatchNormalization (missing weight/bias become ones/zeros constants).</summary>
    private Tensor TraceBatchNorm(IOpTracer tr, Tensor runningMean, Tensor runningVar, Tensor? weight, Tensor? bias, double momentum, double eps)
    {
        using (OpTrace.Suspend())
        {
            var r = BatchNorm(runningMean, runningVar, weight, bias, false, momentum, eps);
            int c = Size(1);
            using var ones = weight is null ? Ones(new Shape(c), DType, Device) : null;
            using var zeros = bias is null ? Zeros(new Shape(c), DType, Device) : null;
            if (ones is not null) tr.Constant(ones);
            if (zeros is not null) tr.Constant(zeros);
            tr.Record("BatchNormalization", [this, weight ?? ones, bias ?? zeros, runningMean, runningVar], [r],
                new Dictionary<string, object> { ["epsilon"] = (float)eps });
            return r;
        }
    }
}
