namespace DeepSeek.Tests.Elementwise;

/// <summary>Double-precision references and helpers for the elementwise tests.</summary>
internal static class Ref
{
    public static readonly DType[] Floats = { DType.F32, DType.F64, DType.F16, DType.BF16 };
    public static readonly DType[] Ints = { DType.I8, DType.U8, DType.I16, DType.I32, DType.I64 };

    /// <summary>Values that hit the edges: signs, zeros, halves, small and large magnitudes.</summary>
    public static readonly double[] Edge =
    {
        -20, -7.5, -3.5, -2.5, -1.5, -1, -0.5, -0.3, -1e-3, -0.0, 0, 1e-4, 0.25, 0.5, 0.7, 1, 1.5, 2, 2.5, 3.25, 4.5, 9, 15.75, -0.75,
    };

    /// <summary>erf by the alternating Taylor series (|x| ≤ 3.5) or 1 − erfc by its continued fraction beyond: ~1e-12 absolute.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        if (double.IsInfinity(x)) return Math.Sign(x);
        double ax = Math.Abs(x);
        if (ax <= 3.5)
        {
            double sum = 0, term = ax; // term = (−1)ⁿ x^(2n+1)/n!
            for (int n = 0; n < 120; n++)
            {
                sum += term / (2 * n + 1);
                term *= -ax * ax / (n + 1);
            }
            return Math.CopySign(2 / Math.Sqrt(Math.PI) * sum, x);
        }
        // erfc by Laplace's continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + …))), evaluated forwards (modified Lentz)
        double f = ax, c = ax, d = 0;
        for (int k = 1; k < 500; k++)
        {
            double a = k * 0.5;
            d = 1 / (ax + a * d);
            c = ax + a / c;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return Math.CopySign(1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f, x);
    }

    /// <summary>The value <paramref name="v"/> stored in <paramref name="t"/> and read back (rounding / wrapping as the dtype does).</summary>
    public static double RoundTo(DType t, double v) => t switch
    {
        DType.F32 => (float)v,
        DType.F64 => v,
        DType.F16 => (double)(Half)(float)v,
        DType.BF16 => BFloat16.FromSingle((float)v).ToSingle(),
        DType.I8 => (sbyte)(long)v,
        DType.U8 => (byte)(long)v,
        DType.I16 => (short)(long)v,
        DType.I32 => (int)(long)v,
        DType.I64 => (long)v,
        DType.Bool => v != 0 ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>(rtol, atol) for results computed in F32 and stored in <paramref name="t"/>.</summary>
    public static (double R, double A) Tol(DType t) => t switch
    {
        DType.F32 => (3e-6, 1e-6),
        DType.F64 => (1e-12, 1e-12), // the test's erf is good to ~1e-12 absolute
        DType.F16 => (2e-3, 1e-4),
        DType.BF16 => (1.6e-2, 1e-3),
        _ => (0, 0),
    };

    /// <summary>Deterministic test data: the edge values then seeded normals scaled by 3.</summary>
    public static double[] Values(int n, ulong seed = 7)
    {
        var g = new Generator(seed);
        var r = new double[n];
        g.FillNormal(r, 0, 3);
        for (int i = 0; i < Math.Min(n, Edge.Length); i++) r[i] = Edge[i];
        return r;
    }

    /// <summary>Applies <paramref name="f"/> to every value of <paramref name="t"/> (row-major), in double.</summary>
    public static double[] Map(Tensor t, Func<double, double> f) => t.ToDoubleArray().Select(f).ToArray();

    /// <summary>Expected results of a binary op: operands broadcast by the tensors' own views, then zipped.</summary>
    public static double[] Zip(Tensor a, Tensor b, Func<double, double, double> f)
    {
        var shape = Shape.Broadcast(a.Shape, b.Shape, "test");
        using var av = a.BroadcastTo(shape);
        using var bv = b.BroadcastTo(shape);
        var x = av.ToDoubleArray();
        var y = bv.ToDoubleArray();
        return x.Zip(y, f).ToArray();
    }
}
