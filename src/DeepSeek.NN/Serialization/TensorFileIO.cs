// Moves tensor bytes between files and device memory in bounded chunks, through the backend's host-copy seam,
// so a multi-gigabyte tensor never needs one host buffer of its size (and no code here assumes host memory).
using Microsoft.Win32.SafeHandles;

namespace DeepSeek.NN.Serialization;

internal static class TensorFileIO
{
    /// <summary>Bytes moved per host round trip.</summary>
    internal const int ChunkBytes = 8 << 20;

    /// <summary>Fills the fresh contiguous tensor <paramref name="dst"/> from <paramref name="fileOffset"/> of the file.</summary>
    public static void Read(SafeFileHandle handle, long fileOffset, Tensor dst, string file)
    {
        CheckEndianness();
        long numel = dst.Numel;
        if (numel == 0) return;
        int size = dst.DType.SizeOf();
        using var flat = dst.Reshape(-1);
        long chunkElems = ChunkBytes / size;
        var buffer = new byte[(int)Math.Min(numel, chunkElems) * size];
        for (long start = 0; start < numel; start += chunkElems)
        {
            long len = Math.Min(chunkElems, numel - start);
            var span = buffer.AsSpan(0, (int)(len * size));
            SafeTensorsHeader.ReadExactly(handle, span, fileOffset + start * size, file);
            using var part = flat.Narrow(0, start, len);
            part.Backend.CopyFromHost(span, part);
        }
    }

    /// <summary>Writes the elements of <paramref name="src"/> (any layout) in row-major order, little-endian.</summary>
    public static void Write(Tensor src, Stream stream)
    {
        CheckEndianness();
        long numel = src.Numel;
        if (numel == 0) return;
        int size = src.DType.SizeOf();
        using var c = src.Contiguous();
        using var flat = c.Reshape(-1);
        long chunkElems = ChunkBytes / size;
        var buffer = new byte[(int)Math.Min(numel, chunkElems) * size];
        for (long start = 0; start < numel; start += chunkElems)
        {
            long len = Math.Min(chunkElems, numel - start);
            var span = buffer.AsSpan(0, (int)(len * size));
            using var part = flat.Narrow(0, start, len);
            part.Backend.CopyToHost(part, span);
            stream.Write(span);
        }
    }

    private static void CheckEndianness()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors: big-endian hosts are not supported (the format stores little-endian data).");
    }
}
