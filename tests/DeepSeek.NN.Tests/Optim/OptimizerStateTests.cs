namespace DeepSeek.NN.Tests.Optim;

using DeepSeek.NN.Optim;
using DeepSeek.NN.Serialization;
using static OptimTestUtil;

/// <summary>Optimizer and scheduler state dicts: keys, save/load round trips and exact resumption.</summary>
[Collection("Pool")]
public sealed class OptimizerStateTests
{
    private static Sequential Model() =>
        new(new Linear(4, 6, generator: new Generator(21)), new TanhLayer(), new Linear(6, 2, generator: new Generator(22)));

    private static void TrainSteps(Sequential model, Optimizer opt, LRScheduler sched, int from, int count)
    {
        for (int s = from; s < from + count; s++)
        {
            using var scope = Tensor.NewScope();
            var gen = new Generator(1000 + (ulong)s);
            var x = Tensor.RandN(new Shape(8, 4), gen);
            var t = Tensor.RandN(new Shape(8, 2), gen);
            opt.ZeroGrad();
            (model.Forward(x) - t).Square().Mean().Backward();
            opt.Step();
            sched.Step();
        }
        opt.ZeroGrad();
    }

    private static void DisposeAll(Dictionary<string, Tensor> d)
    {
        foreach (var t in d.Values) t.Dispose();
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void ResumingFromASavedStateDictMatchesUninterruptedTraining(string kind)
    {
        Optimizer Make(Sequential m) => kind switch
        {
            "adam" => new Adam(m.Parameters(), lr: 0.05, weightDecay: 1e-2, amsgrad: true),
            "adamw" => new AdamW(m.Parameters(), lr: 0.05),
            _ => new SGD(m.Parameters(), lr: 0.1, momentum: 0.9, nesterov: true),
        };

        using var reference = Model();
        using var refOpt = Make(reference);
        var refSched = new StepLR(refOpt, stepSize: 2, gamma: 0.5);
        TrainSteps(reference, refOpt, refSched, 0, 6);

        using var dir = new TempDir();
        using (var first = Model())
        using (var opt = Make(first))
        {
            var sched = new StepLR(opt, stepSize: 2, gamma: 0.5);
            TrainSteps(first, opt, sched, 0, 3);
            var m = first.StateDict();
            var o = opt.StateDict();
            var s = sched.StateDict();
            SafeTensors.Save(dir.File("model.safetensors"), m);
            SafeTensors.Save(dir.File("optim.safetensors"), o);
            SafeTensors.Save(dir.File("sched.safetensors"), s);
            DisposeAll(m); DisposeAll(o); DisposeAll(s);
        }

        using var resumed = Model();
        using var opt2 = Make(resumed);
        var sched2 = new StepLR(opt2, stepSize: 2, gamma: 0.5);
        var lm = SafeTensors.Load(dir.File("model.safetensors"));
        var lo = SafeTensors.Load(dir.File("optim.safetensors"));
        var ls = SafeTensors.Load(dir.File("sched.safetensors"));
        resumed.LoadStateDict(lm);
        opt2.LoadStateDict(lo);
        sched2.LoadStateDict(ls);
        DisposeAll(lm); DisposeAll(lo); DisposeAll(ls);
        Assert.Equal(3, sched2.LastEpoch);
        TrainSteps(resumed, opt2, sched2, 3, 3);

        foreach (var ((name, a), (_, b)) in reference.NamedParameters().Zip(resumed.NamedParameters()))
            Assert.True(a.Data.ToArray<float>().SequenceEqual(b.Data.ToArray<float>()), $"parameter {name} differs after resuming");
        Assert.Equal(refSched.GetLastLr(), sched2.GetLastLr());
        Assert.Equal(refOpt.ParamGroups[0].Lr, opt2.ParamGroups[0].Lr);
    }

    [Fact]
    public void StateDictHasTorchStyleKeys()
    {
        using var p = Param(1, DType.F32, 2, 3);
        using var q = Param(2, DType.F32, 4);
        using var opt = new Adam([new ParamGroup([p]), new ParamGroup([q], lr: 0.5)], amsgrad: true);
        SetGrad(p, 3);
        opt.Step();
        opt.Step();
        var d = opt.StateDict();
        try
        {
            Assert.Equal(2.0, d["state.0.step"].ItemAsDouble());
            Assert.Equal(new Shape(2, 3), d["state.0.exp_avg"].Shape);
            Assert.True(d.ContainsKey("state.0.exp_avg_sq"));
            Assert.True(d.ContainsKey("state.0.max_exp_avg_sq"));
            Assert.DoesNotContain(d.Keys, k => k.StartsWith("state.1.", StringComparison.Ordinal)); // q never had a gradient
            Assert.Equal(0.001, d["param_groups.0.lr"].ItemAsDouble());
            Assert.Equal(0.5, d["param_groups.1.lr"].ItemAsDouble());
            Assert.Equal(1.0, d["param_groups.1.amsgrad"].ItemAsDouble());
            Assert.Equal(new long[] { 1 }, d["param_groups.1.params"].ToArray<long>());
            Assert.Equal(DType.F64, d["param_groups.0.beta2"].DType);
        }
        finally { DisposeAll(d); }
    }

    [Fact]
    public void LoadStateDictRejectsMismatchedLayouts()
    {
        using var p = Param(1, DType.F32, 2);
        using var q = Param(2, DType.F32, 3);
        using var a = new SGD([p], momentum: 0.9);
        SetGrad(p, 4);
        a.Step();
        var d = a.StateDict();
        try
        {
            using var two = new SGD([new ParamGroup([p]), new ParamGroup([q])], momentum: 0.9);
            Assert.Contains("1 parameter groups", Assert.Throws<ModelFormatException>(() => two.LoadStateDict(d)).Message);
            using var other = new SGD([q], momentum: 0.9);
            var e = Assert.Throws<ShapeMismatchException>(() => other.LoadStateDict(d));
            Assert.Contains("state.0.momentum_buffer", e.Message);
        }
        finally { DisposeAll(d); }
    }

    [Fact]
    public void StepsAndStateDictsDoNotLeak()
    {
        using var p = Param(1, DType.F32, 16, 16);
        long before;
        using (var opt = new AdamW([p], amsgrad: true))
        {
            SetGrad(p, 2);
            opt.Step();
            before = TestSupport.PoolBytesInUseNow();
            for (int i = 0; i < 5; i++) opt.Step();
            Assert.Equal(before, TestSupport.PoolBytesInUseNow());
            DisposeAll(opt.StateDict());
            Assert.Equal(before, TestSupport.PoolBytesInUseNow());
            p.ZeroGrad();
        }
    }
}
