namespace DeepSeek;

public sealed partial class Tensor
{
    // Gradients of the normalization ops, called by their autograd nodes. Inputs are converted to the compute dtype
    // (F64 stays F64, everything else runs in F32), one backward kernel runs, and results return in the input's dtype.

    /// <summary>Gradients (input, weight, bias; null where not <paramref name="need"/>ed) of <see cref="BatchNorm"/>.</summary>
    internal static Tensor?[] BatchNormGrad(Tensor x, Tensor gradOut, Tensor? weight, Tensor? runningMean, Tensor? runningVar,
        bool training, double eps, bool[] need)
    {
        int n = x.Size(0), c = x.Size(1);
        int l = (int)(x.Numel / Math.Max(1L, (long)n * c));
        return NormGradRun(x, gradOut, weight, [n, c, l], [c], [c], need, [runningMean, runningVar],
            (xv, gv, wv, extra, gx, gw, gb) => x.Backend.BatchNormBackward(xv, gv, wv, extra[0], extra[1], training, eps, gx, gw, gb));
    }

    /// <summary>Gradients (input, weight, bias) of <see cref="LayerNorm"/> over the trailing <paramref name="normalizedShape"/>.</summary>
    internal static Tensor?[] LayerNormGrad(Tensor x, Tensor gradOut, Tensor? weight, int[] normalizedShape, double eps, bool[] need)
    {
        long kl = 1;
        foreach (var d in normalizedShape) kl *= d;
        int k = (int)kl, m = (int)(x.Numel / Math.Max(1L, kl));
        return NormGradRun(x, gradOut, weight, [m, k], [k], normalizedShape, need, [],
            (xv, gv, wv, _, gx, gw, gb) => x.Backend.LayerNormBackward(xv, gv, wv, eps, gx, gw, gb));
    }

    /// <summary>Gradients (input, weight, bias) of <see cref="GroupNorm"/>.</summary>
    internal static Tensor?[] GroupNormGrad(Tensor x, Tensor gradOut, int groups, Tensor? weight, double eps, bool[] need)
    {
        int n = x.Size(0), c = x.Size(1);
        int l = (int)(x.Numel / Math.Max(1L, (long)n * c));
        return NormGradRun(x, gradOut, weight, [n, c, l], [c], [c], need, [],
            (xv, gv, wv, _, gx, gw, gb) => x.Backend.GroupNormBackward(xv, groups, gv, wv, eps, gx, gw, gb));
    }

    private delegate void NormGradKernel(Tensor x, Tensor g, Tensor? w, Tensor?[] extra, Tensor? gx, Tensor? gw, Tensor? gb);

    private static Tensor?[] NormGradRun(Tensor x, Tensor gradOut, Tensor? weight, int[] kernelShape, int[] paramShape, int[] userParamShape, bool[] need,
        Tensor?[] extra, NormGradKernel kernel)
    {
        var dtype = x.DType;
        var compute = dtype == DType.F64 ? DType.F64 : DType.F32;
        var temps = new List<Tensor>();
        try
        {
            Tensor Prep(Tensor t, int[] shape)
            {
                var r = t.Reshape(shape);
                temps.Add(r);
                if (r.DType == compute) return r;
                var c = r.To(compute);
                temps.Add(c);
                return c;
            }
            var outs = new Tensor?[3];
            outs[0] = need[0] ? Empty(new Shape(kernelShape), compute, x.Device) : null;
            outs[1] = need[1] ? Empty(new Shape(paramShape), compute, x.Device) : null;
            outs[2] = need[2] ? Empty(new Shape(paramShape), compute, x.Device) : null;
            foreach (var o in outs) if (o is not null) temps.Add(o);
            if (x.Numel > 0)
            {
                var xv = Prep(x, kernelShape);
                var gv = Prep(gradOut, kernelShape);
                var wv = weight is null ? null : Prep(weight, paramShape);
                var ev = extra.Select(e => e is null ? null : Prep(e, [e.Size(0)])).ToArray();
                kernel(xv, gv, wv, ev, outs[0], outs[1], outs[2]);
            }
            else foreach (var o in outs) if (o is not null) x.Backend.Fill(o, 0);
            var result = new Tensor?[3];
            for (int i = 0; i < 3; i++)
            {
                if (outs[i] is not { } o) continue;
                var shape = i == 0 ? x.ShapeArray : userParamShape;
                if (o.DType == dtype) result[i] = o.Reshape(shape); // a view: the storage outlives the disposed temp
                else
                {
                    using var shaped = o.Reshape(shape);
                    result[i] = shaped.To(dtype);
                }
            }
            return result;
        }
        finally
        {
            foreach (var t in temps) t.Dispose();
        }
    }
}
