namespace DeepSeek.Tests;

/// <summary>Helpers shared by the Core tests.</summary>
public static class TestUtil
{
    /// <summary>Asserts elementwise |a − e| ≤ atol + rtol·|e| (NaN equals NaN).</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"element {i}: expected {e:R}, got {a:R} (|diff| {Math.Abs(a - e):G3} > {atol} + {rtol}·|e|)");
        }
    }

    /// <summary>Asserts a tensor's values (read as doubles) match <paramref name="expected"/>.</summary>
    public static void AssertClose(Tensor actual, double[] expected, double rtol = 1e-5, double atol = 1e-6) =>
        AssertClose(expected, actual.ToDoubleArray(), rtol, atol);

    /// <summary>
    /// Runs pending finalizers so tensors leaked by earlier tests return to the pool now, not in the middle of a
    /// measurement of pool bytes.
    /// </summary>
    public static void SettleFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Asserts shape equality with a readable message.</summary>
    public static void AssertShape(Tensor t, params int[] dims) =>
        Assert.True(t.Shape == new Shape(dims), $"expected shape {new Shape(dims)}, got {t.Shape}");
}
