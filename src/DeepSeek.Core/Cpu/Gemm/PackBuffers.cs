// Native, 64-byte aligned packing buffers for the blocked GEMM, reused across calls through a small
// lock-protected free list (one buffer pair per concurrently running GEMM thread), so steady-state GEMMs
// allocate nothing on the managed heap and touch warm pages.
using System.Runtime.InteropServices;

namespace DeepSeek.Backends.Cpu.Gemm;

/// <summary>A pair of packing buffers (A block and B block); rent with <see cref="Rent"/>, give back with <see cref="Return"/>.</summary>
internal sealed unsafe class PackBuffers
{
    private static readonly Lock Gate = new();
    private static readonly Stack<PackBuffers> Free = new();
    private const int MaxPooled = 16;

    private long _aCap, _bCap;

    /// <summary>Packed A block (MC×KC, rounded up to MR rows).</summary>
    public float* A { get; private set; }

    /// <summary>Packed B block (KC×NC, rounded up to NR columns).</summary>
    public float* B { get; private set; }

    /// <summary>A buffer pair with at least the given capacities (floats).</summary>
    public static PackBuffers Rent(long aFloats, long bFloats)
    {
        PackBuffers? p = null;
        lock (Gate) { if (Free.Count > 0) p = Free.Pop(); }
        p ??= new PackBuffers();
        p.Ensure(aFloats, bFloats);
        return p;
    }

    /// <summary>Puts a buffer pair back on the free list (or frees it when the list is full).</summary>
    public static void Return(PackBuffers p)
    {
        lock (Gate)
        {
            if (Free.Count < MaxPooled) { Free.Push(p); return; }
        }
        p.Release();
    }

    private void Ensure(long aFloats, long bFloats)
    {
        if (aFloats > _aCap)
        {
            if (A != null) NativeMemory.AlignedFree(A);
            A = (float*)NativeMemory.AlignedAlloc((nuint)(aFloats * sizeof(float)), 64);
            _aCap = aFloats;
        }
        if (bFloats > _bCap)
        {
            if (B != null) NativeMemory.AlignedFree(B);
            B = (float*)NativeMemory.AlignedAlloc((nuint)(bFloats * sizeof(float)), 64);
            _bCap = bFloats;
        }
    }

    private void Release()
    {
        if (A != null) NativeMemory.AlignedFree(A);
        if (B != null) NativeMemory.AlignedFree(B);
        A = B = null;
        _aCap = _bCap = 0;
    }
}
