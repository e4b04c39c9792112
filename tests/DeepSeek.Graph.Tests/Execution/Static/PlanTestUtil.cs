using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Tests.Execution.Static;

/// <summary>Runs graphs through the interpreter (the reference) and compares tensors.</summary>
internal static class PlanTestUtil
{
    /// <summary>The graph's outputs, in order, from the interpreter (caller disposes).</summary>
    public static Tensor[] Interpret(Graph g, params Tensor[] inputs)
    {
        var feeds = new Dictionary<string, RuntimeValue>();
        for (int i = 0; i < inputs.Length; i++) feeds[g.Inputs[i].Name] = inputs[i].Detach();
        var outs = new Interpreter().Run(g, feeds);
        return g.Outputs.Select(o => outs[o.Name].AsTensor(o.Name)).ToArray();
    }

    /// <summary>Same shape, dtype and values: exact for integer and bool tensors, |a − e| ≤ atol + rtol·|e| for floats (NaN = NaN).</summary>
    public static void AssertSame(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string what = "")
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        Assert.Equal(expected.DType, actual.DType);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        bool exact = !expected.DType.IsFloatingPoint();
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            if (exact ? e[i] == a[i] : e[i] == a[i] || Math.Abs(a[i] - e[i]) <= atol + rtol * Math.Abs(e[i])) continue;
            Assert.Fail($"{what} element {i}: got {a[i]:R}, expected {e[i]:R}");
        }
    }

    /// <summary>Disposes every tensor of the arrays.</summary>
    public static void DisposeAll(params IEnumerable<Tensor>[] groups)
    {
        foreach (var g in groups) foreach (var t in g) t.Dispose();
    }

    /// <summary>The same values laid out column-major in the last two dims (a strided view), for rank ≥ 2.</summary>
    public static Tensor Strided(Tensor t)
    {
        if (t.Rank < 2) return t.Detach();
        using var tr = t.Transpose(-1, -2);
        using var copy = tr.Clone();
        return copy.Transpose(-1, -2);
    }
}
