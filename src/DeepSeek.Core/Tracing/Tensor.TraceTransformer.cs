// Tracing of the ops transformers (BERT, GPT-2) run, as ONNX opset-17 nodes: GELU is decomposed (opset 17 has no Gelu):
// exact 0.5·x·(1 + Erf(x/√2)), tanh form 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016);
// LayerNormalization, Where, comparisons, Not, Gather, Trilu. Creation ops (Full/Zeros/Ones/Arange/Eye) become constants.
using System.Runtime.CompilerServices;
using DeepSeek.Backends;
using DeepSeek.Tracing;

namespace DeepSeek;

public sealed partial class Tensor
{
    // Tensors recorded as constants by creation ops (and ops folded on them): their values do not depend on the inputs.
    private static readonly ConditionalWeakTable<Tensor, object> s_traceConstants = new();

    /// <summary>
    /// Records a tensor a creation op made while tracing as a constant (its value does not depend on the traced inputs,
    /// so baking it for the traced shapes is exact for those shapes).
    /// </summary>
    internal static Tensor TraceCreated(Tensor t) => OpTrace.Current is { } tr ? TraceFold(tr, t) : t;

    /// <summary>Records <paramref name="t"/> as a constant that depends on no input.</summary>
    private static Tensor TraceFold(IOpTracer tr, Tensor t)
    {
        using (OpTrace.Suspend()) tr.Constant(t);
        s_traceConstants.AddOrUpdate(t, t);
        return t;
    }

    /// <summary>True when <paramref name="t"/> was recorded as a creation-op constant during tracing.</summary>
    private static bool IsTraceConstant(Tensor t) => s_traceConstants.TryGetValue(t, out _);

    /// <summary>Runs <paramref name="compute"/>; on a constant input the result is folded into a constant, else recorded as one node.</summary>
    private static Tensor TraceOneOrFold(IOpTracer tr, string onnxOp, Tensor x, Tensor?[] inputs, Func<Tensor> compute, Dictionary<string, object>? attrs = null)
    {
        if (!IsTraceConstant(x)) return TraceOne(tr, onnxOp, inputs, compute, attrs);
        Tensor r;
        using (OpTrace.Suspend()) r = compute();
        return TraceFold(tr, r);
    }

    private static Tensor TraceScalarConst(IOpTracer tr, double value, DType dtype, Device device, List<Tensor> temps)
    {
        var s = Scalar(value, dtype, device);
        temps.Add(s);
        tr.Constant(s);
        return s;
    }

    /// <summary>GELU as Div/Erf or Mul/Tanh nodes in F32 (F16/BF16 inputs are cast to F32 and back, as the eager kernel does).</summary>
    private static Tensor TraceGelu(IOpTracer tr, Tensor x, GeluApproximation approximate)
    {
        using (OpTrace.Suspend())
        {
            var r = x.Gelu(approximate);
            var temps = new List<Tensor>();
            try
            {
                var compute = x.DType is DType.F16 or DType.BF16 ? DType.F32 : x.DType;
                var xc = TraceCastTo(tr, x, compute, temps);
                Tensor Bin(string op, Tensor a, Tensor b, Tensor? output = null)
                {
                    var y = output ?? op switch { "Mul" => a.Mul(b), "Add" => a.Add(b), _ => a.Div(b) };
                    if (output is null) temps.Add(y);
                    tr.Record(op, [a, b], [y], null);
                    return y;
                }
                Tensor Un(string op, Tensor a)
                {
                    var y = op == "Erf" ? a.Erf() : a.Tanh();
                    temps.Add(y);
                    tr.Record(op, [a], [y], null);
                    return y;
                }
                var one = TraceScalarConst(tr, 1.0, compute, x.Device, temps);
                var half = TraceScalarConst(tr, 0.5, compute, x.Device, temps);
                Tensor inner;
                if (approximate == GeluApproximation.Tanh)
                {
                    var x2 = Bin("Mul", xc, xc);
                    var x3 = Bin("Mul", x2, xc);
                    var cx3 = Bin("Mul", x3, TraceScalarConst(tr, 0.044715, compute, x.Device, temps));
                    var sum = Bin("Add", xc, cx3);
                    var scaled = Bin("Mul", sum, TraceScalarConst(tr, Math.Sqrt(2 / Math.PI), compute, x.Device, temps));
                    inner = Un("Tanh", scaled);
                }
                else
                {
                    var d = Bin("Div", xc, TraceScalarConst(tr, Math.Sqrt(2.0), compute, x.Device, temps));
                    inner = Un("Erf", d);
                }
                var p = Bin("Add", inner, one);
                var xp = Bin("Mul", xc, p);
                if (compute == r.DType) Bin("Mul", xp, half, r);
                else
                {
                    var y = Bin("Mul", xp, half);
                    tr.Record("Cast", [y], [r], new Dictionary<string, object> { ["to"] = OnnxTypeCode(r.DType) });
                }
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }

    /// <summary>LayerNormalization(x, scale, bias) over the trailing <paramref name="normalizedRank"/> dims; a missing weight becomes ones.</summary>
    private static Tensor TraceLayerNorm(IOpTracer tr, Tensor x, int normalizedRank, Tensor? weight, Tensor? bias, double eps, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            using var ones = weight is null ? Ones(new Shape(x._shape[^normalizedRank..]), x.DType, x.Device) : null;
            if (ones is not null) tr.Constant(ones);
            tr.Record("LayerNormalization", [x, weight ?? ones, bias], [r],
                new Dictionary<string, object> { ["axis"] = (long)-normalizedRank, ["epsilon"] = (float)eps });
            return r;
        }
    }

    /// <summary>Where(cond, a, b) with a and b cast to the result dtype; folded when all three are constants.</summary>
    private static Tensor TraceWhere(IOpTracer tr, Tensor cond, Tensor a, Tensor b, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            if (IsTraceConstant(cond) && IsTraceConstant(a) && IsTraceConstant(b)) return TraceFold(tr, r);
            var temps = new List<Tensor>();
            try
            {
                var ac = TraceCastTo(tr, a, r.DType, temps);
                var bc = TraceCastTo(tr, b, r.DType, temps);
                tr.Record("Where", [cond, ac, bc], [r], null);
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }

    /// <summary>A comparison as Equal/Less/LessOrEqual/Greater/GreaterOrEqual (Ne = Not(Equal)) on inputs cast to the compare dtype.</summary>
    private static Tensor TraceCompare(IOpTracer tr, CompareOp kind, Tensor a, Tensor b, DType compute, Func<Tensor> run)
    {
        using (OpTrace.Suspend())
        {
            var r = run();
            if (IsTraceConstant(a) && IsTraceConstant(b)) return TraceFold(tr, r);
            var temps = new List<Tensor>();
            try
            {
                var ac = TraceCastTo(tr, a, compute, temps);
                var bc = TraceCastTo(tr, b, compute, temps);
                string op = kind switch
                {
                    CompareOp.Eq or CompareOp.Ne => "Equal", CompareOp.Lt => "Less", CompareOp.Le => "LessOrEqual",
                    CompareOp.Gt => "Greater", _ => "GreaterOrEqual",
                };
                if (kind == CompareOp.Ne)
                {
                    var eq = ac.Eq(bc);
                    temps.Add(eq);
                    tr.Record(op, [ac, bc], [eq], null);
                    tr.Record("Not", [eq], [r], null);
                }
                else tr.Record(op, [ac, bc], [r], null);
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }

    /// <summary>masked_fill as Where(mask, value, x) with the value as a 0-d constant of x's dtype.</summary>
    private Tensor TraceMaskedFill(IOpTracer tr, Tensor mask, double value, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            if (IsTraceConstant(this) && IsTraceConstant(mask)) return TraceFold(tr, r);
            using var s = Scalar(value, DType, Device);
            tr.Constant(s);
            tr.Record("Where", [mask, s, this], [r], null);
            return r;
        }
    }

    /// <summary>Gather(data, indices, axis) (embedding lookup, index_select).</summary>
    private static Tensor TraceGather(IOpTracer tr, Tensor data, Tensor indices, int axis, Func<Tensor> compute) =>
        TraceOne(tr, "Gather", [data, indices], compute, new Dictionary<string, object> { ["axis"] = (long)axis });

    /// <summary>Select(dim, i) as Gather with a 0-d I64 index (drops the axis).</summary>
    private static Tensor TraceSelect(IOpTracer tr, Tensor x, int axis, long index, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            if (IsTraceConstant(x)) return TraceFold(tr, r);
            using var idx = Scalar(index, DType.I64, x.Device);
            tr.Constant(idx);
            tr.Record("Gather", [x, idx], [r], new Dictionary<string, object> { ["axis"] = (long)axis });
            return r;
        }
    }

    /// <summary>Tril/Triu as Trilu(x, k); on a creation-op constant the result is folded into a constant.</summary>
    private static Tensor TraceTriangle(IOpTracer tr, Tensor x, int diagonal, bool upper, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            if (IsTraceConstant(x)) return TraceFold(tr, r);
            using var k = Scalar(diagonal, DType.I64, x.Device);
            tr.Constant(k);
            tr.Record("Trilu", [x, k], [r], new Dictionary<string, object> { ["upper"] = upper ? 1L : 0L });
            return r;
        }
    }

    /// <summary>Sum as ReduceSum (axes input, opset 13+) or Mean as ReduceMean (axes attribute, opset 17); integer sums cast to I64 first.</summary>
    private Tensor TraceReduce(IOpTracer tr, bool mean, int[] axes, bool keepDim, Func<Tensor> compute)
    {
        using (OpTrace.Suspend())
        {
            var r = compute();
            if (IsTraceConstant(this)) return TraceFold(tr, r);
            var temps = new List<Tensor>();
            try
            {
                var x = TraceCastTo(tr, this, r.DType, temps);
                var axesL = axes.Select(a => (long)a).ToArray();
                if (mean)
                    tr.Record("ReduceMean", [x], [r], new Dictionary<string, object> { ["axes"] = axesL, ["keepdims"] = keepDim ? 1L : 0L });
                else
                {
                    var ax = FromArray(axesL, axesL.Length);
                    temps.Add(ax);
                    tr.Constant(ax);
                    tr.Record("ReduceSum", [x, ax], [r], new Dictionary<string, object> { ["keepdims"] = keepDim ? 1L : 0L });
                }
                return r;
            }
            finally
            {
                foreach (var t in temps) t.Dispose();
            }
        }
    }
}
