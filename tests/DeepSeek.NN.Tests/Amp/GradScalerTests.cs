namespace DeepSeek.NN.Tests.Amp;

using DeepSeek.NN.Amp;
using DeepSeek.NN.Optim;

/// <summary>Dynamic loss scaling on a tiny F16 model: overflow skips and backs off, good steps grow the scale.</summary>
public sealed class GradScalerTests
{
    private sealed class TinyF16 : Module<Tensor, Tensor>
    {
        public TinyF16()
        {
            W = RegisterParameter("w", Tensor.RandN(new Shape(4), new Generator(3), dtype: DType.F16));
            B = RegisterParameter("b", Tensor.Zeros(new Shape(1), DType.F16));
        }

        public Parameter W { get; }
        public Parameter B { get; }

        protected override Tensor OnForward(Tensor x) => (x * W).Sum(-1) + B;
    }

    private static Tensor Loss(TinyF16 m, Tensor x, Tensor t) => (m.Forward(x) - t).Square().Mean();

    [Fact]
    public void F16TrainingBacksOffFromOverflowThenLearns()
    {
        using var model = new TinyF16();
        var gen = new Generator(5);
        using var x = Tensor.RandN(new Shape(16, 4), gen, dtype: DType.F16);
        using var wTrue = Tensor.FromArray(new float[] { 1, -2, 0.5f, 3 }).To(DType.F16);
        using var t = (x * wTrue).Sum(-1);
        using var opt = new SGD(model.Parameters(), lr: 0.05);
        var scaler = new GradScaler(growthInterval: 1000);
        Assert.Equal(65536.0, scaler.ScaleValue);

        double first = 0, last = 0;
        int skipped = 0;
        for (int s = 0; s < 80; s++)
        {
            using var scope = Tensor.NewScope();
            opt.ZeroGrad();
            var loss = Loss(model, x, t);
            if (s == 0) first = loss.ItemAsDouble();
            last = loss.ItemAsDouble();
            var before = model.W.Data.ToArray<Half>();
            scaler.Scale(loss).Backward();
            bool stepped = scaler.Step(opt);
            if (!stepped)
            {
                skipped++;
                Assert.Equal(before, model.W.Data.ToArray<Half>()); // a skipped step leaves the weights alone
            }
            scaler.Update();
        }
        // 2^16 overflows F16 gradients (65536 > 65504): at least one skip, the scale halves each time
        Assert.True(skipped >= 1, "expected an overflow at the initial scale");
        Assert.Equal(skipped, scaler.SkippedSteps);
        Assert.Equal(65536.0 / Math.Pow(2, skipped), scaler.ScaleValue);
        Assert.True(last < first * 0.05, $"loss went from {first} to {last}");
    }

    [Fact]
    public void InjectedOverflowSkipsTheStepAndGoodStepsGrowTheScale()
    {
        using var model = new TinyF16();
        using var x = Tensor.RandN(new Shape(8, 4), new Generator(6), dtype: DType.F16);
        using var t = Tensor.Zeros(new Shape(8), DType.F16);
        using var opt = new SGD(model.Parameters(), lr: 0.01);
        var scaler = new GradScaler(initScale: 8, growthInterval: 3);

        bool Iteration(bool inject)
        {
            using var scope = Tensor.NewScope();
            opt.ZeroGrad();
            scaler.Scale(Loss(model, x, t)).Backward();
            if (inject)
                using (Tensor.NoGrad()) model.B.Grad!.MulInPlace(double.PositiveInfinity);
            bool r = scaler.Step(opt);
            scaler.Update();
            return r;
        }

        Assert.True(Iteration(false));
        Assert.Equal(1, scaler.GrowthTracker);
        var w = model.W.Data.ToArray<Half>();
        Assert.False(Iteration(true));
        Assert.Equal(w, model.W.Data.ToArray<Half>());
        Assert.Equal(4.0, scaler.ScaleValue);
        Assert.Equal(0, scaler.GrowthTracker);
        Assert.True(Iteration(false));
        Assert.True(Iteration(false));
        Assert.Equal(4.0, scaler.ScaleValue);
        Assert.True(Iteration(false)); // third good step in a row
        Assert.Equal(8.0, scaler.ScaleValue);
        Assert.Equal(0, scaler.GrowthTracker);
    }

    [Fact]
    public void UnscaleDividesGradientsByTheScale()
    {
        var p = new Parameter(Tensor.Zeros(new Shape(3)));
        p.Grad = Tensor.FromArray(new float[] { 64, -32, 8 }).DetachFromScope();
        using var opt = new SGD([p], lr: 1);
        var scaler = new GradScaler(initScale: 32);
        scaler.Unscale(opt);
        Assert.Equal(new float[] { 2, -1, 0.25f }, p.Grad!.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => scaler.Unscale(opt));
        Assert.True(scaler.Step(opt)); // does not unscale twice
        Assert.Equal(new float[] { -2, 1, -0.25f }, p.Data.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => scaler.Step(opt));
        scaler.Update();
        Assert.Throws<InvalidOperationException>(() => scaler.Update());
        p.Dispose();
    }

    [Fact]
    public void AllFiniteDetectsInfAndNaN()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3 });
        using var b = Tensor.FromArray(new float[] { 1, float.NaN, 3 });
        using var c = Tensor.FromArray(new double[] { 1, double.NegativeInfinity });
        using var d = Tensor.FromArray(new float[] { 60000, 60000 }).To(DType.F16); // sums past F16's range but is finite
        Assert.True(GradScaler.AllFinite(a));
        Assert.False(GradScaler.AllFinite(b));
        Assert.False(GradScaler.AllFinite(c));
        Assert.True(GradScaler.AllFinite(d));
    }

    [Fact]
    public void StateDictRoundTripsAndDisabledScalerPassesThrough()
    {
        var s = new GradScaler(initScale: 1024, growthInterval: 7);
        var d = s.StateDict();
        Assert.Equal(1024.0, d["scale"].ItemAsDouble());
        var s2 = new GradScaler();
        s2.LoadStateDict(d);
        Assert.Equal(1024.0, s2.ScaleValue);
        Assert.Equal(7, s2.GrowthInterval);
        foreach (var t in d.Values) t.Dispose();

        var off = new GradScaler(enabled: false);
        using var loss = Tensor.Scalar(3);
        using var scaled = off.Scale(loss);
        Assert.Equal(3.0, scaled.ItemAsDouble());
        Assert.Throws<ArgumentException>(() => new GradScaler(initScale: 0));
        Assert.Throws<ArgumentException>(() => new GradScaler(backoffFactor: 1));
        using var il = Tensor.Scalar(1, DType.I32);
        Assert.Throws<DTypeMismatchException>(() => s.Scale(il));
    }
}
