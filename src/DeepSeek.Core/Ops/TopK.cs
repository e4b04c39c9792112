namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/> and their I64 indices.
    /// Values keep the input dtype. Results come best first; equal values keep the lower index first and NaN counts as
    /// larger than every number (as in PyTorch). With <paramref name="sorted"/> = false the order is unspecified.
    /// The values are differentiable (the gradient is scattered back to the selected positions); the indices are not.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true) =>
        TopKCore("TopK", k, dim, largest, sorted);

    /// <summary>
    /// Sorts along <paramref name="dim"/> (stable: equal values keep their order; NaN sorts as the largest value);
    /// returns the sorted values and the I64 indices they came from. The values are differentiable (the gradient
    /// returns to the positions they came from); the indices are not.
    /// </summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        CheckAlive("Sort");
        int axis = Shape.NormalizeAxis(dim, Rank, "Sort");
        return TopKCore("Sort", Rank == 0 ? 1 : _shape[axis], axis, descending, true);
    }

    /// <summary>The I64 indices that sort the tensor along <paramref name="dim"/> (stable; see <see cref="Sort"/>). Not differentiable.</summary>
    public Tensor ArgSort(int dim = -1, bool descending = false)
    {
        using var noGrad = NoGrad(); // indices only: nothing to record
        var (values, indices) = Sort(dim, descending);
        values.Dispose();
        return indices;
    }

    private (Tensor Values, Tensor Indices) TopKCore(string op, int k, int dim, bool largest, bool sorted)
    {
        CheckAlive(op);
        int axis = Shape.NormalizeAxis(dim, Rank, op);
        int n = Rank == 0 ? 1 : _shape[axis];
        if (k < 0 || k > n || (Rank == 0 && k != 1))
            throw new ArgumentException($"{op}: k = {k} is out of range for dim {dim} of size {n} (shape {Shape}); expected 0 ≤ k ≤ {n}{(Rank == 0 ? " and k = 1 for a 0-d tensor" : "")}.");
        if (Autograd.GradMode.ShouldRecord(this))
        {
            (Tensor Values, Tensor Indices) r;
            using (NoGrad()) r = TopKCore(op, k, axis, largest, sorted);
            r.Values.WithGradFn(new Autograd.IndexedValuesBackward(op, this, r.Indices, axis, r.Indices.Shape.ToArray()));
            return r;
        }
        if (DType is DType.F16 or DType.BF16)
        {
            using var x32 = To(DType.F32);
            var (v32, i32) = x32.TopKCore(op, k, axis, largest, sorted);
            using (v32) return (v32.To(DType), i32);
        }
        var shape = (int[])_shape.Clone();
        if (Rank > 0) shape[axis] = k;
        var values = Empty(shape, DType, Device);
        var indices = Empty(shape, DType.I64, Device);
        Backend.TopK(this, k, Rank == 0 ? 0 : axis, largest, sorted, values, indices);
        return (values, indices);
    }
}
