namespace DeepSeek.NN.Tests.Checkpointing;

using DeepSeek.Autograd;
using DeepSeek.NN.Checkpointing;
using Xunit.Abstractions;

/// <summary>Gradient checkpointing: same gradients as plain backward, much lower peak memory.</summary>
[Collection("Pool")]
public sealed class CheckpointTests(ITestOutputHelper output)
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Linear _fc;
        public Block(int width, ulong seed) => _fc = RegisterModule("fc", new Linear(width, width, generator: new Generator(seed)));
        protected override Tensor OnForward(Tensor x) => _fc.Forward(x).Tanh();
    }

    private static List<Block> Mlp(int depth, int width) => Enumerable.Range(0, depth).Select(i => new Block(width, 100 + (ulong)i)).ToList();

    private static Tensor Forward(List<Block> blocks, Tensor x, bool checkpoint)
    {
        var h = x;
        foreach (var b in blocks) h = checkpoint ? Checkpoint.Run(b, h) : b.Forward(h);
        return h;
    }

    private static (List<float[]> ParamGrads, float[] InputGrad) Grads(List<Block> blocks, Tensor x, bool checkpoint)
    {
        foreach (var b in blocks) b.ZeroGrad();
        x.ZeroGrad();
        using (Tensor.NewScope()) Forward(blocks, x, checkpoint).Square().Sum().Backward();
        return (blocks.SelectMany(b => b.Parameters()).Select(p => p.Grad!.ToArray<float>()).ToList(), x.Grad!.ToArray<float>());
    }

    [Fact]
    public void GradientsMatchPlainBackwardOnADeepMlp()
    {
        var blocks = Mlp(12, 32);
        try
        {
            using var x = Tensor.RandN(new Shape(8, 32), new Generator(1)).RequireGrad();
            var (plainP, plainX) = Grads(blocks, x, checkpoint: false);
            var (ckP, ckX) = Grads(blocks, x, checkpoint: true);
            Assert.Equal(24, ckP.Count);
            for (int i = 0; i < plainP.Count; i++)
                TestSupport.AssertClose(plainP[i].Select(v => (double)v).ToArray(), ckP[i].Select(v => (double)v).ToArray(), 1e-6, 1e-6);
            TestSupport.AssertClose(plainX.Select(v => (double)v).ToArray(), ckX.Select(v => (double)v).ToArray(), 1e-6, 1e-6);
        }
        finally { foreach (var b in blocks) b.Dispose(); }
    }

    [Fact]
    public void InputWithoutGradStillGivesParameterGradients()
    {
        var blocks = Mlp(2, 8);
        try
        {
            using var x = Tensor.RandN(new Shape(4, 8), new Generator(2)); // data: no grad
            using (Tensor.NewScope()) Forward(blocks, x, false).Sum().Backward();
            var plain = blocks[0].Parameters().First().Grad!.ToArray<float>();
            foreach (var b in blocks) b.ZeroGrad();
            using (Tensor.NewScope()) Forward(blocks, x, true).Sum().Backward();
            Assert.Equal(plain, blocks[0].Parameters().First().Grad!.ToArray<float>());
        }
        finally { foreach (var b in blocks) b.Dispose(); }
    }

    [Fact]
    public void FunctionOverloadAndNoGradMode()
    {
        using var w = Tensor.RandN(new Shape(5), new Generator(3)).RequireGrad();
        using var x = Tensor.RandN(new Shape(5), new Generator(4)).RequireGrad();
        Tensor F(Tensor v) => (v * w).Sin() * v;
        using (Tensor.NewScope())
        {
            var y = Checkpoint.Run(F, x);
            Assert.Equal("CheckpointBackward", y.GradFn!.Name);
            y.Sum().Backward();
        }
        var gw = w.Grad!.ToArray<float>();
        var gx = x.Grad!.ToArray<float>();
        w.ZeroGrad(); x.ZeroGrad();
        using (Tensor.NewScope()) F(x).Sum().Backward();
        Assert.Equal(w.Grad!.ToArray<float>(), gw);
        Assert.Equal(x.Grad!.ToArray<float>(), gx);

        using (Tensor.NoGrad())
        using (Tensor.NewScope())
            Assert.Null(Checkpoint.Run(F, x).GradFn);
    }

    [Fact]
    public void InPlaceChangeOfTheInputIsCaught()
    {
        using var w = Tensor.RandN(new Shape(3), new Generator(5)).RequireGrad();
        using var x = Tensor.RandN(new Shape(3), new Generator(6));
        using var scope = Tensor.NewScope();
        var y = Checkpoint.Run(v => v * w, x, [w]);
        x.AddInPlace(1.0);
        var e = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("CheckpointBackward", e.Message);
    }

    [Fact]
    public void AttachRejectsTensorsAlreadyInTheGraph()
    {
        using var a = Tensor.RandN(new Shape(2), new Generator(7)).RequireGrad();
        using var scope = Tensor.NewScope();
        var b = a * 2.0;
        var node = new ProbeNode(a);
        Assert.Contains("grad_fn", Assert.Throws<InvalidOperationException>(() => CustomFunction.Attach(b, node)).Message);
        Assert.Contains("leaf", Assert.Throws<InvalidOperationException>(() => CustomFunction.Attach(a, node)).Message);
        using var i = Tensor.Zeros(new Shape(2), DType.I32);
        Assert.Throws<DTypeMismatchException>(() => CustomFunction.Attach(i, node));
        var c = CustomFunction.Attach(Tensor.Ones(new Shape(2)), node);
        c.Sum().Backward();
        Assert.Equal(new float[] { 3, 3 }, a.Grad!.ToArray<float>());
    }

    private sealed class ProbeNode(Tensor input) : GradNode(input)
    {
        protected override Tensor?[] Backward(Tensor gradOutput) => [gradOutput * 3.0];
    }

    [Fact]
    public void PeakMemoryDropsWithCheckpointing()
    {
        var blocks = Mlp(12, 256);
        var pool = Backends.BackendRegistry.Get(Device.Cpu).Pool;
        try
        {
            using var x = Tensor.RandN(new Shape(256, 256), new Generator(8)).RequireGrad();
            long Peak(bool checkpoint)
            {
                foreach (var b in blocks) b.ZeroGrad();
                x.ZeroGrad();
                long baseline = TestSupport.PoolBytesInUse();
                pool.ResetPeak();
                using (Tensor.NewScope()) Forward(blocks, x, checkpoint).Square().Sum().Backward();
                return pool.Statistics.PeakBytesInUse - baseline;
            }
            Peak(false); // warm up
            long plain = Peak(false);
            long ck = Peak(true);
            output.WriteLine($"12 × (Linear(256, 256) + Tanh), batch 256, F32: peak pool bytes above baseline during forward+backward: plain {plain / 1024} KiB, checkpointed {ck / 1024} KiB ({100.0 * ck / plain:F0}%)");
            Assert.True(ck < plain * 0.6, $"checkpointed peak {ck} B is not well below plain {plain} B");
        }
        finally
        {
            ZeroGrads(blocks);
            foreach (var b in blocks) b.Dispose();
        }
    }

    private static void ZeroGrads(List<Block> blocks)
    {
        foreach (var b in blocks) b.ZeroGrad();
    }
}
