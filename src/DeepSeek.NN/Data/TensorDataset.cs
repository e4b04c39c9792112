namespace DeepSeek.NN.Data;

/// <summary>
/// Rows of one or more tensors that share their first dimension (torch.utils.data.TensorDataset): item i is
/// <c>[t0[i], t1[i], …]</c>, each a view of row i. The dataset keeps its own references (views) to the tensors,
/// so the caller may dispose the originals; dispose the dataset to release them.
/// </summary>
public sealed class TensorDataset : Dataset<Tensor[]>, IDisposable
{
    private readonly Tensor[] _tensors;

    /// <summary>Wraps <paramref name="tensors"/> (at least one; all of rank ≥ 1 with the same size of dim 0).</summary>
    public TensorDataset(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("TensorDataset: needs at least one tensor.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"TensorDataset: tensor {i} is null.");
            if (t.IsDisposed) throw new TensorDisposedException($"TensorDataset: tensor {i} was used after Dispose().");
            if (t.Rank == 0) throw new ShapeMismatchException($"TensorDataset: tensor {i} is 0-d; every tensor needs a first (row) dimension.");
            if (t.Shape[0] != tensors[0].Shape[0])
                throw new ShapeMismatchException($"TensorDataset: tensor {i} has shape {t.Shape} but tensor 0 has shape {tensors[0].Shape}; the first dimensions must match.");
        }
        _tensors = tensors.Select(t => t.Narrow(0, 0, t.Shape[0]).DetachFromScope()).ToArray();
    }

    /// <summary>The tensors (views owned by this dataset; do not dispose).</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <inheritdoc/>
    public override int Count => _tensors[0].Shape[0];

    /// <summary>Views of row <paramref name="index"/> of every tensor; the caller disposes them.</summary>
    protected override Tensor[] Get(int index) => _tensors.Select(t => t.Select(0, index)).ToArray();

    /// <summary>Releases this dataset's views.</summary>
    public void Dispose()
    {
        foreach (var t in _tensors) t.Dispose();
    }
}
