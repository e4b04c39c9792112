using System.Runtime.InteropServices;
using DeepSeek.Backends;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>Uninitialized contiguous tensor from the device's pool.</summary>
    public static Tensor Empty(Shape shape, DType dtype = DType.F32, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        var backend = BackendRegistry.Get(dev);
        var dims = shape.ToArray();
        long bytes = shape.Numel * dtype.SizeOf();
        var storage = backend.Pool.Allocate(bytes);
        return new Tensor(storage, dims, shape.ContiguousStrides(), 0, dtype);
    }

    /// <summary>Uninitialized tensor shaped like <paramref name="like"/> (same device; dtype defaults to its).</summary>
    public static Tensor EmptyLike(Tensor like, DType? dtype = null) => Empty(like.Shape, dtype ?? like.DType, like.Device);

    /// <summary>Tensor of <paramref name="value"/> converted to <paramref name="dtype"/>.</summary>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.F32, Device? device = null)
    {
        var t = Empty(shape, dtype, device);
        t.Backend.Fill(t, value);
        return TraceCreated(t);
    }

    /// <summary>All zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.F32, Device? device = null) => Full(shape, 0, dtype, device);

    /// <summary>All zeros, F32 on the CPU.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(new Shape(shape));

    /// <summary>All ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.F32, Device? device = null) => Full(shape, 1, dtype, device);

    /// <summary>All ones, F32 on the CPU.</summary>
    public static Tensor Ones(params int[] shape) => Ones(new Shape(shape));

    /// <summary>Zeros shaped like <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like, DType? dtype = null) => Full(like.Shape, 0, dtype ?? like.DType, like.Device);

    /// <summary>Ones shaped like <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like, DType? dtype = null) => Full(like.Shape, 1, dtype ?? like.DType, like.Device);

    /// <summary>0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.F32, Device? device = null) => Full(Shape.Scalar, value, dtype, device);

    /// <summary>
    /// Values start, start+step, … stopping before <paramref name="end"/> (like torch.arange).
    /// Computed as start + i·step in double, then converted.
    /// </summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.F32, Device? device = null)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException($"Arange: step must be non-zero, got {step}.", nameof(step));
        long n = (long)Math.Ceiling((end - start) / step);
        if (n < 0) n = 0;
        if (n > int.MaxValue) throw new ArgumentException($"Arange: {n} elements exceed the limit for one dimension.");
        var vals = new double[n];
        for (long i = 0; i < n; i++) vals[i] = start + i * step;
        return TraceCreated(FromDoubles(vals, new Shape((int)n), dtype, device));
    }

    /// <summary>Values 0, 1, …, end−1.</summary>
    public static Tensor Arange(int end, DType dtype = DType.I64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Identity matrix n×n.</summary>
    public static Tensor Eye(int n, DType dtype = DType.F32, Device? device = null)
    {
        var vals = new double[(long)n * n];
        for (int i = 0; i < n; i++) vals[(long)i * n + i] = 1;
        return TraceCreated(FromDoubles(vals, new Shape(n, n), dtype, device));
    }

    /// <summary>Uniform samples in [low, high) from <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor Rand(Shape shape, Generator? generator = null, double low = 0, double high = 1, DType dtype = DType.F32, Device? device = null)
    {
        CheckFloatingCreate("Rand", dtype);
        var t = Empty(shape, dtype, device);
        t.Backend.FillUniform(t, generator ?? Generator.Default, low, high);
        return t;
    }

    /// <summary>Uniform [0, 1) F32 samples on the CPU from the default generator.</summary>
    public static Tensor Rand(params int[] shape) => Rand(new Shape(shape));

    /// <summary>Normal samples N(mean, std²) from <paramref name="generator"/> (default: <see cref="Generator.Default"/>).</summary>
    public static Tensor RandN(Shape shape, Generator? generator = null, double mean = 0, double std = 1, DType dtype = DType.F32, Device? device = null)
    {
        CheckFloatingCreate("RandN", dtype);
        var t = Empty(shape, dtype, device);
        t.Backend.FillNormal(t, generator ?? Generator.Default, mean, std);
        return t;
    }

    /// <summary>Standard normal F32 samples on the CPU from the default generator.</summary>
    public static Tensor RandN(params int[] shape) => RandN(new Shape(shape));

    /// <summary>Uniform random integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, Shape shape, Generator? generator = null, DType dtype = DType.I64, Device? device = null)
    {
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must be greater than low ({low}).");
        var g = generator ?? Generator.Default;
        var vals = new double[shape.Numel];
        ulong range = (ulong)(high - low);
        for (long i = 0; i < vals.Length; i++) vals[i] = low + (long)(g.NextUInt64() % range);
        return FromDoubles(vals, shape, dtype, device);
    }

    private static void CheckFloatingCreate(string op, DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new DTypeMismatchException($"{op}: dtype {dtype.Name()} is not a floating type (expected f32, f64, f16 or bf16).");
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor of <paramref name="shape"/> (dtype from T).</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, Shape shape, Device? device = null) where T : unmanaged
    {
        var dtype = DTypeInfo.Of<T>();
        if (data.Length != shape.Numel)
            throw new ShapeMismatchException($"FromArray: {data.Length} values cannot fill shape {shape} ({shape.Numel} elements).");
        var t = Empty(shape, dtype, device);
        t.Backend.CopyFromHost(MemoryMarshal.AsBytes(data), t);
        return t;
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor; the shape defaults to 1-d.</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));
    }

    /// <summary>Copies a 2-d array (row-major) into a new tensor.</summary>
    public static Tensor FromArray<T>(T[,] data) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var flat = new T[data.Length];
        int k = 0;
        foreach (var v in data) flat[k++] = v;
        return FromSpan<T>(flat, new Shape(data.GetLength(0), data.GetLength(1)));
    }

    /// <summary>Converts doubles to <paramref name="dtype"/> on the host and uploads them.</summary>
    public static Tensor FromDoubles(ReadOnlySpan<double> values, Shape shape, DType dtype = DType.F32, Device? device = null)
    {
        if (values.Length != shape.Numel)
            throw new ShapeMismatchException($"FromDoubles: {values.Length} values cannot fill shape {shape} ({shape.Numel} elements).");
        var bytes = new byte[values.Length * dtype.SizeOf()];
        HostConvert.FromDoubles(values, bytes, dtype);
        var t = Empty(shape, dtype, device);
        t.Backend.CopyFromHost(bytes, t);
        return t;
    }
}
