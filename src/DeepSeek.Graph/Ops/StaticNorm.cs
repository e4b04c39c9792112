// Static kernels for inference BatchNormalization ((x − mean)/√(var + ε)·γ + β per channel), LayerNormalization over
// the trailing dims from `axis` (biased variance) and Softmax/LogSoftmax (max-subtracted; before opset 13 over the input
// coerced to 2-d [∏ dims < axis, ∏ dims ≥ axis]). Inputs are viewed as the backend kernels' [N, C, L] / [M, K] forms.
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.StaticHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>Static kernels for BatchNormalization (inference), LayerNormalization, Softmax and LogSoftmax (F32, F64).</summary>
[OpSet]
public static class StaticNorm
{
    /// <summary>Adds these factories to <paramref name="r"/>.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register("BatchNormalization", BatchNorm);
        r.Register("LayerNormalization", LayerNorm);
        r.Register("Softmax", req => Softmax(req, log: false));
        r.Register("LogSoftmax", req => Softmax(req, log: true));
    }

    private static IStaticKernel? BatchNorm(StaticKernelRequest req)
    {
        // Training mode (opset 14's attribute, or extra outputs before it) updates statistics: interpreter only.
        bool training = req.Opset >= 14 ? req.Node.GetInt("training_mode", 0) != 0 : req.Outputs.Count > 1;
        if (training || req.Outputs.Count != 1 || (req.Opset < 7 && req.Node.GetInt("spatial", 1) != 1)) return null;
        if (In(req, 0) is not { } x || !IsFloat(x.DType) || x.Shape.Rank < 2 || req.Outputs[0] != x) return null;
        int c = x.Shape[1];
        for (int i = 1; i <= 4; i++)
            if (In(req, i) is not { } p || p.DType != x.DType || p.Shape != new Shape(c)) return null;
        double eps = req.Node.GetFloat("epsilon", 1e-5f);
        // the backend reads [N, C, ...] as [N, C, L] itself: no views per run
        return new DelegateStaticKernel((ins, outs) => outs[0].Backend.BatchNorm(ins[0]!, ins[3], ins[4], ins[1], ins[2], false, 0, eps, outs[0]));
    }

    private static IStaticKernel? LayerNorm(StaticKernelRequest req)
    {
        if (req.Outputs.Count != 1 || In(req, 0) is not { } x || In(req, 1) is not { } scale || !IsFloat(x.DType) || req.Outputs[0] != x) return null;
        int axis = Axis(req.Node.GetInt("axis", -1), x.Shape.Rank);
        if (axis < 0) return null;
        var norm = new Shape(Dims(x.Shape)[axis..]);
        var bias = In(req, 2);
        if (scale.DType != x.DType || scale.Shape != norm || (bias is { } b && (b.DType != x.DType || b.Shape != norm))) return null;
        int k = (int)norm.Numel;
        int m = (int)(x.Shape.Numel / Math.Max(1, k));
        double eps = req.Node.GetFloat("epsilon", 1e-5f);
        bool hasBias = bias is not null;
        if (axis == x.Shape.Rank - 1 && axis > 0)
        {
            // normalising the last dim only: the backend reads [..., K] rows directly, so no views are made per run
            return new DelegateStaticKernel((ins, outs) => outs[0].Backend.LayerNorm(ins[0]!, ins[1], hasBias ? ins[2] : null, eps, outs[0]));
        }
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var x2 = ins[0]!.Reshape(m, k);
            using var y2 = outs[0].Reshape(m, k);
            using var w1 = ins[1]!.Reshape(k);
            using var b1 = hasBias ? ins[2]!.Reshape(k) : null;
            outs[0].Backend.LayerNorm(x2, w1, b1, eps, y2);
        });
    }

    private static IStaticKernel? Softmax(StaticKernelRequest req, bool log)
    {
        if (req.Outputs.Count != 1 || req.Inputs.Count != 1 || In(req, 0) is not { } x || !IsFloat(x.DType) || req.Outputs[0] != x) return null;
        int rank = x.Shape.Rank;
        if (rank == 0) return null;
        if (req.Opset >= 13)
        {
            int axis = Axis(req.Node.GetInt("axis", -1), rank);
            if (axis < 0) return null;
            return new DelegateStaticKernel((ins, outs) => outs[0].Backend.Softmax(ins[0]!, axis, outs[0], log));
        }
        long a = req.Node.GetInt("axis", 1);
        if (a < -rank || a > rank) return null;
        int from = (int)(a < 0 ? a + rank : a);
        var dims = Dims(x.Shape);
        int outer = dims[..from].Aggregate(1, (p, v) => checked(p * v));
        int inner = dims[from..].Aggregate(1, (p, v) => checked(p * v));
        return new DelegateStaticKernel((ins, outs) =>
        {
            using var x2 = ins[0]!.Reshape(outer, inner);
            using var y2 = outs[0].Reshape(outer, inner);
            outs[0].Backend.Softmax(x2, 1, y2, log);
        });
    }
}
