using static DeepSeek.Graph.Tests.Ops.ShapeFamily.OneNode;

namespace DeepSeek.Graph.Tests.Ops.ShapeFamily;

public sealed class ShapeResizeTests
{
    private static readonly Tensor? None = null;

    [Fact]
    public void NearestHalfPixelUpsample()
    {
        using var x = F([1, 2, 3, 4], 1, 1, 2, 2);
        using var s = F([1, 1, 2, 3], 4);
        using var y = Run1("Resize", 19, [x, None, s]);
        Same([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], [1, 1, 4, 6], y);
        using var up = Run1("Upsample", 9, [x, s]);
        Same(y.ToArray<float>(), [1, 1, 4, 6], up);
    }

    [Fact]
    public void LinearHalfPixelAndAlignCorners()
    {
        using var x = F([1, 2, 3, 4], 1, 1, 2, 2);
        using var s = F([1, 1, 2, 2], 4);
        using var y = Run1("Resize", 13, [x, None, s], A("mode", "linear"));
        Close([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], [1, 1, 4, 4], y);
        using var a = Run1("Resize", 13, [x, None, s], A("mode", "linear"), A("coordinate_transformation_mode", "align_corners"));
        double t = 1.0 / 3;
        Close([1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t, 2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4], [1, 1, 4, 4], a);

        using var big = Seq(8, 1, 1, 2, 4);
        using var d = F([1, 1, 0.6f, 0.6f], 4);
        using var down = Run1("Resize", 13, [big, None, d], A("mode", "linear"));
        // x = (j + .5)/.6 - .5: rows → 0.333 (between rows 0 and 1), cols → 0.333, 2.0
        Close([0.3333333 * 4 + 0.3333333, 0.3333333 * 4 + 2], [1, 1, 1, 2], down);
    }

    [Fact]
    public void CubicAsymmetricReproducesLinearDataAndMatchesNaive()
    {
        using var x = F([0, 1, 2, 3, 5], 1, 5);
        using var s = F([1, 2], 2);
        using var y = Run1("Resize", 13, [x, None, s], A("mode", "cubic"), A("coordinate_transformation_mode", "asymmetric"));
        var got = y.ToDoubleArray();
        Assert.Equal(10, got.Length);
        Assert.Equal(1.5, got[3], 6);
        double[] src = [0, 1, 2, 3, 5];
        const double a = -0.75;
        static double W(double t, double a)
        {
            t = Math.Abs(t);
            return t <= 1 ? (a + 2) * t * t * t - (a + 3) * t * t + 1 : t < 2 ? a * t * t * t - 5 * a * t * t + 8 * a * t - 4 * a : 0;
        }
        for (int j = 0; j < 10; j++)
        {
            double pos = j / 2.0, acc = 0;
            int f = (int)Math.Floor(pos);
            for (int k = f - 2; k <= f + 2; k++) acc += W(pos - k, a) * src[Math.Clamp(k, 0, 4)];
            Assert.Equal(acc, got[j], 5);
        }
    }

    [Fact]
    public void SizesPoliciesAndTfCropExtrapolation()
    {
        using var x = Seq(16, 1, 1, 4, 4);
        using var sz = L(1, 1, 2, 3);
        using var n1 = Run1("Resize", 18, [x, None, None, sz], A("keep_aspect_ratio_policy", "not_larger"));
        Assert.Equal(new[] { 1, 1, 2, 2 }, n1.Shape.ToArray());
        // over all four axes the N and C ratios (1) win for not_smaller; over axes [2, 3] the larger ratio 0.75 does
        using var n2 = Run1("Resize", 18, [x, None, None, sz], A("keep_aspect_ratio_policy", "not_smaller"));
        Assert.Equal(new[] { 1, 1, 4, 4 }, n2.Shape.ToArray());
        using var sz2 = L(2, 3);
        using var n3 = Run1("Resize", 18, [x, None, None, sz2], A("keep_aspect_ratio_policy", "not_smaller"), A("axes", new long[] { 2, 3 }));
        Assert.Equal(new[] { 1, 1, 3, 3 }, n3.Shape.ToArray());

        using var roi = F([0, 0, 0.5f, 0.5f, 1, 1, 1.5f, 1.5f], 8);
        using var s3 = L(1, 1, 3, 3);
        using var tf = Run1("Resize", 13, [x, roi, None, s3], A("mode", "linear"),
            A("coordinate_transformation_mode", "tf_crop_and_resize"), A("extrapolation_value", 10f));
        // coordinate 0.5 * 3 + j * 1 * 3 / 2 → 1.5, 3, 4.5 (> 3 → outside)
        double V(double r, double c) => r * 4 + c;
        Close([V(1.5, 1.5), V(1.5, 3), 10, V(3, 1.5), V(3, 3), 10, 10, 10, 10], [1, 1, 3, 3], tf);

        using var s = F([1, 1, 2, 2], 4);
        Assert.Throws<ArgumentException>(() => Run1("Resize", 13, [x, None, s, sz]));
        Assert.Throws<ArgumentException>(() => Run1("Resize", 13, [x, None, s], A("mode", "area")));
    }
}
