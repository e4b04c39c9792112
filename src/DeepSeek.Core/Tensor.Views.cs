namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Same data with a new shape; one dimension may be -1 (inferred). Returns a view when the strides
    /// allow it, otherwise a contiguous copy (like torch.reshape).
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        CheckAlive("Reshape");
        if (Tracing.OpTrace.Current is { } tr) return TraceReshape(tr, this, () => Reshape(shape));
        var dims = InferShape("Reshape", shape);
        var strides = ViewStrides(dims);
        Tensor r;
        if (strides is not null) r = View(dims, strides, Offset);
        else
        {
            using (NoGrad())
            {
                using var c = Contiguous();
                r = c.View(dims, new Shape(dims).ContiguousStrides(), c.Offset);
            }
        }
        return Autograd.GradMode.ShouldRecord(this) ? r.WithGradFn(new Autograd.ReshapeBackward(this)) : r;
    }

    /// <summary>Like <see cref="Reshape"/> but never copies: throws when the layout cannot be viewed with the new shape.</summary>
    public Tensor ViewAs(params int[] shape)
    {
        CheckAlive("View");
        if (Tracing.OpTrace.Current is { } tr) return TraceReshape(tr, this, () => ViewAs(shape));
        var dims = InferShape("View", shape);
        var strides = ViewStrides(dims) ?? throw new ShapeMismatchException(
            $"View: tensor of shape {Shape} with strides [{string.Join(", ", _strides)}] cannot be viewed as {Shape.Format(dims)} without a copy; use Reshape.");
        return Traced(View(dims, strides, Offset), static x => new Autograd.ReshapeBackward(x));
    }

    private int[] InferShape(string op, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (infer >= 0) throw new ShapeMismatchException($"{op}: only one dimension may be -1, got {Shape.Format(shape)}.");
                infer = i;
            }
            else if (dims[i] < 0) throw new ShapeMismatchException($"{op}: invalid dimension {dims[i]} in {Shape.Format(shape)}.");
            else known *= dims[i];
        }
        long n = Numel;
        if (infer >= 0)
        {
            if (known == 0 || n % known != 0)
                throw new ShapeMismatchException($"{op}: cannot reshape tensor of shape {Shape} ({n} elements) into {Shape.Format(shape)}.");
            dims[infer] = (int)(n / known);
        }
        else if (known != n)
            throw new ShapeMismatchException($"{op}: cannot reshape tensor of shape {Shape} ({n} elements) into {Shape.Format(shape)} ({known} elements).");
        return dims;
    }

    // Strides for viewing the current layout with new dims, or null if a copy is needed. Old dims are
    // grouped into chunks that are contiguous among themselves; new dims must tile each chunk exactly.
    private long[]? ViewStrides(int[] newDims)
    {
        if (Numel == 0 || Rank == 0) return new Shape(newDims).ContiguousStrides();
        var result = new long[newDims.Length];
        int viewD = newDims.Length - 1;
        long chunkBase = _strides[Rank - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = Rank - 1; d >= 0; d--)
        {
            tensorNumel *= _shape[d];
            if (d == 0 || (_shape[d - 1] != 1 && _strides[d - 1] != tensorNumel * chunkBase))
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newDims[viewD] == 1))
                {
                    result[viewD] = viewNumel * chunkBase;
                    viewNumel *= newDims[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBase = _strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? result : null;
    }

    /// <summary>Attaches a backward node made by <paramref name="node"/> when this op must be recorded.</summary>
    private Tensor Traced(Tensor result, Func<Tensor, Autograd.GradNode> node) =>
        Autograd.GradMode.ShouldRecord(this) ? result.WithGradFn(node(this)) : result;

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        CheckAlive("Transpose");
        if (Rank == 0 && dim0 is 0 or -1 && dim1 is 0 or -1) return Traced(View(_shape, _strides, Offset), static x => new Autograd.IdentityBackward(x));
        int a = Shape.NormalizeAxis(dim0, Rank, "Transpose"), b = Shape.NormalizeAxis(dim1, Rank, "Transpose");
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Matrix transpose of a 2-d tensor (a view).</summary>
    public Tensor T
    {
        get
        {
            if (Rank != 2) throw new ShapeMismatchException($"T: expects a 2-d tensor, got shape {Shape}; use Transpose(dim0, dim1) or Permute.");
            return Transpose(0, 1);
        }
    }

    /// <summary>Reorders dimensions (a view): result dim i is input dim <paramref name="dims"/>[i].</summary>
    public Tensor Permute(params int[] dims)
    {
        CheckAlive("Permute");
        if (Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, "Transpose", [this], () => Permute(dims), new() { ["perm"] = dims.Select(d => (long)Shape.NormalizeAxis(d, Rank, "Permute")).ToArray() });
        if (dims.Length != Rank)
            throw new ShapeMismatchException($"Permute: got {dims.Length} dims [{string.Join(", ", dims)}] for a tensor of rank {Rank} (shape {Shape}).");
        var seen = new bool[Rank];
        var shape = new int[Rank];
        var strides = new long[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shape.NormalizeAxis(dims[i], Rank, "Permute");
            if (seen[d]) throw new ShapeMismatchException($"Permute: dimension {d} repeats in [{string.Join(", ", dims)}].");
            seen[d] = true;
            shape[i] = _shape[d];
            strides[i] = _strides[d];
        }
        var v = View(shape, strides, Offset);
        return Autograd.GradMode.ShouldRecord(this) ? v.WithGradFn(new Autograd.PermuteBackward(this, dims.Select(x => Shape.NormalizeAxis(x, Rank, "Permute")).ToArray())) : v;
    }

    /// <summary>
    /// Elements start, start+step, … before end along <paramref name="dim"/> (a view). Negative start/end
    /// count from the end; out-of-range bounds are clamped as in Python slicing. Step must be positive.
    /// </summary>
    public Tensor Slice(int dim, long start, long end, long step = 1)
    {
        CheckAlive("Slice");
        int d = Shape.NormalizeAxis(dim, Rank, "Slice");
        if (step <= 0) throw new ArgumentException($"Slice: step must be positive, got {step} (dim {dim}, shape {Shape}).");
        long n = _shape[d];
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n);
        end = Math.Clamp(end, start, n);
        if (Tracing.OpTrace.Current is { } tr) return TraceSlice(tr, this, d, start, end, step);
        var shape = (int[])_shape.Clone();
        var strides = (long[])_strides.Clone();
        shape[d] = (int)((end - start + step - 1) / step);
        strides[d] = _strides[d] * step;
        var v = View(shape, strides, Offset + start * _strides[d]);
        return Autograd.GradMode.ShouldRecord(this) ? v.WithGradFn(new Autograd.SliceBackward(this, d, start, end, step)) : v;
    }

    /// <summary><paramref name="length"/> elements from <paramref name="start"/> along <paramref name="dim"/> (a view; bounds must fit).</summary>
    public Tensor Narrow(int dim, long start, long length)
    {
        CheckAlive("Narrow");
        int d = Shape.NormalizeAxis(dim, Rank, "Narrow");
        if (start < 0) start += _shape[d];
        if (start < 0 || length < 0 || start + length > _shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: start {start} length {length} does not fit dim {dim} of size {_shape[d]} (shape {Shape}).");
        return Slice(d, start, start + length);
    }

    /// <summary>Index <paramref name="index"/> along <paramref name="dim"/>, removing that dimension (a view).</summary>
    public Tensor Select(int dim, long index)
    {
        CheckAlive("Select");
        int d = Shape.NormalizeAxis(dim, Rank, "Select");
        long n = _shape[d];
        long i = index < 0 ? index + n : index;
        if (i < 0 || i >= n)
            throw new IndexOutOfRangeException($"Select: index {index} is out of range for dim {dim} of size {n} (shape {Shape}).");
        if (Tracing.OpTrace.Current is { } tr) return TraceSelect(tr, this, d, i, () => Select(d, i));
        var shape = _shape.Where((_, k) => k != d).ToArray();
        var strides = _strides.Where((_, k) => k != d).ToArray();
        var v = View(shape, strides, Offset + i * _strides[d]);
        return Autograd.GradMode.ShouldRecord(this) ? v.WithGradFn(new Autograd.SelectBackward(this, d, i)) : v;
    }

    /// <summary>
    /// Broadcasts size-1 dimensions to <paramref name="shape"/> without copying (stride 0); -1 keeps a size;
    /// new leading dimensions may be added.
    /// </summary>
    public Tensor Expand(params int[] shape)
    {
        CheckAlive("Expand");
        if (Tracing.OpTrace.Current is { } tr) return TraceWithShape(tr, "Expand", this, () => Expand(shape));
        if (shape.Length < Rank)
            throw new ShapeMismatchException($"Expand: target {Shape.Format(shape)} has fewer dims than the tensor's shape {Shape}.");
        int lead = shape.Length - Rank;
        var outShape = new int[shape.Length];
        var strides = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int target = shape[i];
            if (i < lead)
            {
                if (target < 0) throw new ShapeMismatchException($"Expand: -1 is not allowed for new leading dim {i} in {Shape.Format(shape)}.");
                outShape[i] = target;
                strides[i] = 0;
                continue;
            }
            int src = _shape[i - lead];
            if (target < -1) throw new ShapeMismatchException($"Expand: invalid target size {target} at dim {i} in {Shape.Format(shape)}.");
            if (target == -1 || target == src) { outShape[i] = src; strides[i] = _strides[i - lead]; }
            else if (src == 1) { outShape[i] = target; strides[i] = 0; }
            else throw new ShapeMismatchException($"Expand: cannot expand shape {Shape} to {Shape.Format(shape)} (dim {i}: {src} → {target}; only size-1 dims expand).");
        }
        return Traced(View(outShape, strides, Offset), static x => new Autograd.ExpandBackward(x));
    }

    /// <summary>Broadcast view with the given shape.</summary>
    public Tensor BroadcastTo(Shape shape) => Expand(shape.ToArray());

    /// <summary>Removes every size-1 dimension (a view).</summary>
    public Tensor Squeeze()
    {
        CheckAlive("Squeeze");
        if (Tracing.OpTrace.Current is { } tr) return TraceReshape(tr, this, () => Squeeze());
        var keep = Enumerable.Range(0, Rank).Where(i => _shape[i] != 1).ToArray();
        return Traced(View(keep.Select(i => _shape[i]).ToArray(), keep.Select(i => _strides[i]).ToArray(), Offset), static x => new Autograd.ReshapeBackward(x));
    }

    /// <summary>Removes dimension <paramref name="dim"/> if its size is 1, otherwise returns an identical view.</summary>
    public Tensor Squeeze(int dim)
    {
        CheckAlive("Squeeze");
        if (Tracing.OpTrace.Current is { } tr) return TraceReshape(tr, this, () => Squeeze(dim));
        int d = Shape.NormalizeAxis(dim, Rank, "Squeeze");
        if (_shape[d] != 1) return Traced(View(_shape, _strides, Offset), static x => new Autograd.IdentityBackward(x));
        return Traced(View(_shape.Where((_, k) => k != d).ToArray(), _strides.Where((_, k) => k != d).ToArray(), Offset), static x => new Autograd.ReshapeBackward(x));
    }

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/> (in [-rank-1, rank]).</summary>
    public Tensor Unsqueeze(int dim)
    {
        CheckAlive("Unsqueeze");
        if (Tracing.OpTrace.Current is { } tr) return TraceReshape(tr, this, () => Unsqueeze(dim));
        int d = Shape.NormalizeAxis(dim, Rank + 1, "Unsqueeze");
        var shape = new List<int>(_shape);
        var strides = new List<long>(_strides);
        long s = d < Rank ? _strides[d] * _shape[d] : 1;
        shape.Insert(d, 1);
        strides.Insert(d, s);
        return Traced(View(shape.ToArray(), strides.ToArray(), Offset), static x => new Autograd.ReshapeBackward(x));
    }

    /// <summary>Merges dimensions <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        CheckAlive("Flatten");
        if (Rank >= 2 && Shape.NormalizeAxis(endDim, Rank, "Flatten") == Rank - 1 && Shape.NormalizeAxis(startDim, Rank, "Flatten") == 1
            && Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, "Flatten", [this], () => Flatten(startDim, endDim), new() { ["axis"] = 1L });
        if (Rank == 0) return Reshape(1);
        int a = Shape.NormalizeAxis(startDim, Rank, "Flatten"), b = Shape.NormalizeAxis(endDim, Rank, "Flatten");
        if (a > b) throw new AxisOutOfRangeException($"Flatten: startDim {startDim} comes after endDim {endDim} (shape {Shape}).");
        var dims = new List<int>();
        for (int i = 0; i < a; i++) dims.Add(_shape[i]);
        int merged = 1;
        for (int i = a; i <= b; i++) merged *= _shape[i];
        dims.Add(merged);
        for (int i = b + 1; i < Rank; i++) dims.Add(_shape[i]);
        return Reshape(dims.ToArray());
    }

    /// <summary>A contiguous tensor with the same values: a new view of the same storage when already contiguous, else a copy.</summary>
    public Tensor Contiguous()
    {
        CheckAlive("Contiguous");
        if (Tracing.OpTrace.Current is { } tr) return TraceOne(tr, "Identity", [this], Contiguous);
        if (IsContiguous) return Traced(View(_shape, Shape.ContiguousStrides(), Offset), static x => new Autograd.IdentityBackward(x));
        return Clone();
    }

    /// <summary>A contiguous copy with its own storage.</summary>
    public Tensor Clone()
    {
        CheckAlive("Clone");
        if (Tracing.OpTrace.Current is { } tr) return TraceOne(tr, "Identity", [this], Clone);
        var t = Empty(Shape, DType, Device);
        Backend.Copy(this, t);
        return Traced(t, static x => new Autograd.IdentityBackward(x));
    }

    /// <summary>Copies <paramref name="src"/> (broadcast to this shape, same dtype and device) into this tensor in place.</summary>
    public Tensor CopyFrom(Tensor src)
    {
        CheckAlive("CopyFrom");
        src.CheckAlive("CopyFrom");
        if (src.DType != DType)
            throw new DTypeMismatchException($"CopyFrom: source dtype {src.DType.Name()} differs from destination dtype {DType.Name()}; cast first.");
        if (src.Device != Device)
            throw new DeviceMismatchException($"CopyFrom: source is on {src.Device}, destination on {Device}; use To(device).");
        BeforeInPlaceWrite("CopyFrom");
        using var b = src.Shape == Shape ? src.View(src._shape, src._strides, src.Offset) : src.BroadcastTo(Shape);
        Backend.Copy(b, this);
        return this;
    }

    /// <summary>
    /// PyTorch-style indexing: integers select (dropping the dim), ranges slice (views), <see cref="TensorIndex.Ellipsis"/>
    /// skips dims and <see cref="TensorIndex.NewAxis"/> inserts a size-1 dim. Example: <c>x[0, 1.., TensorIndex.Ellipsis]</c>.
    /// </summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[params TensorIndex[] indices]
    {
        get
        {
            CheckAlive("Index");
            int consumed = indices.Count(i => i.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Range);
            int ellipses = indices.Count(i => i.Kind == TensorIndex.IndexKind.Ellipsis);
            if (ellipses > 1) throw new ArgumentException("Index: at most one Ellipsis is allowed.");
            if (consumed > Rank)
                throw new IndexOutOfRangeException($"Index: {consumed} indices for a tensor of rank {Rank} (shape {Shape}).");
            Tensor cur = Traced(View(_shape, _strides, Offset), static x => new Autograd.IdentityBackward(x));
            int dim = 0;
            foreach (var ix in indices)
            {
                Tensor next;
                switch (ix.Kind)
                {
                    case TensorIndex.IndexKind.Single:
                        next = cur.Select(dim, ix.Start);
                        break;
                    case TensorIndex.IndexKind.Range:
                        {
                            long n = cur._shape[dim];
                            var (off, len) = ix.Range.GetOffsetAndLength((int)n);
                            next = cur.Slice(dim, off, off + len);
                            dim++;
                            break;
                        }
                    case TensorIndex.IndexKind.NewAxis:
                        next = cur.Unsqueeze(dim);
                        dim++;
                        break;
                    default:
                        dim += Rank - consumed;
                        continue;
                }
                cur.Dispose();
                cur = next;
            }
            return cur;
        }
    }
}

/// <summary>One entry of a tensor index: an integer, a range, Ellipsis or NewAxis.</summary>
public readonly struct TensorIndex
{
    internal enum IndexKind { Single, Range, Ellipsis, NewAxis }

    internal IndexKind Kind { get; }
    internal long Start { get; }
    internal Range Range { get; }

    private TensorIndex(IndexKind kind, long start, Range range) { Kind = kind; Start = start; Range = range; }

    /// <summary>Selects one index (negative counts from the end).</summary>
    public static implicit operator TensorIndex(long i) => new(IndexKind.Single, i, default);
    /// <summary>Selects one index (negative counts from the end).</summary>
    public static implicit operator TensorIndex(int i) => new(IndexKind.Single, i, default);
    /// <summary>Selects one index; <c>^n</c> counts from the end.</summary>
    public static implicit operator TensorIndex(Index i) => new(IndexKind.Single, i.IsFromEnd ? -i.Value : i.Value, default);
    /// <summary>Slices a range (^n counts from the end).</summary>
    public static implicit operator TensorIndex(Range r) => new(IndexKind.Range, 0, r);

    /// <summary>Stands for as many full dims as needed ("...").</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis, 0, default);

    /// <summary>Inserts a dimension of size 1 (None in NumPy).</summary>
    public static TensorIndex NewAxis => new(IndexKind.NewAxis, 0, default);

    /// <summary>Same as the implicit conversion from long.</summary>
    public static TensorIndex FromInt64(long i) => i;
    /// <summary>Same as the implicit conversion from Range.</summary>
    public static TensorIndex FromRange(Range r) => r;
}
