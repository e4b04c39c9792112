namespace DeepSeek.NN.Tests.Optim;

using DeepSeek.NN.Optim;
using static OptimTestUtil;

/// <summary>Learning-rate schedulers against the closed forms PyTorch documents, step by step.</summary>
public sealed class SchedulerTests
{
    private static List<double> Sequence(LRScheduler s, int steps, int group = 0)
    {
        var lrs = new List<double> { s.Optimizer.ParamGroups[group].Lr };
        Assert.Equal(lrs[0], s.GetLastLr()[group]);
        for (int i = 0; i < steps; i++)
        {
            s.Step();
            lrs.Add(s.Optimizer.ParamGroups[group].Lr);
            Assert.Equal(lrs[^1], s.GetLastLr()[group]);
        }
        return lrs;
    }

    private static void AssertSeq(double[] expected, List<double> actual) =>
        TestSupport.AssertClose(expected, actual.ToArray(), 1e-12, 1e-15);

    private static readonly Parameter Shared = Param(1, DType.F32, 2); // one tiny parameter for every schedule (only options change)

    private static SGD Opt(double lr = 0.1) => new([Shared], lr: lr, momentum: 0.9);

    [Fact]
    public void StepLR()
    {
        using var o = Opt();
        AssertSeq([0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001], Sequence(new StepLR(o, 3, 0.1), 6));
    }

    [Fact]
    public void MultiStepLR()
    {
        using var o = Opt(1.0);
        AssertSeq([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25], Sequence(new MultiStepLR(o, [2, 5], 0.5), 6));
    }

    [Fact]
    public void ExponentialLR()
    {
        using var o = Opt(2.0);
        AssertSeq([2, 1.8, 1.62, 1.458], Sequence(new ExponentialLR(o, 0.9), 3));
    }

    [Fact]
    public void CosineAnnealingLR()
    {
        using var o = Opt(1.0);
        // ηmin + (1 − ηmin)(1 + cos(πt/4))/2 with ηmin = 0.1
        double c(int t) => 0.1 + 0.9 * (1 + Math.Cos(Math.PI * t / 4)) / 2;
        AssertSeq([1.0, c(1), 0.55, c(3), 0.1, c(5)], Sequence(new CosineAnnealingLR(o, 4, 0.1), 5));
    }

    [Fact]
    public void LinearLRAndLinearWarmup()
    {
        using var o = Opt(0.3);
        AssertSeq([0.1, 0.15, 0.2, 0.25, 0.3, 0.3], Sequence(new LinearLR(o, 1.0 / 3, 1.0, 4), 5));
        using var o2 = Opt(1.0);
        AssertSeq([0.2, 0.6, 1.0, 1.0], Sequence(new LinearWarmup(o2, 2, startFactor: 0.2), 3));
    }

    [Fact]
    public void WarmupCosineChainsThroughSequentialLR()
    {
        using var o = Opt(1.0);
        var s = LRScheduler.WarmupCosine(o, warmupSteps: 2, totalSteps: 6, etaMin: 0.0, startFactor: 0.5);
        // warmup 0.5 → 0.75 → (milestone 2) cosine over 4 steps: 1, cos², …
        double c(int t) => (1 + Math.Cos(Math.PI * t / 4)) / 2;
        AssertSeq([0.5, 0.75, 1.0, c(1), c(2), c(3), 0.0], Sequence(s, 6));
        Assert.Equal(1.0, o.ParamGroups[0]["initial_lr"]);
    }

    [Fact]
    public void OneCycleLRCosTwoPhase()
    {
        using var o = Opt();
        var s = new OneCycleLR(o, maxLr: 1.0, totalSteps: 10, pctStart: 0.3, divFactor: 10, finalDivFactor: 100);
        // phase 1: steps 0..2 from 0.1 to 1; phase 2: steps 2..9 from 1 to 0.001
        static double Cos(double a, double b, double pct) => b + (a - b) / 2 * (Math.Cos(Math.PI * pct) + 1);
        var expected = new double[10];
        for (int t = 0; t < 10; t++) expected[t] = t <= 2 ? Cos(0.1, 1, t / 2.0) : Cos(1, 0.001, (t - 2) / 7.0);
        AssertSeq(expected, Sequence(s, 9));
        Assert.Equal(0.001, expected[9], 12);
        // momentum cycles inversely: 0.95 → 0.85 at the peak → back to 0.95
        Assert.Equal(0.95, o.ParamGroups[0]["momentum"], 12);
        Assert.Equal(0.001, o.ParamGroups[0]["min_lr"], 15);
        s.Step(); // step 10 == totalSteps is allowed
        Assert.Throws<InvalidOperationException>(() => s.Step());
    }

    [Fact]
    public void OneCycleLRLinearThreePhaseAndAdamBeta1()
    {
        using var o = new Adam([Shared]);
        var s = new OneCycleLR(o, maxLr: 0.4, totalSteps: 10, pctStart: 0.25, annealStrategy: AnnealStrategy.Linear, divFactor: 4, finalDivFactor: 10, threePhase: true);
        // ends: 1.5, 3, 9; rates 0.1 → 0.4 → 0.1 → 0.01
        var expected = new double[8];
        for (int t = 0; t < 8; t++)
            expected[t] = t <= 1.5 ? 0.1 + 0.3 * t / 1.5 : t <= 3 ? 0.4 - 0.3 * (t - 1.5) / 1.5 : 0.1 - 0.09 * (t - 3) / 6.0;
        var got = new List<double> { o.ParamGroups[0].Lr };
        Assert.Equal(0.95, o.ParamGroups[0]["beta1"], 12);
        for (int t = 1; t < 8; t++)
        {
            s.Step();
            got.Add(o.ParamGroups[0].Lr);
            if (t == 1) Assert.Equal(0.95 - 0.1 / 1.5, o.ParamGroups[0]["beta1"], 12);
        }
        AssertSeq(expected, got);
    }

    [Fact]
    public void PerGroupBaseRatesAndStateDict()
    {
        using var a = Param(3, DType.F32, 2);
        using var b = Param(4, DType.F32, 2);
        using var o = new SGD([new ParamGroup([a], lr: 1.0), new ParamGroup([b], lr: 0.5)]);
        var s = new ExponentialLR(o, 0.5);
        s.Step();
        s.Step();
        Assert.Equal([0.25, 0.125], s.GetLastLr());
        var d = s.StateDict();
        Assert.Equal(2.0, d["last_epoch"].ItemAsDouble());
        Assert.Equal(0.5, d["base_lrs.1"].ItemAsDouble());

        using var o2 = new SGD([new ParamGroup([a], lr: 1.0), new ParamGroup([b], lr: 0.5)]);
        var s2 = new ExponentialLR(o2, 0.5);
        s2.LoadStateDict(d);
        Assert.Equal(2, s2.LastEpoch);
        Assert.Equal(0.125, o2.ParamGroups[1].Lr);
        s2.Step();
        Assert.Equal(0.0625, o2.ParamGroups[1].Lr);
        foreach (var t in d.Values) t.Dispose();
        d.Remove("last_epoch");
        Assert.Contains("last_epoch", Assert.Throws<ModelFormatException>(() => s2.LoadStateDict(d)).Message);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        using var o = Opt();
        Assert.Throws<ArgumentException>(() => new StepLR(o, 0));
        Assert.Throws<ArgumentException>(() => new CosineAnnealingLR(o, 0));
        Assert.Throws<ArgumentException>(() => new MultiStepLR(o, [5, 2]));
        Assert.Throws<ArgumentException>(() => new LinearLR(o, startFactor: 0));
        Assert.Throws<ArgumentException>(() => new OneCycleLR(o, 1.0, totalSteps: 0));
        Assert.Throws<ArgumentException>(() => new OneCycleLR(o, [1.0, 2.0], totalSteps: 5));
        Assert.Throws<ArgumentException>(() => LRScheduler.WarmupCosine(o, 5, 5));
        var a = new StepLR(o, 2);
        Assert.Contains("milestones", Assert.Throws<ArgumentException>(() => new SequentialLR(o, [a], [3])).Message);
    }
}
