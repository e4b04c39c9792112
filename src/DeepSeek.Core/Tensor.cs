using DeepSeek.Backends;
using DeepSeek.Memory;

namespace DeepSeek;

/// <summary>
/// An n-dimensional array on a device: a view (shape, element strides, element offset) over shared,
/// reference-counted <see cref="Memory.Storage"/>. Dispose it, or create it inside
/// <see cref="NewScope"/>, to give its memory back to the pool at once.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? _storage;
    private readonly int[] _shape;
    private readonly long[] _strides;

    /// <summary>Wraps storage (whose reference the caller hands over) as a tensor; registers with the current scope.</summary>
    internal Tensor(Storage storage, int[] shape, long[] strides, long offset, DType dtype)
    {
        _storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
        DType = dtype;
        TensorScope.Current?.Register(this);
        Tracing.OpTrace.Created(this);
        if (LeakTracker.Enabled) _leakId = LeakTracker.Track(this);
    }

    private long _leakId;

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Dimension sizes.</summary>
    public Shape Shape => Shape.Wrap(_shape);

    /// <summary>Element strides, one per dimension (0 for broadcast dimensions).</summary>
    public ReadOnlySpan<long> Strides => _strides;

    /// <summary>Offset of element [0, …, 0] from the start of the storage, in elements.</summary>
    public long Offset { get; }

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>Number of elements.</summary>
    public long Numel
    {
        get
        {
            long n = 1;
            foreach (var d in _shape) n *= d;
            return n;
        }
    }

    /// <summary>Size of one dimension; negative counts from the end.</summary>
    public int Size(int dim) => _shape[Shape.NormalizeAxis(dim, Rank, "Size")];

    /// <summary>The device holding the data.</summary>
    public Device Device => Storage.Device;

    /// <summary>The backend running this tensor's ops.</summary>
    public IBackend Backend => BackendRegistry.Get(Device);

    /// <summary>The underlying memory (shared with views).</summary>
    public Storage Storage => _storage ?? throw Disposed("Storage");

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => _storage is null;

    /// <summary>The scope that will dispose this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    /// <summary>True when elements are laid out densely in row-major order (size-1 dims may have any stride).</summary>
    public bool IsContiguous
    {
        get
        {
            foreach (var d in _shape) if (d == 0) return true; // no elements: any layout is dense
            long expected = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (_shape[i] == 1) continue;
                if (_strides[i] != expected) return false;
                expected *= _shape[i];
            }
            return true;
        }
    }

    /// <summary>Releases this tensor's reference to its storage. Views of it keep the storage alive.</summary>
    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        if (s is null) return;
        s.Release();
        Grad?.Dispose();
        GradFn?.DropRef();
        if (_leakId != 0) LeakTracker.Untrack(_leakId);
    }

    /// <summary>Hands this tensor to the enclosing scope (or to nobody at top level) so the current scope does not free it.</summary>
    public Tensor MoveToOuterScope()
    {
        var parent = Scope?.Parent;
        Scope = null;
        parent?.Register(this);
        return this;
    }

    /// <summary>Removes this tensor from every scope: the caller now owns it and must dispose it.</summary>
    public Tensor DetachFromScope()
    {
        Scope = null;
        return this;
    }

    /// <summary>Opens a scope: tensors created until it is disposed are freed with it.</summary>
    public static TensorScope NewScope() => new();

    /// <summary>Throws <see cref="TensorDisposedException"/> naming <paramref name="op"/> if this tensor was disposed.</summary>
    internal void CheckAlive(string op)
    {
        if (_storage is null) throw Disposed(op);
    }

    private TensorDisposedException Disposed(string op) =>
        new($"{op}: tensor of shape {Shape.Format(_shape)} and dtype {DType.Name()} was used after Dispose() (or after its scope ended).");

    /// <summary>Raw shape array (no copy). Do not mutate.</summary>
    internal int[] ShapeArray => _shape;

    /// <summary>Raw strides array (no copy). Do not mutate.</summary>
    internal long[] StridesArray => _strides;

    /// <summary>A new tensor over the same storage (takes a reference).</summary>
    internal Tensor View(int[] shape, long[] strides, long offset)
    {
        var s = Storage;
        s.AddRef();
        return new Tensor(s, shape, strides, offset, DType);
    }

    /// <summary>"Tensor(shape=[2, 3], dtype=f32, device=cpu)" followed by the values when there are few.</summary>
    public override string ToString()
    {
        if (IsDisposed) return $"Tensor(shape={Shape}, dtype={DType.Name()}, disposed)";
        var head = $"Tensor(shape={Shape}, dtype={DType.Name()}, device={Device})";
        if (Numel > 32) return head;
        var vals = ToDoubleArrayUntraced();
        return head + " [" + string.Join(", ", vals.Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }
}
