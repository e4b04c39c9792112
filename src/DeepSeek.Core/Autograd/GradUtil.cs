namespace DeepSeek.Autograd;

/// <summary>Helpers shared by backward formulas.</summary>
internal static class GradUtil
{
    /// <summary>Sums a broadcast gradient back to <paramref name="shape"/> (the inverse of broadcasting).</summary>
    public static Tensor SumTo(Tensor g, Shape shape)
    {
        if (g.Shape == shape) return g;
        int lead = g.Rank - shape.Rank;
        var dims = new List<int>();
        for (int i = 0; i < g.Rank; i++)
        {
            if (i < lead) dims.Add(i);
            else if (shape.Dims[i - lead] == 1 && g.Shape.Dims[i] != 1) dims.Add(i);
        }
        if (dims.Count == 0) return g.Reshape(shape.ToArray());
        using var s = g.Sum(dims.ToArray(), keepDim: true);
        return s.Reshape(shape.ToArray());
    }

    /// <summary>Casts a gradient to the input's dtype when the op computed in another one.</summary>
    public static Tensor As(Tensor g, DType dtype) => g.DType == dtype ? g : g.To(dtype);
}
