// 3×3 stride-1 convolution by Winograd F(4×4, 3×3) (Lavin & Gray, CVPR 2016; matrices in WinogradTransforms): the
// output is cut into 4×4 tiles, blocks of tiles are transformed into 36 component matrices V_ξ [Cin × tiles] (packed as
// the GEMM's B panels), multiplied by the pre-transformed weights U_ξ [Cout × Cin] (PackedWeights' A panels) with the
// existing micro-kernel, and the 36 products M_ξ are transformed back into NCHW with the bias/residual/activation epilogue.
using DeepSeek.Backends.Cpu.Gemm;
using DeepSeek.Backends.Cpu.Threading;

namespace DeepSeek.Backends.Cpu.Conv;

internal static unsafe partial class WinogradConv
{
    /// <summary>Transform components per tile (6×6).</summary>
    public const int Components = 36;

    /// <summary>Floats of one block's transformed input and products (V and M), aimed at 3/4 of a 1 MiB L2.</summary>
    private const long BlockFloats = 192 * 1024;

    /// <summary>Floats of the products M held at once (a chunk of output channels for all 36 components): 128 KiB.</summary>
    private const long ChunkFloats = 32 * 1024;

    /// <summary>True for the convolutions F(4×4, 3×3) computes: 3×3 kernel, stride 1, dilation 1, one group (any padding).</summary>
    public static bool Supports(int kh, int kw, in Conv2dParams p) =>
        kh == 3 && kw == 3 && p.StrideH == 1 && p.StrideW == 1 && p.DilationH == 1 && p.DilationW == 1 && p.Groups == 1;

    /// <summary>
    /// dst = act(conv3×3(x, w) + bias + residual) for F32 x [N, Cin, H, W] (any strides), contiguous dst [N, Cout, OH, OW],
    /// contiguous bias [Cout] and residual (dst's shape) or null; <paramref name="u"/> holds the 36 transformed weights
    /// U_ξ as A panels for <paramref name="cfg"/>, component ξ at u + ξ·<paramref name="componentFloats"/>.
    /// Shapes were checked by the caller; a <paramref name="p"/> that <see cref="Supports"/> rejects throws, naming
    /// <paramref name="op"/>, x's shape and the <paramref name="weight"/> shape.
    /// </summary>
    public static void Run(Tensor x, float* u, long componentFloats, in SgemmConfig cfg, Tensor? bias, Conv2dParams p,
        Tensor dst, Tensor? residual, in Epilogue e, string op, Shape weight)
    {
        if (!Supports(weight[2], weight[3], p))
            throw new ArgumentException($"{op}: weight {weight} was packed for Winograd F(4x4, 3x3), which computes only 3x3 convolutions " +
                $"with stride 1, dilation 1 and groups=1; got x {x.Shape} with {p}. Pack it with PackedWeights.ForConv(weight, groups) for this convolution.", nameof(p));
        if (dst.Numel == 0) return;
        int n = dst.ShapeArray[0], cout = dst.ShapeArray[1], oh = dst.ShapeArray[2], ow = dst.ShapeArray[3];
        int cin = x.ShapeArray[1];
        int tilesW = (ow + 3) / 4, tilesPerImage = (oh + 3) / 4 * tilesW;
        int nr = cfg.NR;
        long perTile = (long)Components * (cin + cout);
        int blockTiles = (int)Math.Clamp(BlockFloats / perTile / nr, 1, 8) * nr;
        var job = new WinogradJob
        {
            X = CpuBackend.Ptr<float>(x), Y = CpuBackend.Ptr<float>(dst), U = u,
            Bias = bias is null ? null : CpuBackend.Ptr<float>(bias),
            Residual = residual is null ? null : CpuBackend.Ptr<float>(residual),
            SN = x.StridesArray[0], SC = x.StridesArray[1], SH = x.StridesArray[2], SW = x.StridesArray[3],
            Cin = cin, H = x.ShapeArray[2], W = x.ShapeArray[3], Cout = cout, OH = oh, OW = ow,
            PadTop = p.PadTop, PadLeft = p.PadLeft, TilesW = tilesW, TilesPerImage = tilesPerImage,
            Total = n * tilesPerImage, BlockTiles = blockTiles, ComponentFloats = componentFloats, Cfg = cfg,
            Act = e.Activation, Alpha = e.Alpha, Beta = e.Beta,
        };
        int mr = cfg.MR;
        job.MRows = Math.Min((cout + mr - 1) / mr * mr, Math.Max(1, (int)(ChunkFloats / ((long)Components * blockTiles * mr))) * mr);
        int blocks = (job.Total + blockTiles - 1) / blockTiles;
        int threads = Math.Max(1, DeepSeekOptions.Threads);
        long vFloats = Components * job.VStride, mFloats = Components * job.MStride;
        if (threads == 1 || blocks >= 3 * threads || blocks % threads == 0)
        {
            // whole blocks per thread: each transforms, multiplies and writes back its own tiles in its own L2
            int next = 0;
            var body = new BlockBody { Job = job, Next = &next, Blocks = blocks, VFloats = vFloats, MFloats = mFloats };
            WorkerPool.Shared.Run(Math.Min(threads, blocks), ref body);
            return;
        }
        // few blocks (a small plane at batch 1): threads share each block, split by input channels for the input transform,
        // then by output channels for all 36 products and the output transform (each thread's rows of M stay in its L2)
        int mPanels = (cout + cfg.MR - 1) / cfg.MR;
        int rowParts = Math.Min(threads, mPanels);
        var bufs = PackBuffers.Rent(vFloats, rowParts * mFloats); // each thread its own products
        try
        {
            for (int blk = 0; blk < blocks; blk++)
            {
                int t0 = blk * blockTiles, count = Math.Min(blockTiles, job.Total - t0);
                var input = new InputBody { Job = job, T0 = t0, Count = count, V = bufs.A, Parts = Math.Min(threads, cin) };
                WorkerPool.Shared.Run(input.Parts, ref input);
                var rows = new RowsBody { Job = job, T0 = t0, Count = count, V = bufs.A, M = bufs.B, MFloats = mFloats, Parts = rowParts, Panels = mPanels };
                WorkerPool.Shared.Run(rows.Parts, ref rows);
            }
        }
        finally
        {
            PackBuffers.Return(bufs);
        }
    }

    private struct BlockBody : IChunkBody
    {
        public WinogradJob Job;
        public int* Next;
        public int Blocks;
        public long VFloats, MFloats;

        public void Run(int chunk)
        {
            var bufs = PackBuffers.Rent(VFloats, MFloats);
            float* tile = stackalloc float[Job.Cfg.MR * Job.Cfg.NR];
            try
            {
                int blk;
                while ((blk = Interlocked.Increment(ref *Next) - 1) < Blocks)
                {
                    int t0 = blk * Job.BlockTiles, count = Math.Min(Job.BlockTiles, Job.Total - t0);
                    Job.Input(t0, count, 0, Job.Cin, bufs.A);
                    Job.Products(t0, count, 0, Job.Cout, bufs.A, bufs.B, tile);
                }
            }
            finally
            {
                PackBuffers.Return(bufs);
            }
        }
    }

    private struct InputBody : IChunkBody
    {
        public WinogradJob Job;
        public int T0, Count, Parts;
        public float* V;

        public void Run(int chunk) =>
            Job.Input(T0, Count, (int)((long)Job.Cin * chunk / Parts), (int)((long)Job.Cin * (chunk + 1) / Parts), V);
    }

    private struct RowsBody : IChunkBody
    {
        public WinogradJob Job;
        public int T0, Count, Parts, Panels;
        public float* V, M;
        public long MFloats;

        public void Run(int chunk)
        {
            int mr = Job.Cfg.MR;
            int r0 = (int)((long)Panels * chunk / Parts) * mr, r1 = Math.Min(Job.Cout, (int)((long)Panels * (chunk + 1) / Parts) * mr);
            float* tile = stackalloc float[mr * Job.Cfg.NR];
            Job.Products(T0, Count, r0, r1, V, M + chunk * MFloats, tile);
        }
    }
}
