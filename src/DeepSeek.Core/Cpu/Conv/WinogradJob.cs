// The three stages of Winograd F(4×4, 3×3) on one block of tiles (WinogradConv): gather 6×6 input patches (zeros
// outside the image, so any padding and ragged right/bottom tiles work) 16 tiles at a time and transform them into the
// B panels of V_ξ; 36 GEMMs M_ξ = U_ξ · V_ξ on the packed micro-kernel; transform M back and scatter the valid part of
// each 4×4 tile into NCHW with the epilogue. Tiles are numbered over the whole batch: t = (image·tilesH + ty)·tilesW + tx.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepSeek.Backends.Cpu.Gemm;

namespace DeepSeek.Backends.Cpu.Conv;

/// <summary>One Winograd convolution call: operands, geometry and blocking (plain data, copied into each thread's body).</summary>
[SkipLocalsInit] // the stack scratch is written before it is read
internal unsafe struct WinogradJob
{
    public float* X, Y, U, Bias, Residual;
    public long SN, SC, SH, SW;
    public int Cin, H, W, Cout, OH, OW, PadTop, PadLeft, TilesW, TilesPerImage, Total, BlockTiles;
    public long ComponentFloats;
    public SgemmConfig Cfg;
    public EpilogueActivation Act;
    public float Alpha, Beta;

    private const int L = WinogradTransforms.Lanes;

    /// <summary>
    /// Floats between components of V (and of M): a block's Cin·BlockTiles is a multiple of 1024 floats, so the 36
    /// values of one tile would share one L1 set (4 KiB aliasing); one cache line more spreads them over 36 sets.
    /// </summary>
    public readonly long VStride => (long)Cin * BlockTiles + 16;

    /// <summary>Floats between the components of M (see <see cref="VStride"/>).</summary>
    public readonly long MStride => (long)Cout * BlockTiles + 16;

    /// <summary>Columns of the block's GEMMs for <paramref name="count"/> tiles: whole NR panels.</summary>
    private readonly int PaddedColumns(int count) => (count + Cfg.NR - 1) / Cfg.NR * Cfg.NR;

    /// <summary>
    /// V_ξ for channels [c0, c1) of the tiles [t0, t0 + count): component ξ at v + ξ·VStride, laid out as NR-column
    /// B panels (panel q at q·Cin·NR, channel c's row at c·NR); columns past <paramref name="count"/> up to a whole panel are zero.
    /// </summary>
    public readonly void Input(int t0, int count, int c0, int c1, float* v)
    {
        int nr = Cfg.NR, cols = PaddedColumns(count);
        long stride = VStride;
        bool direct = nr % L == 0;
        float* d = stackalloc float[WinogradComponentsTimesLanes];
        float* tmp = stackalloc float[WinogradComponentsTimesLanes];
        long* off = stackalloc long[L];
        int* iy0 = stackalloc int[L], ix0 = stackalloc int[L];
        bool* inside = stackalloc bool[L];
        for (int col0 = 0; col0 < cols; col0 += L)
        {
            int valid = Math.Clamp(count - col0, 0, L);
            for (int lane = 0; lane < valid; lane++)
            {
                int t = t0 + col0 + lane, b = t / TilesPerImage, r = t % TilesPerImage;
                iy0[lane] = r / TilesW * 4 - PadTop;
                ix0[lane] = r % TilesW * 4 - PadLeft;
                off[lane] = b * SN;
                inside[lane] = iy0[lane] >= 0 && iy0[lane] + 6 <= H && ix0[lane] >= 0 && ix0[lane] + 6 <= W;
            }
            new Span<float>(d, WinogradComponentsTimesLanes).Clear(); // lanes past the last tile stay zero
            for (int c = c0; c < c1; c++)
            {
                for (int lane = 0; lane < valid; lane++)
                {
                    float* img = X + off[lane] + c * SC;
                    int y0 = iy0[lane], x0 = ix0[lane];
                    if (inside[lane])
                    {
                        float* s = img + y0 * SH + x0 * SW;
                        for (int i = 0; i < 6; i++, s += SH)
                        {
                            float* q = d + 6 * i * L + lane;
                            q[0] = s[0]; q[L] = s[SW]; q[2 * L] = s[2 * SW]; q[3 * L] = s[3 * SW]; q[4 * L] = s[4 * SW]; q[5 * L] = s[5 * SW];
                        }
                    }
                    else
                    {
                        for (int i = 0; i < 6; i++)
                        {
                            int iy = y0 + i;
                            bool rowIn = iy >= 0 && iy < H;
                            for (int j = 0; j < 6; j++)
                            {
                                int ix = x0 + j;
                                d[(6 * i + j) * L + lane] = rowIn && ix >= 0 && ix < W ? img[iy * SH + ix * SW] : 0f;
                            }
                        }
                    }
                }
                long at = (long)(col0 / nr) * Cin * nr + (long)c * nr + col0 % nr;
                if (direct) WinogradTransforms.Input(d, v + at, stride);
                else
                {
                    // a panel narrower than 16 columns (AVX2/scalar kernels): transform, then place lane by lane
                    WinogradTransforms.Input(d, tmp, L);
                    for (int xi = 0; xi < WinogradConv.Components; xi++)
                        for (int lane = 0; lane < L && col0 + lane < cols; lane++)
                        {
                            int col = col0 + lane;
                            v[xi * stride + (long)(col / nr) * Cin * nr + (long)c * nr + col % nr] = tmp[xi * L + lane];
                        }
                }
            }
        }
    }

    private const int WinogradComponentsTimesLanes = WinogradConv.Components * L;

    /// <summary>M_ξ [Cout × BlockTiles] (row-major, at m + ξ·MStride) = U_ξ · V_ξ for ξ in [xi0, xi1).</summary>
    public readonly void Gemms(int count, int xi0, int xi1, float* v, float* m, float* tile)
    {
        int cols = PaddedColumns(count);
        for (int xi = xi0; xi < xi1; xi++)
            PackedGemm.Block(Cfg, Cin, U + xi * ComponentFloats, v + xi * VStride, 0, Cout, 0, cols, 1f,
                m + xi * MStride, BlockTiles, default, tile);
    }

    /// <summary>Output channels [o0, o1) of the tiles [t0, t0 + count): Aᵀ M A + bias (+ residual), activation, into NCHW.</summary>
    public readonly void Output(int t0, int count, int o0, int o1, float* m)
    {
        float* y = stackalloc float[16 * L];
        long* off = stackalloc long[L];
        int* rows = stackalloc int[L], cols = stackalloc int[L];
        long plane = (long)OH * OW, stride = MStride;
        bool relu = Act == EpilogueActivation.Relu, simple = relu || Act == EpilogueActivation.None;
        var act = new GemmEpilogue(null, GemmBias.None, null, 0, Act, Alpha, Beta);
        for (int col0 = 0; col0 < count; col0 += L)
        {
            int valid = Math.Min(L, count - col0);
            for (int lane = 0; lane < valid; lane++)
            {
                int t = t0 + col0 + lane, b = t / TilesPerImage, r = t % TilesPerImage;
                int oy = r / TilesW * 4, ox = r % TilesW * 4;
                off[lane] = (long)b * Cout * plane + (long)oy * OW + ox;
                rows[lane] = Math.Min(4, OH - oy);
                cols[lane] = Math.Min(4, OW - ox);
            }
            for (int o = o0; o < o1; o++)
            {
                WinogradTransforms.Output(m + (long)o * BlockTiles + col0, stride, Bias == null ? 0f : Bias[o], y);
                for (int lane = 0; lane < valid; lane++)
                {
                    long at = off[lane] + o * plane;
                    float* dst = Y + at;
                    float* z = Residual == null ? null : Residual + at;
                    int nr = rows[lane], nc = cols[lane];
                    if (simple && nr == 4 && nc == 4)
                    {
                        // a whole tile: one 4-wide row at a time
                        float* q = y + lane;
                        for (int i = 0; i < 4; i++, q += 4 * L)
                        {
                            var val = Vector128.Create(q[0], q[L], q[2 * L], q[3 * L]);
                            if (z != null) val += Vector128.Load(z + i * OW);
                            if (relu) val = Vector128.ConditionalSelect(Vector128.LessThan(val, Vector128<float>.Zero), Vector128<float>.Zero, val);
                            val.Store(dst + i * OW);
                        }
                        continue;
                    }
                    for (int i = 0; i < nr; i++)
                        for (int j = 0; j < nc; j++)
                        {
                            float val = y[(4 * i + j) * L + lane];
                            if (z != null) val += z[i * OW + j];
                            if (relu && val < 0) val = 0; // NaN stays NaN, as in the GEMM epilogue
                            dst[i * OW + j] = val;
                        }
                    if (!simple) act.Apply(dst, OW, 0, 0, nr, nc);
                }
            }
        }
    }
}
