using DeepSeek.Backends.Cpu;

namespace DeepSeek.Tests.Autograd;

public sealed class EngineTests
{
    [Fact]
    public void HandComputedChainRule()
    {
        // y = (x·w + b)² summed; dy/dw = 2(xw+b)x, dy/db = 2(xw+b)
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 });
        using var w = Tensor.FromArray(new[] { 3.0, -1.0 }).RequireGrad();
        using var b = Tensor.FromArray(new[] { 0.5 }).RequireGrad();
        using var y = (x * w + b).Square().Sum();
        y.Backward();
        // x·w + b = [3.5, -1.5]
        Assert.Equal(new[] { 7.0, -6.0 }, w.Grad!.ToArray<double>());
        Assert.Equal(new[] { 4.0 }, b.Grad!.ToArray<double>());
        Assert.Null(x.Grad);
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
    }

    [Fact]
    public void DiamondGraphSumsBothPaths()
    {
        using var x = Tensor.FromArray(new[] { 2.0 }).RequireGrad();
        using var a = x * 3.0;
        using var y = (a * a + a.Exp()).Sum();
        y.Backward();
        Assert.Equal(2 * 6.0 * 3 + 3 * Math.Exp(6), x.Grad!.Item<double>(), 9);
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        for (int i = 0; i < 3; i++)
        {
            using var y = (x * x).Sum();
            y.Backward();
        }
        Assert.Equal(new[] { 6.0, 12.0 }, x.Grad!.ToArray<double>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void SecondBackwardNeedsRetainGraph()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        using var y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", ex.Message);
        TestUtil.AssertClose(new[] { 4 * Math.E, 6 * Math.Exp(2) }, x.Grad!.ToDoubleArray(), 1e-12, 1e-12);
    }

    [Fact]
    public void NoGradAndDetachStopRecording()
    {
        using var x = Tensor.FromArray(new[] { 1.0 }).RequireGrad();
        using (Tensor.NoGrad())
        {
            using var y = x * 2.0;
            Assert.False(y.RequiresGrad);
            using (Tensor.EnableGrad())
            {
                using var z = x * 2.0;
                Assert.True(z.RequiresGrad);
            }
        }
        using var d = x.Detach();
        Assert.False(d.RequiresGrad);
        using var w = d * 2.0;
        Assert.False(w.RequiresGrad);
        var ex = Assert.Throws<InvalidOperationException>(() => w.Sum().Backward());
        Assert.Contains("does not require grad", ex.Message);
    }

    [Fact]
    public void DefineByRunFollowsDataDependentBranches()
    {
        double Grad(double v)
        {
            using var x = Tensor.FromArray(new[] { v }).RequireGrad();
            using var m = x.Mean();
            using var y = m.Item<double>() > 0 ? (x * x).Sum() : (x * -3.0).Sum();
            y.Backward();
            return x.Grad!.Item<double>();
        }
        Assert.Equal(4.0, Grad(2.0));
        Assert.Equal(-3.0, Grad(-2.0));
    }

    [Fact]
    public void HooksSeeAndReplaceGradients()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        Tensor? seen = null;
        x.RegisterHook(g => { seen = g.Clone().DetachFromScope(); return g * 10.0; });
        using var h = x * 3.0;
        h.RetainGrad();
        using var y = h.Sum();
        y.Backward();
        Assert.Equal(new[] { 3.0, 3.0 }, seen!.ToArray<double>());
        Assert.Equal(new[] { 30.0, 30.0 }, x.Grad!.ToArray<double>());
        Assert.Equal(new[] { 1.0, 1.0 }, h.Grad!.ToArray<double>());
        seen.Dispose();
    }

    [Fact]
    public void InPlaceOnGradLeafIsRefusedUnlessNoGrad()
    {
        using var w = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        var ex = Assert.Throws<InvalidOperationException>(() => w.AddInPlace(1.0));
        Assert.Contains("AddInPlace", ex.Message);
        using (Tensor.NoGrad()) w.AddInPlace(1.0);
        Assert.Equal(new[] { 2.0, 3.0 }, w.ToArray<double>());
    }

    [Fact]
    public void ModifyingASavedTensorInPlaceIsCaughtAtBackward()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0 }).RequireGrad();
        using var c = Tensor.FromArray(new[] { 3.0, 4.0 });
        using var y = (x * c).Sum();
        c.AddInPlace(1.0);
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("modified in place", ex.Message);
    }

    [Fact]
    public void RequiresGradRulesAreChecked()
    {
        using var i = Tensor.Zeros(new Shape(2), DType.I64);
        Assert.Throws<DTypeMismatchException>(() => i.RequiresGrad = true);
        using var x = Tensor.Ones(2).RequireGrad();
        using var y = x * 2.0;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.Throws<ShapeMismatchException>(() => y.Backward());
        using var g = Tensor.Ones(3);
        Assert.Throws<ShapeMismatchException>(() => y.Backward(g));
    }

    [Fact]
    public void ExplicitOutputGradient()
    {
        using var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).RequireGrad();
        using var y = x * x;
        using var g = Tensor.FromArray(new[] { 1.0, 0.0, -1.0 });
        y.Backward(g);
        Assert.Equal(new[] { 2.0, 0.0, -6.0 }, x.Grad!.ToArray<double>());
    }
}

[Collection("GlobalState")]
public sealed class AutogradMemoryTests
{
    [Fact]
    public void BackwardFreesSavedActivationsAndScopesFreeTheRest()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var w = Tensor.RandN(new Shape(64, 64), new Generator(1)).RequireGrad();
        using (Tensor.NewScope())
        {
            var warm = (w.Tanh() * w).Sum();
            warm.Backward();
        }
        w.ZeroGrad();
        TestUtil.SettleFinalizers();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        for (int i = 0; i < 200; i++)
        {
            using (Tensor.NewScope())
            {
                var y = ((w * 2.0).Tanh() * w).Exp().Mean();
                y.Backward();
            }
            w.ZeroGrad();
        }
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }

    [Fact]
    public void ForwardWithoutBackwardFreesSavedTensorsWhenOutputsAreDisposed()
    {
        TestUtil.SettleFinalizers();
        using var w = Tensor.RandN(new Shape(32, 32), new Generator(2)).RequireGrad();
        using var x = Tensor.RandN(new Shape(8, 32), new Generator(3));
        using (Tensor.NewScope()) _ = x.MatMul(w).Tanh().Exp().Sum();
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        for (int i = 0; i < 100; i++)
        {
            using (Tensor.NewScope()) _ = x.MatMul(w).Tanh().Exp().Sum(); // recorded, never backpropagated
        }
        // no GC here: the graph is released by reference counting when the scope disposes its tensors
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }

    [Fact]
    public void DisposingAnIntermediateKeepsTheGraphOfLaterOutputs()
    {
        using var w = Tensor.FromArray(new[] { 2.0 }).RequireGrad();
        var h = w * 3.0;
        using var y = (h * h).Sum();
        h.Dispose();
        y.Backward();
        Assert.Equal(36.0, w.Grad!.Item<double>()); // d/dw (3w)² = 18w
    }
}
