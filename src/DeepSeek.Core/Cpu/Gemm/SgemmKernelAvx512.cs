// AVX-512 SGEMM micro-kernels (BLIS-style register tiling, Van Zee & van de Geijn, "BLIS", TOMS 2015):
// MR rows × 32 columns of C live in 2·MR zmm accumulators; per k step two B vectors are loaded, each A
// value is broadcast and feeds two FMAs. Generated code (one accumulator per register) to keep the JIT spill-free.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Gemm;

internal static unsafe class SgemmKernelAvx512
{
    /// <summary>12×32 tile: C[12×32] = alpha·Σ_p a[p·12+i]·b[p·32+j] + beta·C (beta = 0 does not read C).</summary>
    public static void Kernel12x32(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta) =>
        ScaledTile<Tile12>(kc, a, b, c, ldc, alpha, beta);

    /// <summary>The 12×32 tile with the GEMM epilogue (bias, residual, activation) applied in registers before the store.</summary>
    public static void Kernel12x32Epilogue(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta, GemmEpilogue* ep, int row0, int col0) =>
        EpilogueTile<Tile12>(kc, a, b, c, ldc, alpha, beta, ep, row0, col0);

    private readonly struct Tile12 : ITile
    {
        public static void Run<TStore>(int kc, float* a, float* b, float* c, long ldc, in TileStore s) where TStore : struct, ITileStore =>
            Tile12x32<TStore>(kc, a, b, c, ldc, in s);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile12x32<TStore>(int kc, float* a, float* b, float* c, long ldc, in TileStore s) where TStore : struct, ITileStore
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80);
            c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90);
            c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100);
            c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110);
            c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
            a += 12;
            b += 32;
        }
        TStore.Row(in s, c + 0 * ldc, 0, c00, c01);
        TStore.Row(in s, c + 1 * ldc, 1, c10, c11);
        TStore.Row(in s, c + 2 * ldc, 2, c20, c21);
        TStore.Row(in s, c + 3 * ldc, 3, c30, c31);
        TStore.Row(in s, c + 4 * ldc, 4, c40, c41);
        TStore.Row(in s, c + 5 * ldc, 5, c50, c51);
        TStore.Row(in s, c + 6 * ldc, 6, c60, c61);
        TStore.Row(in s, c + 7 * ldc, 7, c70, c71);
        TStore.Row(in s, c + 8 * ldc, 8, c80, c81);
        TStore.Row(in s, c + 9 * ldc, 9, c90, c91);
        TStore.Row(in s, c + 10 * ldc, 10, c100, c101);
        TStore.Row(in s, c + 11 * ldc, 11, c110, c111);
    }

    /// <summary>14×32 tile: C[14×32] = alpha·Σ_p a[p·14+i]·b[p·32+j] + beta·C (beta = 0 does not read C).</summary>
    public static void Kernel14x32(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta) =>
        ScaledTile<Tile14>(kc, a, b, c, ldc, alpha, beta);

    /// <summary>The 14×32 tile with the GEMM epilogue (bias, residual, activation) applied in registers before the store.</summary>
    public static void Kernel14x32Epilogue(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta, GemmEpilogue* ep, int row0, int col0) =>
        EpilogueTile<Tile14>(kc, a, b, c, ldc, alpha, beta, ep, row0, col0);

    private readonly struct Tile14 : ITile
    {
        public static void Run<TStore>(int kc, float* a, float* b, float* c, long ldc, in TileStore s) where TStore : struct, ITileStore =>
            Tile14x32<TStore>(kc, a, b, c, ldc, in s);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile14x32<TStore>(int kc, float* a, float* b, float* c, long ldc, in TileStore s) where TStore : struct, ITileStore
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        Vector512<float> c120 = default, c121 = default;
        Vector512<float> c130 = default, c131 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80);
            c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90);
            c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100);
            c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110);
            c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
            var a12 = Vector512.Create(a[12]);
            c120 = Avx512F.FusedMultiplyAdd(a12, b0, c120);
            c121 = Avx512F.FusedMultiplyAdd(a12, b1, c121);
            var a13 = Vector512.Create(a[13]);
            c130 = Avx512F.FusedMultiplyAdd(a13, b0, c130);
            c131 = Avx512F.FusedMultiplyAdd(a13, b1, c131);
            a += 14;
            b += 32;
        }
        TStore.Row(in s, c + 0 * ldc, 0, c00, c01);
        TStore.Row(in s, c + 1 * ldc, 1, c10, c11);
        TStore.Row(in s, c + 2 * ldc, 2, c20, c21);
        TStore.Row(in s, c + 3 * ldc, 3, c30, c31);
        TStore.Row(in s, c + 4 * ldc, 4, c40, c41);
        TStore.Row(in s, c + 5 * ldc, 5, c50, c51);
        TStore.Row(in s, c + 6 * ldc, 6, c60, c61);
        TStore.Row(in s, c + 7 * ldc, 7, c70, c71);
        TStore.Row(in s, c + 8 * ldc, 8, c80, c81);
        TStore.Row(in s, c + 9 * ldc, 9, c90, c91);
        TStore.Row(in s, c + 10 * ldc, 10, c100, c101);
        TStore.Row(in s, c + 11 * ldc, 11, c110, c111);
        TStore.Row(in s, c + 12 * ldc, 12, c120, c121);
        TStore.Row(in s, c + 13 * ldc, 13, c130, c131);
    }

    /// <summary>
    /// Activations cheap enough to apply in the tile's stores: min/max/multiply-add only. The exp/erf-based ones keep
    /// the separate pass — inlined into the store of every row they need more registers than the 28 accumulators
    /// leave, and a 128×768·768×3072 Linear with GELU ran at 42–71 GFLOP/s fused against 85–94 as a pass (Relu,
    /// HardSwish, no activation: equal either way).
    /// </summary>
    public static bool FusesActivation(EpilogueActivation a) =>
        a is EpilogueActivation.None or EpilogueActivation.Relu or EpilogueActivation.Clip or EpilogueActivation.LeakyRelu
            or EpilogueActivation.HardSigmoid or EpilogueActivation.HardSwish;

    private static void ScaledTile<TTile>(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta) where TTile : struct, ITile
    {
        var s = new TileStore(alpha, beta);
        if (beta == 0) TTile.Run<ScaleStore>(kc, a, b, c, ldc, in s);
        else TTile.Run<ScaleBetaStore>(kc, a, b, c, ldc, in s);
    }

    private interface ITile
    {
        static abstract void Run<TStore>(int kc, float* a, float* b, float* c, long ldc, in TileStore s) where TStore : struct, ITileStore;
    }

    // one generic instantiation per activation: the activation is inlined into the tile's stores
    private static void EpilogueTile<TTile>(int kc, float* a, float* b, float* c, long ldc, float alpha, float beta, GemmEpilogue* ep, int row0, int col0)
        where TTile : struct, ITile
    {
        var s = new TileStore(alpha, beta, ep, row0, col0);
        switch (ep->Activation)
        {
            case EpilogueActivation.None: TTile.Run<EpilogueStore<ActNone>>(kc, a, b, c, ldc, in s); break;
            case EpilogueActivation.Relu: TTile.Run<EpilogueStore<ActRelu>>(kc, a, b, c, ldc, in s); break;
            case EpilogueActivation.Clip: TTile.Run<EpilogueStore<ActClip>>(kc, a, b, c, ldc, in s); break;
            case EpilogueActivation.LeakyRelu: TTile.Run<EpilogueStore<ActLeakyRelu>>(kc, a, b, c, ldc, in s); break;
            case EpilogueActivation.HardSigmoid: TTile.Run<EpilogueStore<ActHardSigmoid>>(kc, a, b, c, ldc, in s); break;
            case EpilogueActivation.HardSwish: TTile.Run<EpilogueStore<ActHardSwish>>(kc, a, b, c, ldc, in s); break;
            default: throw new ArgumentOutOfRangeException(nameof(ep), ep->Activation, "this activation is not fused into the micro-kernel (see FusesActivation)");
        }
    }

    /// <summary>How a finished tile row (two accumulators, 32 columns) reaches C.</summary>
    private interface ITileStore
    {
        static abstract void Row(in TileStore s, float* c, int i, Vector512<float> x0, Vector512<float> x1);
    }

    /// <summary>
    /// What a tile's stores need: alpha and beta, and for the fused epilogue the tile's row bias (one per row), column
    /// bias (one per column), residual tile and the activation's parameters — the same arithmetic as
    /// <see cref="GemmEpilogue.Apply"/>: act(alpha·AB + beta·C + bias + residual).
    /// </summary>
    private readonly struct TileStore
    {
        public readonly Vector512<float> Alpha, Beta;
        public readonly bool HasBeta;
        public readonly float* RowBias, ColBias, Residual;
        public readonly long Ldr;
        public readonly float ActA, ActB;

        public TileStore(float alpha, float beta)
        {
            Alpha = Vector512.Create(alpha);
            Beta = Vector512.Create(beta);
            HasBeta = beta != 0;
        }

        public TileStore(float alpha, float beta, GemmEpilogue* ep, int row0, int col0) : this(alpha, beta)
        {
            RowBias = ep->BiasKind == GemmBias.PerRow ? ep->Bias + row0 : null;
            ColBias = ep->BiasKind == GemmBias.PerColumn ? ep->Bias + col0 : null;
            Residual = ep->Residual == null ? null : ep->Residual + row0 * ep->Ldr + col0;
            Ldr = ep->Ldr;
            ActA = ep->Alpha;
            ActB = ep->BetaParam;
        }
    }

    private readonly struct ScaleStore : ITileStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row(in TileStore s, float* c, int i, Vector512<float> x0, Vector512<float> x1)
        {
            Vector512.Store(x0 * s.Alpha, c);
            Vector512.Store(x1 * s.Alpha, c + 16);
        }
    }

    private readonly struct ScaleBetaStore : ITileStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row(in TileStore s, float* c, int i, Vector512<float> x0, Vector512<float> x1)
        {
            Vector512.Store(Avx512F.FusedMultiplyAdd(s.Beta, Vector512.Load(c), x0 * s.Alpha), c);
            Vector512.Store(Avx512F.FusedMultiplyAdd(s.Beta, Vector512.Load(c + 16), x1 * s.Alpha), c + 16);
        }
    }

    private readonly struct EpilogueStore<TAct> : ITileStore where TAct : IEpilogueAct
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row(in TileStore s, float* c, int i, Vector512<float> x0, Vector512<float> x1)
        {
            var v0 = x0 * s.Alpha;
            var v1 = x1 * s.Alpha;
            if (s.HasBeta)
            {
                v0 = Avx512F.FusedMultiplyAdd(s.Beta, Vector512.Load(c), v0);
                v1 = Avx512F.FusedMultiplyAdd(s.Beta, Vector512.Load(c + 16), v1);
            }
            Vector512<float> b0 = default, b1 = default;
            if (s.RowBias != null) b0 = b1 = Vector512.Create(s.RowBias[i]);
            else if (s.ColBias != null) (b0, b1) = (Vector512.Load(s.ColBias), Vector512.Load(s.ColBias + 16));
            float* z = s.Residual == null ? null : s.Residual + i * s.Ldr;
            GemmEpilogue.Finish512<TAct>(v0, b0, z, s.ActA, s.ActB).Store(c);
            GemmEpilogue.Finish512<TAct>(v1, b1, z == null ? null : z + 16, s.ActA, s.ActB).Store(c + 16);
        }
    }
}
