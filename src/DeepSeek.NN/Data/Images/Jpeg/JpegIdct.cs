// Inverse DCT of T.81 A.3.3 computed exactly as the separable matrix product f = Mᵀ·F·M with
// M[u][x] = C(u)/2·cos((2x+1)uπ/16), C(0) = 1/√2: each 8-sample row is one 256-bit vector, so a pass is 64 broadcast FMAs.
using System.Runtime.Intrinsics;

namespace DeepSeek.NN.Data.Images.Jpeg;

/// <summary>8×8 inverse DCT in float (vector path) with a double-precision scalar reference.</summary>
internal static class JpegIdct
{
    /// <summary>M[u·8 + x] = C(u)/2·cos((2x+1)uπ/16).</summary>
    internal static readonly float[] Basis = BuildBasis();

    private static float[] BuildBasis()
    {
        var m = new float[64];
        for (int u = 0; u < 8; u++)
            for (int x = 0; x < 8; x++)
                m[u * 8 + x] = (float)((u == 0 ? Math.Sqrt(0.125) : 0.5) * Math.Cos((2 * x + 1) * u * Math.PI / 16));
        return m;
    }

    /// <summary>
    /// Spatial samples (level-shifted back by +128, not rounded) of the dequantized coefficients <paramref name="coef"/>
    /// (64 values in natural row-major order, row = vertical frequency) into <paramref name="output"/> (64 values, row = y).
    /// </summary>
    internal static void Inverse(ReadOnlySpan<float> coef, Span<float> output)
    {
        if (!Vector256.IsHardwareAccelerated) { InverseReference(coef, output); return; }
        Span<Vector256<float>> g = stackalloc Vector256<float>[8];
        Span<Vector256<float>> m = stackalloc Vector256<float>[8];
        for (int u = 0; u < 8; u++) m[u] = Vector256.Create(Basis.AsSpan(u * 8, 8));
        // G[v] = Σ_u F[v][u]·M[u]  (horizontal pass; all-zero rows stay zero)
        for (int v = 0; v < 8; v++)
        {
            var row = Vector256.Create(coef.Slice(v * 8, 8));
            var acc = Vector256<float>.Zero;
            if (row != Vector256<float>.Zero)
                for (int u = 0; u < 8; u++)
                    if (coef[v * 8 + u] != 0) acc = Vector256.FusedMultiplyAdd(Vector256.Create(coef[v * 8 + u]), m[u], acc);
            g[v] = acc;
        }
        // out[y] = 128 + Σ_v M[v][y]·G[v]  (vertical pass)
        var bias = Vector256.Create(128f);
        for (int y = 0; y < 8; y++)
        {
            var acc = bias;
            for (int v = 0; v < 8; v++) acc = Vector256.FusedMultiplyAdd(Vector256.Create(Basis[v * 8 + y]), g[v], acc);
            acc.CopyTo(output.Slice(y * 8, 8));
        }
    }

    /// <summary>The same transform, scalar in double precision (the test oracle for <see cref="Inverse"/>).</summary>
    internal static void InverseReference(ReadOnlySpan<float> coef, Span<float> output)
    {
        Span<double> g = stackalloc double[64];
        for (int v = 0; v < 8; v++)
            for (int x = 0; x < 8; x++)
            {
                double s = 0;
                for (int u = 0; u < 8; u++) s += coef[v * 8 + u] * (double)Basis[u * 8 + x];
                g[v * 8 + x] = s;
            }
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                double s = 128;
                for (int v = 0; v < 8; v++) s += (double)Basis[v * 8 + y] * g[v * 8 + x];
                output[y * 8 + x] = (float)s;
            }
    }

    /// <summary>Rounds the 64 samples to nearest, clamps to 0–255 and stores them at <paramref name="dst"/> with row <paramref name="stride"/>.</summary>
    internal static void Store(ReadOnlySpan<float> samples, Span<byte> dst, int stride)
    {
        for (int y = 0; y < 8; y++)
        {
            var row = dst.Slice(y * stride, 8);
            for (int x = 0; x < 8; x++)
            {
                float v = samples[y * 8 + x];
                row[x] = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(int)(v + 0.5f);
            }
        }
    }
}
