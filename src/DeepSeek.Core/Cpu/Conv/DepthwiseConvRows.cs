// Register-blocked row kernels of the channel-blocked depthwise convolution: eight consecutive output pixels of one row,
// stride 1 or 2, kernel width 3 or 5 (MobileNet's shapes). Each input vector of a tap row is loaded once and feeds every
// (pixel, tap) pair that reads it, so the loop is FMA-bound instead of load-bound (10–19 loads per 24–40 FMAs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe partial class DepthwiseConv
{
    /// <summary>True when <see cref="RowKernel"/> has a specialised kernel for the shape.</summary>
    private static bool HasRowKernel(int kw, int strideW, int dilationW) => dilationW == 1 && (kw == 3 || kw == 5) && (strideW == 1 || strideW == 2);

    // in: the first tap of pixel 0 in the [rows][cols][8] scratch; pitch: floats between tap rows; wv: [kh][kw][8] weights.
    private static void RowKernel(int kw, int strideW, float* inp, long pitch, int kh, float* wv, Vector256<float> bias, float* o)
    {
        if (strideW == 1) { if (kw == 3) Row1K3(inp, pitch, kh, wv, bias, o); else Row1K5(inp, pitch, kh, wv, bias, o); }
        else { if (kw == 3) Row2K3(inp, pitch, kh, wv, bias, o); else Row2K5(inp, pitch, kh, wv, bias, o); }
    }


    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row1K3(float* inp, long pitch, int kh, float* wv, Vector256<float> bias, float* o)
    {
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int i = 0; i < kh; i++, inp += pitch, wv += 24)
        {
            var w0 = Vector256.Load(wv + 0); var w1 = Vector256.Load(wv + 8); var w2 = Vector256.Load(wv + 16);
            Vector256<float> v;
            v = Vector256.Load(inp + 0); a0 = Vector256.FusedMultiplyAdd(v, w0, a0);
            v = Vector256.Load(inp + 8); a1 = Vector256.FusedMultiplyAdd(v, w0, a1); a0 = Vector256.FusedMultiplyAdd(v, w1, a0);
            v = Vector256.Load(inp + 16); a2 = Vector256.FusedMultiplyAdd(v, w0, a2); a1 = Vector256.FusedMultiplyAdd(v, w1, a1); a0 = Vector256.FusedMultiplyAdd(v, w2, a0);
            v = Vector256.Load(inp + 24); a3 = Vector256.FusedMultiplyAdd(v, w0, a3); a2 = Vector256.FusedMultiplyAdd(v, w1, a2); a1 = Vector256.FusedMultiplyAdd(v, w2, a1);
            v = Vector256.Load(inp + 32); a4 = Vector256.FusedMultiplyAdd(v, w0, a4); a3 = Vector256.FusedMultiplyAdd(v, w1, a3); a2 = Vector256.FusedMultiplyAdd(v, w2, a2);
            v = Vector256.Load(inp + 40); a5 = Vector256.FusedMultiplyAdd(v, w0, a5); a4 = Vector256.FusedMultiplyAdd(v, w1, a4); a3 = Vector256.FusedMultiplyAdd(v, w2, a3);
            v = Vector256.Load(inp + 48); a6 = Vector256.FusedMultiplyAdd(v, w0, a6); a5 = Vector256.FusedMultiplyAdd(v, w1, a5); a4 = Vector256.FusedMultiplyAdd(v, w2, a4);
            v = Vector256.Load(inp + 56); a7 = Vector256.FusedMultiplyAdd(v, w0, a7); a6 = Vector256.FusedMultiplyAdd(v, w1, a6); a5 = Vector256.FusedMultiplyAdd(v, w2, a5);
            v = Vector256.Load(inp + 64); a7 = Vector256.FusedMultiplyAdd(v, w1, a7); a6 = Vector256.FusedMultiplyAdd(v, w2, a6);
            v = Vector256.Load(inp + 72); a7 = Vector256.FusedMultiplyAdd(v, w2, a7);
        }
        a0.Store(o); a1.Store(o + 8); a2.Store(o + 16); a3.Store(o + 24);
        a4.Store(o + 32); a5.Store(o + 40); a6.Store(o + 48); a7.Store(o + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row1K5(float* inp, long pitch, int kh, float* wv, Vector256<float> bias, float* o)
    {
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int i = 0; i < kh; i++, inp += pitch, wv += 40)
        {
            var w0 = Vector256.Load(wv + 0); var w1 = Vector256.Load(wv + 8); var w2 = Vector256.Load(wv + 16); var w3 = Vector256.Load(wv + 24); var w4 = Vector256.Load(wv + 32);
            Vector256<float> v;
            v = Vector256.Load(inp + 0); a0 = Vector256.FusedMultiplyAdd(v, w0, a0);
            v = Vector256.Load(inp + 8); a1 = Vector256.FusedMultiplyAdd(v, w0, a1); a0 = Vector256.FusedMultiplyAdd(v, w1, a0);
            v = Vector256.Load(inp + 16); a2 = Vector256.FusedMultiplyAdd(v, w0, a2); a1 = Vector256.FusedMultiplyAdd(v, w1, a1); a0 = Vector256.FusedMultiplyAdd(v, w2, a0);
            v = Vector256.Load(inp + 24); a3 = Vector256.FusedMultiplyAdd(v, w0, a3); a2 = Vector256.FusedMultiplyAdd(v, w1, a2); a1 = Vector256.FusedMultiplyAdd(v, w2, a1); a0 = Vector256.FusedMultiplyAdd(v, w3, a0);
            v = Vector256.Load(inp + 32); a4 = Vector256.FusedMultiplyAdd(v, w0, a4); a3 = Vector256.FusedMultiplyAdd(v, w1, a3); a2 = Vector256.FusedMultiplyAdd(v, w2, a2); a1 = Vector256.FusedMultiplyAdd(v, w3, a1); a0 = Vector256.FusedMultiplyAdd(v, w4, a0);
            v = Vector256.Load(inp + 40); a5 = Vector256.FusedMultiplyAdd(v, w0, a5); a4 = Vector256.FusedMultiplyAdd(v, w1, a4); a3 = Vector256.FusedMultiplyAdd(v, w2, a3); a2 = Vector256.FusedMultiplyAdd(v, w3, a2); a1 = Vector256.FusedMultiplyAdd(v, w4, a1);
            v = Vector256.Load(inp + 48); a6 = Vector256.FusedMultiplyAdd(v, w0, a6); a5 = Vector256.FusedMultiplyAdd(v, w1, a5); a4 = Vector256.FusedMultiplyAdd(v, w2, a4); a3 = Vector256.FusedMultiplyAdd(v, w3, a3); a2 = Vector256.FusedMultiplyAdd(v, w4, a2);
            v = Vector256.Load(inp + 56); a7 = Vector256.FusedMultiplyAdd(v, w0, a7); a6 = Vector256.FusedMultiplyAdd(v, w1, a6); a5 = Vector256.FusedMultiplyAdd(v, w2, a5); a4 = Vector256.FusedMultiplyAdd(v, w3, a4); a3 = Vector256.FusedMultiplyAdd(v, w4, a3);
            v = Vector256.Load(inp + 64); a7 = Vector256.FusedMultiplyAdd(v, w1, a7); a6 = Vector256.FusedMultiplyAdd(v, w2, a6); a5 = Vector256.FusedMultiplyAdd(v, w3, a5); a4 = Vector256.FusedMultiplyAdd(v, w4, a4);
            v = Vector256.Load(inp + 72); a7 = Vector256.FusedMultiplyAdd(v, w2, a7); a6 = Vector256.FusedMultiplyAdd(v, w3, a6); a5 = Vector256.FusedMultiplyAdd(v, w4, a5);
            v = Vector256.Load(inp + 80); a7 = Vector256.FusedMultiplyAdd(v, w3, a7); a6 = Vector256.FusedMultiplyAdd(v, w4, a6);
            v = Vector256.Load(inp + 88); a7 = Vector256.FusedMultiplyAdd(v, w4, a7);
        }
        a0.Store(o); a1.Store(o + 8); a2.Store(o + 16); a3.Store(o + 24);
        a4.Store(o + 32); a5.Store(o + 40); a6.Store(o + 48); a7.Store(o + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row2K3(float* inp, long pitch, int kh, float* wv, Vector256<float> bias, float* o)
    {
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int i = 0; i < kh; i++, inp += pitch, wv += 24)
        {
            var w0 = Vector256.Load(wv + 0); var w1 = Vector256.Load(wv + 8); var w2 = Vector256.Load(wv + 16);
            Vector256<float> v;
            v = Vector256.Load(inp + 0); a0 = Vector256.FusedMultiplyAdd(v, w0, a0);
            v = Vector256.Load(inp + 8); a0 = Vector256.FusedMultiplyAdd(v, w1, a0);
            v = Vector256.Load(inp + 16); a1 = Vector256.FusedMultiplyAdd(v, w0, a1); a0 = Vector256.FusedMultiplyAdd(v, w2, a0);
            v = Vector256.Load(inp + 24); a1 = Vector256.FusedMultiplyAdd(v, w1, a1);
            v = Vector256.Load(inp + 32); a2 = Vector256.FusedMultiplyAdd(v, w0, a2); a1 = Vector256.FusedMultiplyAdd(v, w2, a1);
            v = Vector256.Load(inp + 40); a2 = Vector256.FusedMultiplyAdd(v, w1, a2);
            v = Vector256.Load(inp + 48); a3 = Vector256.FusedMultiplyAdd(v, w0, a3); a2 = Vector256.FusedMultiplyAdd(v, w2, a2);
            v = Vector256.Load(inp + 56); a3 = Vector256.FusedMultiplyAdd(v, w1, a3);
            v = Vector256.Load(inp + 64); a4 = Vector256.FusedMultiplyAdd(v, w0, a4); a3 = Vector256.FusedMultiplyAdd(v, w2, a3);
            v = Vector256.Load(inp + 72); a4 = Vector256.FusedMultiplyAdd(v, w1, a4);
            v = Vector256.Load(inp + 80); a5 = Vector256.FusedMultiplyAdd(v, w0, a5); a4 = Vector256.FusedMultiplyAdd(v, w2, a4);
            v = Vector256.Load(inp + 88); a5 = Vector256.FusedMultiplyAdd(v, w1, a5);
            v = Vector256.Load(inp + 96); a6 = Vector256.FusedMultiplyAdd(v, w0, a6); a5 = Vector256.FusedMultiplyAdd(v, w2, a5);
            v = Vector256.Load(inp + 104); a6 = Vector256.FusedMultiplyAdd(v, w1, a6);
            v = Vector256.Load(inp + 112); a7 = Vector256.FusedMultiplyAdd(v, w0, a7); a6 = Vector256.FusedMultiplyAdd(v, w2, a6);
            v = Vector256.Load(inp + 120); a7 = Vector256.FusedMultiplyAdd(v, w1, a7);
            v = Vector256.Load(inp + 128); a7 = Vector256.FusedMultiplyAdd(v, w2, a7);
        }
        a0.Store(o); a1.Store(o + 8); a2.Store(o + 16); a3.Store(o + 24);
        a4.Store(o + 32); a5.Store(o + 40); a6.Store(o + 48); a7.Store(o + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row2K5(float* inp, long pitch, int kh, float* wv, Vector256<float> bias, float* o)
    {
        Vector256<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int i = 0; i < kh; i++, inp += pitch, wv += 40)
        {
            var w0 = Vector256.Load(wv + 0); var w1 = Vector256.Load(wv + 8); var w2 = Vector256.Load(wv + 16); var w3 = Vector256.Load(wv + 24); var w4 = Vector256.Load(wv + 32);
            Vector256<float> v;
            v = Vector256.Load(inp + 0); a0 = Vector256.FusedMultiplyAdd(v, w0, a0);
            v = Vector256.Load(inp + 8); a0 = Vector256.FusedMultiplyAdd(v, w1, a0);
            v = Vector256.Load(inp + 16); a1 = Vector256.FusedMultiplyAdd(v, w0, a1); a0 = Vector256.FusedMultiplyAdd(v, w2, a0);
            v = Vector256.Load(inp + 24); a1 = Vector256.FusedMultiplyAdd(v, w1, a1); a0 = Vector256.FusedMultiplyAdd(v, w3, a0);
            v = Vector256.Load(inp + 32); a2 = Vector256.FusedMultiplyAdd(v, w0, a2); a1 = Vector256.FusedMultiplyAdd(v, w2, a1); a0 = Vector256.FusedMultiplyAdd(v, w4, a0);
            v = Vector256.Load(inp + 40); a2 = Vector256.FusedMultiplyAdd(v, w1, a2); a1 = Vector256.FusedMultiplyAdd(v, w3, a1);
            v = Vector256.Load(inp + 48); a3 = Vector256.FusedMultiplyAdd(v, w0, a3); a2 = Vector256.FusedMultiplyAdd(v, w2, a2); a1 = Vector256.FusedMultiplyAdd(v, w4, a1);
            v = Vector256.Load(inp + 56); a3 = Vector256.FusedMultiplyAdd(v, w1, a3); a2 = Vector256.FusedMultiplyAdd(v, w3, a2);
            v = Vector256.Load(inp + 64); a4 = Vector256.FusedMultiplyAdd(v, w0, a4); a3 = Vector256.FusedMultiplyAdd(v, w2, a3); a2 = Vector256.FusedMultiplyAdd(v, w4, a2);
            v = Vector256.Load(inp + 72); a4 = Vector256.FusedMultiplyAdd(v, w1, a4); a3 = Vector256.FusedMultiplyAdd(v, w3, a3);
            v = Vector256.Load(inp + 80); a5 = Vector256.FusedMultiplyAdd(v, w0, a5); a4 = Vector256.FusedMultiplyAdd(v, w2, a4); a3 = Vector256.FusedMultiplyAdd(v, w4, a3);
            v = Vector256.Load(inp + 88); a5 = Vector256.FusedMultiplyAdd(v, w1, a5); a4 = Vector256.FusedMultiplyAdd(v, w3, a4);
            v = Vector256.Load(inp + 96); a6 = Vector256.FusedMultiplyAdd(v, w0, a6); a5 = Vector256.FusedMultiplyAdd(v, w2, a5); a4 = Vector256.FusedMultiplyAdd(v, w4, a4);
            v = Vector256.Load(inp + 104); a6 = Vector256.FusedMultiplyAdd(v, w1, a6); a5 = Vector256.FusedMultiplyAdd(v, w3, a5);
            v = Vector256.Load(inp + 112); a7 = Vector256.FusedMultiplyAdd(v, w0, a7); a6 = Vector256.FusedMultiplyAdd(v, w2, a6); a5 = Vector256.FusedMultiplyAdd(v, w4, a5);
            v = Vector256.Load(inp + 120); a7 = Vector256.FusedMultiplyAdd(v, w1, a7); a6 = Vector256.FusedMultiplyAdd(v, w3, a6);
            v = Vector256.Load(inp + 128); a7 = Vector256.FusedMultiplyAdd(v, w2, a7); a6 = Vector256.FusedMultiplyAdd(v, w4, a6);
            v = Vector256.Load(inp + 136); a7 = Vector256.FusedMultiplyAdd(v, w3, a7);
            v = Vector256.Load(inp + 144); a7 = Vector256.FusedMultiplyAdd(v, w4, a7);
        }
        a0.Store(o); a1.Store(o + 8); a2.Store(o + 16); a3.Store(o + 24);
        a4.Store(o + 32); a5.Store(o + 40); a6.Store(o + 48); a7.Store(o + 56);
    }
}
