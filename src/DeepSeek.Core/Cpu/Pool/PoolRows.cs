// What the row-SIMD pooling kernels share. How they cut their work: items are (plane, band of output rows); with few planes (batch 1, a few
// channels) the rows are banded too, so every thread gets work; chunks are contiguous item ranges, one per thread.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepSeek.Backends.Cpu.Pool;

/// <summary>Work split of a pooling kernel over (plane, output-row band) items.</summary>
internal readonly struct PlaneRowSplit
{
    /// <summary>Row bands per plane.</summary>
    public readonly int Parts;

    /// <summary>Output rows per band.</summary>
    public readonly int RowsPerPart;

    /// <summary>Items = planes · parts.</summary>
    public readonly int Items;

    /// <summary>Chunks of items handed to threads (≥ 1).</summary>
    public readonly int Chunks;

    /// <summary>Splits <paramref name="planes"/> planes of <paramref name="oh"/> output rows, each row costing <paramref name="workPerRow"/>.</summary>
    public PlaneRowSplit(long planes, int oh, long workPerRow)
    {
        int threads = DeepSeekOptions.Threads;
        Parts = threads > 1 && planes < 4L * threads ? (int)Math.Min(oh, (4L * threads + planes - 1) / planes) : 1;
        RowsPerPart = (oh + Parts - 1) / Parts;
        Items = checked((int)(planes * Parts));
        // one chunk per thread: more would only be claimed by the same threads
        Chunks = Math.Max(1, Math.Min(Items, CpuParallel.Chunks(Items, (long)RowsPerPart * workPerRow)));
    }

    /// <summary>Item range [start, end) of <paramref name="chunk"/>.</summary>
    public (long Start, long End) Range(int chunk) => ((long)Items * chunk / Chunks, (long)Items * (chunk + 1) / Chunks);

    /// <summary>Plane and output rows [oy0, oy1) of item <paramref name="u"/> for planes of <paramref name="oh"/> rows.</summary>
    public (long Plane, int Oy0, int Oy1) Item(long u, int oh)
    {
        int oy0 = (int)(u % Parts) * RowsPerPart;
        return (u / Parts, oy0, Math.Min(oh, oy0 + RowsPerPart));
    }
}

/// <summary>What the row-SIMD pooling kernels (MaxPoolRows, AvgPoolRows) share: the input/output geometry and work split.</summary>
internal unsafe struct PoolRowsGeometry
{
    public nint X, Dst;
    public long SN, SC, SH;
    public int C, H, W, OH, OW, Wt;
    public PlaneRowSplit Split;
    public Pool2dParams P;

    /// <summary>Geometry of pooling <paramref name="x"/> into contiguous <paramref name="dst"/>; <paramref name="wt"/> is the scratch row's width.</summary>
    public PoolRowsGeometry(Tensor x, in Pool2dParams p, Tensor dst, int wt)
    {
        X = (nint)CpuBackend.Ptr<float>(x);
        Dst = (nint)CpuBackend.Ptr<float>(dst);
        SN = x.StridesArray[0]; SC = x.StridesArray[1]; SH = x.StridesArray[2];
        C = x.ShapeArray[1]; H = x.ShapeArray[2]; W = x.ShapeArray[3];
        OH = dst.ShapeArray[2]; OW = dst.ShapeArray[3];
        Wt = wt;
        P = p;
        Split = new PlaneRowSplit((long)x.ShapeArray[0] * C, OH, (long)OW * p.KernelW + (long)W * p.KernelH);
    }

    /// <summary>Input plane and output plane of item plane index <paramref name="plane"/> (n·C + c).</summary>
    public readonly (nint Src, nint Out) Planes(long plane) =>
        ((nint)((float*)X + plane / C * SN + plane % C * SC), (nint)((float*)Dst + plane * OH * OW));

    /// <summary>Elements 0, 2, …, 14 of the 16 floats at <paramref name="p"/> (stride-2 windows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Even(float* p)
    {
        var s = Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0b10_00_10_00); // [a0 a2 b0 b2 | a4 a6 b4 b6]
        return Avx2.Permute4x64(s.AsDouble(), 0b11_01_10_00).AsSingle();
    }
}
