namespace DeepSeek.Backends;

/// <summary>How <see cref="Tensor.Pad"/> fills the border it adds.</summary>
public enum PadMode
{
    /// <summary>A constant value.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge element (torch "reflect"): [a b c] → b [a b c] b.</summary>
    Reflect,
    /// <summary>Repeat the edge element (torch "replicate"): [a b c] → a [a b c] c.</summary>
    Replicate,
    /// <summary>Wrap around (torch "circular"): [a b c] → c [a b c] a.</summary>
    Circular,
}

/// <summary>
/// Gather/embedding, scatter-add, padding, flips, triangular masks, masked fill and one-hot.
/// Index tensors are I32 or I64 with any strides; every kernel checks every index it reads and throws
/// <see cref="IndexOutOfRangeException"/> naming the op, the bad index and the valid range (negative indices
/// are errors, as in PyTorch's gather/index_select/embedding). Outputs are contiguous and allocated by the op
/// layer; concat/stack/split/repeat are composed from views and <see cref="IBackend.Copy"/> and need no kernel.
/// </summary>
public interface IIndexingKernels
{
    /// <summary>
    /// dst = src with dimension <paramref name="axis"/> indexed by the 1-d <paramref name="index"/>:
    /// dst[…, k, …] = src[…, index[k], …]. dst has src's shape with that dimension replaced by index's length.
    /// Any dtype (same for src and dst). An index of another rank selects by its elements in row-major order and its
    /// shape replaces the dimension in dst (ONNX Gather; a 0-d index drops it).
    /// </summary>
    void IndexSelect(Tensor src, int axis, Tensor index, Tensor dst);

    /// <summary>
    /// torch.gather: dst[p] = src[p with coordinate <paramref name="axis"/> replaced by index[p]], for every
    /// position p of <paramref name="index"/> (dst has index's shape; index.size(d) ≤ src.size(d) for d ≠ axis).
    /// </summary>
    void Gather(Tensor src, int axis, Tensor index, Tensor dst);

    /// <summary>
    /// In place on <paramref name="dst"/>: dst[p with coordinate <paramref name="axis"/> replaced by index[p]] += src[p]
    /// for every position p of <paramref name="index"/> (torch.Tensor.scatter_add_). Dtypes F32, F64, I8, U8, I16, I32, I64;
    /// src and dst share the dtype. Duplicate indices accumulate.
    /// </summary>
    void ScatterAdd(Tensor dst, int axis, Tensor index, Tensor src);

    /// <summary>
    /// In place on <paramref name="dst"/>: dst[…, index[k], …] += src[…, k, …] along <paramref name="axis"/> for the 1-d
    /// <paramref name="index"/> (torch.Tensor.index_add_, the embedding backward). Dtypes as <see cref="ScatterAdd"/>.
    /// </summary>
    void IndexAdd(Tensor dst, int axis, Tensor index, Tensor src);

    /// <summary>
    /// Pads (or, with negative amounts, crops) <paramref name="src"/> into <paramref name="dst"/>. <paramref name="padBefore"/>[d]
    /// and <paramref name="padAfter"/>[d] are per dimension in dimension order (not torch's reversed pair order):
    /// dst.size(d) = src.size(d) + padBefore[d] + padAfter[d]. Any dtype; <paramref name="value"/> is used by
    /// <see cref="PadMode.Constant"/> and converted to the dtype.
    /// </summary>
    void Pad(Tensor src, int[] padBefore, int[] padAfter, PadMode mode, double value, Tensor dst);

    /// <summary>dst = src reversed along every dimension d with <paramref name="flip"/>[d] set. Any dtype.</summary>
    void Flip(Tensor src, bool[] flip, Tensor dst);

    /// <summary>
    /// Keeps the lower (<paramref name="upper"/> false: column ≤ row + diagonal) or upper (column ≥ row + diagonal)
    /// triangle of the last two dimensions of <paramref name="src"/> and zeroes the rest. Any dtype.
    /// </summary>
    void Triangle(Tensor src, int diagonal, bool upper, Tensor dst);

    /// <summary>
    /// dst = mask ? value : src elementwise; <paramref name="src"/> and the Bool <paramref name="mask"/> have dst's shape
    /// (broadcast views allowed). <paramref name="value"/> is converted to the dtype. Any dtype.
    /// </summary>
    void MaskedFill(Tensor src, Tensor mask, double value, Tensor dst);

    /// <summary>
    /// dst[p, c] = (indices[p] == c) as I64, where the number of classes is dst's last dimension.
    /// Throws <see cref="IndexOutOfRangeException"/> for a negative value or one ≥ the number of classes.
    /// </summary>
    void OneHot(Tensor indices, Tensor dst);

    /// <summary>Smallest and largest value of an integer tensor (I8 … I64, U8, Bool; any strides). Throws for an empty tensor.</summary>
    (long Min, long Max) IntegerRange(Tensor t);
}
