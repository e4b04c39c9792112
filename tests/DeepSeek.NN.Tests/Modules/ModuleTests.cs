using DeepSeek.Backends;

namespace DeepSeek.NN.Tests.Modules;

public sealed class ModuleTests
{
    private sealed class TwoLayer : Module<Tensor, Tensor>
    {
        public readonly Linear Fc1, Fc2;
        public TwoLayer(Generator g)
        {
            Fc1 = RegisterModule("fc1", new Linear(4, 8, generator: g));
            Fc2 = RegisterModule("fc2", new Linear(8, 3, bias: false, generator: g));
            RegisterBuffer("steps", Tensor.Zeros(new Shape(1), DType.I64));
        }
        protected override Tensor OnForward(Tensor x) => Fc2.Forward(Fc1.Forward(x).Relu());
    }

    [Fact]
    public void NamesParametersBuffersAndModulesInRegistrationOrder()
    {
        using var m = new TwoLayer(new Generator(1));
        Assert.Equal(new[] { "fc1.weight", "fc1.bias", "fc2.weight" }, m.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "steps" }, m.NamedBuffers().Select(b => b.Name));
        Assert.Equal(new[] { "", "fc1", "fc2" }, m.NamedModules().Select(x => x.Name));
        Assert.Equal(4 * 8 + 8 + 8 * 3, m.ParameterCount());
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Contains("(fc1): Linear(in_features=4, out_features=8, bias=True)", m.ToString());
    }

    [Fact]
    public void LinearComputesXWtPlusB()
    {
        using var lin = new Linear(2, 2, generator: new Generator(3));
        using (Tensor.NoGrad())
        {
            lin.Weight.Data.CopyFrom(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2));
            lin.Bias!.Data.CopyFrom(Tensor.FromArray(new float[] { 0.5f, -1 }));
        }
        using var x = Tensor.FromArray(new float[] { 1, 1, 2, 0 }, 2, 2);
        using var y = lin.Forward(x);
        Assert.Equal(new float[] { 3.5f, 6, 2.5f, 5 }, y.ToArray<float>());
        var ex = Assert.Throws<ShapeMismatchException>(() => lin.Forward(Tensor.Zeros(2, 3)));
        Assert.Contains("Linear", ex.Message);
    }

    [Fact]
    public void TrainEvalPropagates()
    {
        using var m = new TwoLayer(new Generator(1));
        m.Eval();
        Assert.All(m.NamedModules(), x => Assert.False(x.Module.Training));
        m.Train();
        Assert.All(m.NamedModules(), x => Assert.True(x.Module.Training));
    }

    [Fact]
    public void StateDictRoundTripsAndStrictLoadingNamesBadKeys()
    {
        using var a = new TwoLayer(new Generator(1));
        using var b = new TwoLayer(new Generator(2));
        var sd = a.StateDict();
        Assert.Equal(new[] { "steps", "fc1.weight", "fc1.bias", "fc2.weight" }, sd.Keys); // PyTorch order: own members, then children
        b.LoadStateDict(sd);
        using var x = Tensor.RandN(new Shape(5, 4), new Generator(9));
        using var ya = a.Forward(x);
        using var yb = b.Forward(x);
        Assert.Equal(ya.ToArray<float>(), yb.ToArray<float>());

        var partial = new Dictionary<string, Tensor>(sd);
        partial.Remove("fc2.weight");
        partial["extra"] = Tensor.Zeros(1);
        var ex = Assert.Throws<ModelFormatException>(() => b.LoadStateDict(partial));
        Assert.Contains("fc2.weight", ex.Message);
        Assert.Contains("extra", ex.Message);
        b.LoadStateDict(partial, strict: false);

        var wrong = new Dictionary<string, Tensor>(sd) { ["fc1.bias"] = Tensor.Zeros(7) };
        var ex2 = Assert.Throws<ShapeMismatchException>(() => b.LoadStateDict(wrong));
        Assert.Contains("fc1.bias", ex2.Message);
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void StateDictLoadsAcrossDtypes()
    {
        using var a = new Linear(3, 2, generator: new Generator(5));
        using var b = new Linear(3, 2, generator: new Generator(6), dtype: DType.F64);
        var sd = a.StateDict();
        b.LoadStateDict(sd);
        TestClose(a.Weight.Data.ToDoubleArray(), b.Weight.Data.ToDoubleArray());
        foreach (var t in sd.Values) t.Dispose();
    }

    private static void TestClose(double[] e, double[] a)
    {
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 6);
    }

    [Fact]
    public void SequentialChainsAndNamesByIndex()
    {
        var g = new Generator(4);
        using var seq = new Sequential(new Linear(4, 6, generator: g), new Linear(6, 2, generator: g));
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias" }, seq.NamedParameters().Select(p => p.Name));
        using var x = Tensor.RandN(new Shape(3, 4), g);
        using var y = seq.Forward(x);
        Assert.Equal(new Shape(3, 2), y.Shape);
    }

    [Fact]
    public void ParameterDataCanBeReplaced()
    {
        using var p = new Parameter(Tensor.Zeros(3));
        var old = p.Data;
        p.Data = Tensor.Ones(5);
        Assert.True(old.IsDisposed);
        Assert.True(p.RequiresGrad);
        Assert.Equal(new Shape(5), p.Shape);
    }
}

[Collection("Pool")]
public sealed class ModuleMemoryTests
{
    [Fact]
    public void ForwardFreesItsIntermediatesAndKeepsTheOutput()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var pool = BackendRegistry.Get(Device.Cpu).Pool;
        using var seq = new Sequential(new Linear(16, 32, generator: new Generator(1)), new Linear(32, 4, generator: new Generator(2)));
        using var x = Tensor.RandN(new Shape(8, 16), new Generator(3));
        using (Tensor.NoGrad()) seq.Forward(x).Dispose();
        long before = pool.Statistics.BytesInUse;
        using (Tensor.NoGrad())
        {
            for (int i = 0; i < 100; i++)
            {
                using var y = seq.Forward(x);
                Assert.False(y.IsDisposed);
            }
        }
        Assert.Equal(before, pool.Statistics.BytesInUse);
    }
}
