using System.Globalization;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Onnx.Conformance;

/// <summary>
/// The node-test comparison (onnx/backend/test/runner: numpy assert_allclose with rtol 1e-3, atol 1e-7, NaN equal
/// to NaN): dtype and shape exactly, floating values with |actual − expected| ≤ 1e-7 + 1e-3·|expected|,
/// integers and booleans exactly; sequences element by element, optionals by presence then value.
/// </summary>
public static class ValueCompare
{
    /// <summary>Absolute tolerance.</summary>
    public const double Atol = 1e-7;

    /// <summary>Relative tolerance.</summary>
    public const double Rtol = 1e-3;

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else why not; raises <paramref name="maxAbsErr"/>.</summary>
    public static string? Compare(string what, OnnxValue expected, RuntimeValue actual, ref double maxAbsErr)
    {
        switch (expected.Kind)
        {
            case OnnxValueKind.Tensor:
                if (actual is not TensorValue t) return $"{what}: expected a tensor, got {actual.Describe()}.";
                return CompareTensor(what, expected.Tensor, t.Tensor, ref maxAbsErr);
            case OnnxValueKind.Sequence:
                if (actual is not SequenceValue s) return $"{what}: expected a sequence, got {actual.Describe()}.";
                if (s.Items.Count != expected.Elements.Count) return $"{what}: sequence length {s.Items.Count}, expected {expected.Elements.Count}.";
                for (int i = 0; i < s.Items.Count; i++)
                {
                    var why = Compare($"{what}[{i}]", expected.Elements[i], new TensorValue(s.Items[i]), ref maxAbsErr);
                    if (why is not null) return why;
                }
                return null;
            default:
                if (actual is not OptionalValue o) return $"{what}: expected an optional, got {actual.Describe()}.";
                if (expected.HasValue != (o.Inner is not null))
                    return $"{what}: optional is {(o.Inner is null ? "empty" : "present")}, expected {(expected.HasValue ? "present" : "empty")}.";
                return expected.HasValue ? Compare(what, expected.Value, o.Inner!, ref maxAbsErr) : null;
        }
    }

    /// <summary>Null when the tensors match (dtype, shape, values within tolerance), else why not.</summary>
    public static string? CompareTensor(string what, Tensor expected, Tensor actual, ref double maxAbsErr)
    {
        if (actual.DType != expected.DType) return $"{what}: dtype {actual.DType.Name()}, expected {expected.DType.Name()}.";
        if (actual.Shape != expected.Shape) return $"{what}: shape {actual.Shape}, expected {expected.Shape}.";
        long n = expected.Numel;
        if (n == 0) return null;
        if (expected.DType == DType.I64)
        {
            var e = expected.ToArray<long>();
            var a = actual.ToArray<long>();
            int bad = 0, first = -1;
            for (int i = 0; i < e.Length; i++)
            {
                if (a[i] == e[i]) continue;
                maxAbsErr = Math.Max(maxAbsErr, Math.Abs((double)a[i] - e[i]));
                if (bad++ == 0) first = i;
            }
            return bad == 0 ? null : Mismatch(what, bad, n, first, expected.Shape, a[first], e[first], maxAbsErr);
        }
        var ed = expected.ToDoubleArray();
        var ad = actual.ToDoubleArray();
        bool exact = !expected.DType.IsFloatingPoint();
        int wrong = 0, at = -1;
        for (int i = 0; i < ed.Length; i++)
        {
            double x = ad[i], y = ed[i];
            if (x == y || (double.IsNaN(x) && double.IsNaN(y))) continue;
            double diff = Math.Abs(x - y);
            if (double.IsNaN(diff)) diff = double.PositiveInfinity; // NaN against a number
            maxAbsErr = Math.Max(maxAbsErr, diff);
            if (!exact && diff <= Atol + Rtol * Math.Abs(y)) continue;
            if (wrong++ == 0) at = i;
        }
        return wrong == 0 ? null : Mismatch(what, wrong, n, at, expected.Shape, ad[at], ed[at], maxAbsErr);
    }

    private static string Mismatch<T>(string what, int bad, long n, int flat, Shape shape, T got, T want, double maxAbsErr) where T : IFormattable =>
        string.Create(CultureInfo.InvariantCulture,
            $"{what}: {bad} of {n} values differ; first at {Index(flat, shape)}: got {got.ToString(null, CultureInfo.InvariantCulture)}, expected {want.ToString(null, CultureInfo.InvariantCulture)} (max |diff| {maxAbsErr:G4}).");

    private static string Index(int flat, Shape shape)
    {
        var idx = new int[shape.Rank];
        for (int d = shape.Rank - 1; d >= 0; d--)
        {
            idx[d] = flat % Math.Max(1, shape[d]);
            flat /= Math.Max(1, shape[d]);
        }
        return "[" + string.Join(", ", idx) + "]";
    }
}
