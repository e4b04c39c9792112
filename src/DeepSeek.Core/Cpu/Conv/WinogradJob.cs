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

    /// <summary>
    /// Output channels whose products M are held at once (a multiple of MR): products and output transform run a chunk
    /// of channels at a time, so M stays small beside V and the transformed weights U in L2.
    /// </summary>
    public int MRows;
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

    /// <summary>Floats between the components of M (see <see cref="VStride"/>): <see cref="MRows"/> rows each.</summary>
    public readonly long MStride => (long)MRows * BlockTiles + 16;

    /// <summary>Columns of the block's GEMMs for <paramref name="count"/> tiles: whole NR panels.</summary>
    private readonly int PaddedColumns(int count) => (count + Cfg.NR - 1) / Cfg.NR * Cfg.NR;

    /// <summary>
    /// V_ξ for channels [c0, c1) of the tiles [t0, t0 + count): component ξ at v + ξ·VStride, laid out as NR-column
    /// B panels (panel q at q·Cin·NR, channel c's row at c·NR); columns past <paramref name="count"/> up to a whole panel are zero.
    /// </summary>
    public readonly void Input(int t0, int count, int c0, int c1, float* v)
    {
        int nr = Cfg.NR, cols = PaddedColumns(count), cin = Cin, h = H, w = W;
        long stride = VStride, sC = SC, sH = SH, sW = SW;
        bool direct = nr % L == 0;
        float* d = stackalloc float[WinogradComponentsTimesLanes];
        float* tmp = stackalloc float[WinogradComponentsTimesLanes];
        long* off = stackalloc long[L]; // lane's tile origin (row y0, column x0) in image b, channel 0: may lie in the padding
        int* iy0 = stackalloc int[L], ix0 = stackalloc int[L];
        for (int col0 = 0; col0 < cols; col0 += L)
        {
            int valid = Math.Clamp(count - col0, 0, L);
            uint insideMask = 0;
            for (int lane = 0; lane < valid; lane++)
            {
                int t = t0 + col0 + lane, b = t / TilesPerImage, r = t % TilesPerImage;
                int y0 = r / TilesW * 4 - PadTop, x0 = r % TilesW * 4 - PadLeft;
                iy0[lane] = y0;
                ix0[lane] = x0;
                off[lane] = b * SN + y0 * sH + x0 * sW;
                if (y0 >= 0 && y0 + 6 <= h && x0 >= 0 && x0 + 6 <= w) insideMask |= 1u << lane;
            }
            new Span<float>(d, WinogradComponentsTimesLanes).Clear(); // lanes past the last tile stay zero
            for (int c = c0; c < c1; c++)
            {
                float* xc = X + c * sC;
                for (int lane = 0; lane < valid; lane++)
                {
                    float* q = d + lane;
                    if ((insideMask & (1u << lane)) != 0)
                    {
                        float* s = xc + off[lane];
                        if (sW == 1)
                            for (int i = 0; i < 6; i++, s += sH, q += 6 * L)
                            {
                                q[0] = s[0]; q[L] = s[1]; q[2 * L] = s[2]; q[3 * L] = s[3]; q[4 * L] = s[4]; q[5 * L] = s[5];
                            }
                        else
                            for (int i = 0; i < 6; i++, s += sH, q += 6 * L)
                            {
                                q[0] = s[0]; q[L] = s[sW]; q[2 * L] = s[2 * sW]; q[3 * L] = s[3 * sW]; q[4 * L] = s[4 * sW]; q[5 * L] = s[5 * sW];
                            }
                    }
                    else
                    {
                        // a border tile: taps outside the image are the zero padding
                        int y0 = iy0[lane], x0 = ix0[lane];
                        float* s = xc + off[lane];
                        for (int i = 0; i < 6; i++, s += sH, q += 6 * L)
                        {
                            bool rowIn = y0 + i >= 0 && y0 + i < h;
                            for (int j = 0; j < 6; j++)
                                q[j * L] = rowIn && x0 + j >= 0 && x0 + j < w ? s[j * sW] : 0f;
                        }
                    }
                }
                long at = (long)(col0 / nr) * cin * nr + (long)c * nr + col0 % nr;
                if (direct) WinogradTransforms.Input(d, v + at, stride);
                else
                {
                    // a panel narrower than 16 columns (AVX2/scalar kernels): transform, then place lane by lane
                    WinogradTransforms.Input(d, tmp, L);
                    for (int xi = 0; xi < WinogradConv.Components; xi++)
                        for (int lane = 0; lane < L && col0 + lane < cols; lane++)
                        {
                            int col = col0 + lane;
                            v[xi * stride + (long)(col / nr) * cin * nr + (long)c * nr + col % nr] = tmp[xi * L + lane];
                        }
                }
            }
        }
    }

    /// <summary>Products and output transform for output channels [r0, r1), <see cref="MRows"/> at a time (r0 a multiple of MR).</summary>
    public readonly void Products(int t0, int count, int r0, int r1, float* v, float* m, float* tile)
    {
        for (int c0 = r0; c0 < r1; c0 += MRows)
        {
            int c1 = Math.Min(r1, c0 + MRows);
            Gemms(count, c0, c1, v, m, tile);
            Output(t0, count, c0, c1, m);
        }
    }

    private const int WinogradComponentsTimesLanes = WinogradConv.Components * L;

    /// <summary>
    /// Rows [r0, r1) (r0 a multiple of MR, r1 − r0 ≤ <see cref="MRows"/>) of M_ξ = U_ξ · V_ξ for every ξ, row r at
    /// m + ξ·MStride + (r − r0)·BlockTiles.
    /// </summary>
    public readonly void Gemms(int count, int r0, int r1, float* v, float* m, float* tile)
    {
        int cols = PaddedColumns(count);
        for (int xi = 0; xi < WinogradConv.Components; xi++)
            PackedGemm.Block(Cfg, Cin, U + xi * ComponentFloats, v + xi * VStride, r0, r1, 0, cols, 1f,
                m + xi * MStride - (long)r0 * BlockTiles, BlockTiles, default, tile);
    }

    /// <summary>
    /// Output channels [o0, o1) of the tiles [t0, t0 + count) from their products (channel o at m + (o − o0)·BlockTiles, see
    /// <see cref="Gemms"/>): Aᵀ M A + bias (+ residual), activation, into NCHW.
    /// </summary>
    public readonly void Output(int t0, int count, int o0, int o1, float* m)
    {
        float* y = stackalloc float[16 * L];
        float* rowsOut = stackalloc float[16 * L]; // y turned tile-major: row i of lane's tile at (16·i + 4·lane)
        long* off = stackalloc long[L];
        int* rows = stackalloc int[L], cols = stackalloc int[L];
        long plane = (long)OH * OW, stride = MStride, ow = OW;
        float* yOut = Y, res = Residual;
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
                WinogradTransforms.Output(m + (long)(o - o0) * BlockTiles + col0, stride, Bias == null ? 0f : Bias[o], y);
                if (simple) WinogradTransforms.TileRows(y, rowsOut);
                for (int lane = 0; lane < valid; lane++)
                {
                    long at = off[lane] + o * plane;
                    float* dst = yOut + at;
                    float* z = res == null ? null : res + at;
                    int nr = rows[lane], nc = cols[lane];
                    if (simple && nr == 4 && nc == 4)
                    {
                        // a whole tile: one 4-wide row at a time
                        float* q = rowsOut + 4 * lane;
                        for (int i = 0; i < 4; i++, q += 4 * L)
                        {
                            var val = Vector128.Load(q);
                            if (z != null) val += Vector128.Load(z + i * ow);
                            if (relu) val = Vector128.ConditionalSelect(Vector128.LessThan(val, Vector128<float>.Zero), Vector128<float>.Zero, val);
                            val.Store(dst + i * ow);
                        }
                        continue;
                    }
                    for (int i = 0; i < nr; i++)
                        for (int j = 0; j < nc; j++)
                        {
                            float val = y[(4 * i + j) * L + lane];
                            if (z != null) val += z[i * ow + j];
                            if (relu && val < 0) val = 0; // NaN stays NaN, as in the GEMM epilogue
                            dst[i * ow + j] = val;
                        }
                    if (!simple) act.Apply(dst, OW, 0, 0, nr, nc);
                }
            }
        }
    }
}
