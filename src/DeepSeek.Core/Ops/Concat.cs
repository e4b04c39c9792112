namespace DeepSeek;

// Shape-combining ops composed from views and Backend.Copy/Cast into slices of a contiguous output:
// Concat/Cat, Stack, Split, Chunk, Repeat and Tile need no kernel of their own.
public sealed partial class Tensor
{
    /// <summary>
    /// Joins tensors along an existing dimension <paramref name="dim"/> (torch.cat). Shapes must match except along dim;
    /// dtypes are promoted (<see cref="DTypeInfo.Promote"/>); devices must match. 1-d empty tensors are skipped, as in PyTorch.
    /// </summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        const string op = "Concat";
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{op}: expects a non-empty list of tensors.", nameof(tensors));
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"{op}: tensor {i} is null.");
            tensors[i].CheckAlive(op);
        }
        // Legacy PyTorch rule: a 1-d tensor of size 0 may be concatenated with anything and contributes nothing.
        var parts = tensors.Where(t => !(t.Rank == 1 && t._shape[0] == 0)).ToList();
        var first = parts.Count > 0 ? parts[0] : tensors[0];
        int refIndex = Math.Max(0, IndexOf(tensors, first));
        var dtype = tensors[0].DType;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Device != first.Device)
                throw new DeviceMismatchException($"{op}: tensor {i} is on {tensors[i].Device} but tensor {refIndex} is on {first.Device}; move them to one device.");
            dtype = DTypeInfo.Promote(dtype, tensors[i].DType);
        }
        if (first.Rank == 0) throw new ShapeMismatchException($"{op}: zero-dimensional tensor {refIndex} cannot be concatenated; use Stack or Unsqueeze first.");
        int axis = Shape.NormalizeAxis(dim, first.Rank, op);
        if (parts.Count > 0 && parts.All(t => t.DType == dtype) && Tracing.OpTrace.Current is { } tr)
            return TraceOne(tr, "Concat", parts.ToArray(), () => Concat(tensors, dim), new() { ["axis"] = (long)axis });
        long total = 0;
        foreach (var t in parts)
        {
            int i = IndexOf(tensors, t);
            if (t.Rank != first.Rank)
                throw new ShapeMismatchException($"{op}: tensor {i} has shape {t.Shape} but tensor {refIndex} has shape {first.Shape}; ranks must match.");
            for (int d = 0; d < first.Rank; d++)
                if (d != axis && t._shape[d] != first._shape[d])
                    throw new ShapeMismatchException($"{op}: tensor {i} has shape {t.Shape} but tensor {refIndex} has shape {first.Shape}; sizes must match except in dimension {axis} (they differ in dimension {d}).");
            total += t._shape[axis];
        }
        if (total > int.MaxValue) throw new ShapeMismatchException($"{op}: result dimension {axis} would have {total} elements, more than one dimension holds.");
        if (Autograd.GradMode.ShouldRecord(tensors))
        {
            Tensor r;
            using (NoGrad()) r = Concat(tensors, axis);
            var skipped = tensors.Select(t => t.Rank == 1 && t._shape[0] == 0).ToArray();
            return r.WithGradFn(new Autograd.ConcatBackward(tensors, axis, skipped));
        }
        var shape = (int[])first._shape.Clone();
        shape[axis] = (int)total;
        var result = Empty(shape, dtype, first.Device);
        try
        {
            long offset = 0;
            foreach (var t in parts)
            {
                int n = t._shape[axis];
                if (n > 0 && t.Numel > 0)
                {
                    using var slot = result.Narrow(axis, offset, n);
                    if (t.DType == dtype) result.Backend.Copy(t, slot);
                    else result.Backend.Cast(t, slot);
                }
                offset += n;
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Alias of <see cref="Concat"/> (torch.cat).</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0) => Concat(tensors, dim);

    private static int IndexOf(IReadOnlyList<Tensor> list, Tensor t)
    {
        for (int i = 0; i < list.Count; i++) if (ReferenceEquals(list[i], t)) return i;
        return -1;
    }

    /// <summary>Joins equally shaped tensors along a new dimension <paramref name="dim"/> (torch.stack); dtypes are promoted.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        const string op = "Stack";
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{op}: expects a non-empty list of tensors.", nameof(tensors));
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"{op}: tensor {i} is null.");
            tensors[i].CheckAlive(op);
            if (tensors[i].Shape != tensors[0].Shape)
                throw new ShapeMismatchException($"{op}: tensor {i} has shape {tensors[i].Shape} but tensor 0 has shape {tensors[0].Shape}; all shapes must be equal.");
        }
        int axis = Shape.NormalizeAxis(dim, tensors[0].Rank + 1, op);
        if (Autograd.GradMode.ShouldRecord(tensors))
        {
            Tensor r;
            using (NoGrad()) r = Stack(tensors, axis);
            return r.WithGradFn(new Autograd.StackBackward(tensors, axis));
        }
        var views = new List<Tensor>(tensors.Count);
        try
        {
            foreach (var t in tensors) views.Add(t.Unsqueeze(axis));
            return Concat(views, axis);
        }
        finally
        {
            foreach (var v in views) v.Dispose();
        }
    }

    /// <summary>Views of consecutive pieces of <paramref name="splitSize"/> along <paramref name="dim"/>; the last may be smaller (torch.split).</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        const string op = "Split";
        CheckAlive(op);
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: cannot split a scalar (shape []).");
        int n = _shape[axis];
        if (splitSize <= 0 && !(splitSize == 0 && n == 0))
            throw new ArgumentException($"{op}: split size must be positive, got {splitSize} (dimension {axis} of shape {Shape}).", nameof(splitSize));
        int count = n == 0 ? 1 : (n + splitSize - 1) / splitSize;
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = Math.Min(splitSize, n - i * splitSize);
        return SplitViews(axis, sizes);
    }

    /// <summary>Views of pieces with the given <paramref name="sizes"/> along <paramref name="dim"/>; the sizes must add up to the dimension (torch.split).</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        const string op = "Split";
        ArgumentNullException.ThrowIfNull(sizes);
        CheckAlive(op);
        if (Rank == 0) throw new ShapeMismatchException($"{op}: cannot split a scalar (shape []).");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        long sum = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"{op}: sizes [{string.Join(", ", sizes)}] contain the negative size {s}.", nameof(sizes));
            sum += s;
        }
        if (sum != _shape[axis])
            throw new ShapeMismatchException($"{op}: sizes [{string.Join(", ", sizes)}] add up to {sum}, but dimension {axis} of shape {Shape} has size {_shape[axis]}.");
        return SplitViews(axis, sizes);
    }

    /// <summary>
    /// Splits into at most <paramref name="chunks"/> views of ceil(n / chunks) along <paramref name="dim"/> (torch.chunk):
    /// fewer pieces come back when the size does not divide evenly enough.
    /// </summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        const string op = "Chunk";
        CheckAlive(op);
        if (chunks <= 0) throw new ArgumentException($"{op}: chunks must be positive, got {chunks}.", nameof(chunks));
        if (Rank == 0) throw new ShapeMismatchException($"{op}: cannot chunk a scalar (shape []).");
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        int n = _shape[axis];
        if (n == 0) return SplitViews(axis, new int[chunks]);
        return Split((int)(((long)n + chunks - 1) / chunks), axis);
    }

    private Tensor[] SplitViews(int axis, int[] sizes)
    {
        var result = new Tensor[sizes.Length];
        long offset = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            result[i] = Narrow(axis, offset, sizes[i]);
            offset += sizes[i];
        }
        return result;
    }

    /// <summary>
    /// Repeats the tensor <paramref name="repeats"/>[d] times along each dimension (torch.Tensor.repeat). There must be at
    /// least as many repeats as dimensions; extra leading repeats add dimensions. Any dtype.
    /// </summary>
    public Tensor Repeat(params int[] repeats)
    {
        const string op = "Repeat";
        ArgumentNullException.ThrowIfNull(repeats);
        CheckAlive(op);
        if (repeats.Length < Rank)
            throw new ShapeMismatchException($"{op}: {repeats.Length} repeats [{string.Join(", ", repeats)}] for a tensor of rank {Rank} (shape {Shape}); give at least one per dimension.");
        int r = repeats.Length, lead = r - Rank;
        var interleaved = new int[2 * r];
        var expanded = new int[2 * r];
        var outShape = new int[r];
        for (int d = 0; d < r; d++)
        {
            if (repeats[d] < 0) throw new ArgumentException($"{op}: repeats [{string.Join(", ", repeats)}] contain the negative count {repeats[d]}.", nameof(repeats));
            int size = d < lead ? 1 : _shape[d - lead];
            interleaved[2 * d] = 1;
            interleaved[2 * d + 1] = size;
            expanded[2 * d] = repeats[d];
            expanded[2 * d + 1] = size;
            long o = (long)size * repeats[d];
            if (o > int.MaxValue) throw new ShapeMismatchException($"{op}: dimension {d} would have {o} elements.");
            outShape[d] = (int)o;
        }
        if (Autograd.GradMode.ShouldRecord(this))
        {
            Tensor rep;
            using (NoGrad()) rep = Repeat(repeats);
            return rep.WithGradFn(new Autograd.RepeatBackward(this, expanded));
        }
        var result = Empty(outShape, DType, Device);
        if (result.Numel == 0) return result;
        using var src = Reshape(interleaved);
        using var srcBig = src.Expand(expanded);
        using var dst = result.ViewAs(expanded);
        return RunKernel(result, _ => Backend.Copy(srcBig, dst));
    }

    /// <summary>Like <see cref="Repeat"/>, but fewer repeats than dimensions are padded with leading 1s (torch.tile).</summary>
    public Tensor Tile(params int[] repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        CheckAlive("Tile");
        if (repeats.Length >= Rank) return Repeat(repeats);
        var full = new int[Rank];
        Array.Fill(full, 1);
        repeats.CopyTo(full, Rank - repeats.Length);
        return Repeat(full);
    }
}
