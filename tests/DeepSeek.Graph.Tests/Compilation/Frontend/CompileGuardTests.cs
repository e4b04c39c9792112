using DeepSeek.Graph.Compilation;
using static DeepSeek.Graph.Tests.Compilation.Frontend.FrontendTestUtil;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

public sealed class CompileGuardTests
{
    // The seeds' example: Python-style control flow on a reduction of the input.
    private static Tensor[] BranchOnMean(Tensor[] xs)
    {
        using var mean = xs[0].Mean();
        using var above = mean.Gt(0.5);
        return above.Item<bool>() ? [xs[0] * 2.0] : [xs[0] - 1.0];
    }

    [Fact]
    public void BranchOnMeanThresholdTracesOncePerBranchThenOnlyHitsTheCache()
    {
        using var f = Compiler.Compile(BranchOnMean);
        var inputs = new[] { WithMean(2, 1), WithMean(-2, 2), WithMean(3, 3), WithMean(-1, 4), WithMean(1, 5), WithMean(-3, 6) };
        try
        {
            foreach (var x in inputs)
            {
                using var eager = BranchOnMean([x])[0];
                using var y = f.Run(x)[0];
                AssertClose(eager, y);
            }
            var s = f.Stats;
            Assert.Equal(2, s.Traces);
            Assert.Equal(6, s.Calls);
            Assert.Equal(4, s.Hits);
            Assert.Equal(0, s.EagerFallbacks);
            Assert.Equal(2, s.Variants);

            var before = f.Stats;
            foreach (var x in inputs) f.Run(x)[0].Dispose();
            var after = f.Stats;
            Assert.Equal(before.Traces, after.Traces);
            Assert.Equal(before.Hits + inputs.Length, after.Hits);
        }
        finally
        {
            foreach (var x in inputs) x.Dispose();
        }
    }

    [Fact]
    public void AGuardFailureTriesTheOtherVariantBeforeTracing()
    {
        using var f = Compiler.Compile(BranchOnMean);
        using var hi = WithMean(2, 7);
        using var lo = WithMean(-2, 8);
        f.Run(hi)[0].Dispose(); // trace 1 (then-branch)
        f.Run(lo)[0].Dispose(); // variant 1 fails its guard → trace 2
        Assert.Equal(1, f.Stats.GuardFailures);
        f.Run(lo)[0].Dispose(); // variant 1 fails again, variant 2 hits
        Assert.Equal(2, f.Stats.GuardFailures);
        Assert.Equal(2, f.Stats.Traces);
        Assert.Equal(1, f.Stats.Hits);
    }

    // Reading the number rather than the decision guards on the exact number.
    private static Tensor[] BranchOnMeanValue(Tensor[] xs)
    {
        using var mean = xs[0].Mean();
        return mean.Item<float>() > 0.5f ? [xs[0] * 2.0] : [xs[0] - 1.0];
    }

    [Fact]
    public void AGuardOnAFloatValueSpecialisesToThatValue()
    {
        using var f = Compiler.Compile(BranchOnMeanValue);
        using var a = WithMean(2, 9);
        using var b = WithMean(2, 10);
        f.Run(a)[0].Dispose();
        f.Run(a)[0].Dispose();
        Assert.Equal((1L, 1L), (f.Stats.Traces, f.Stats.Hits));
        using var eager = BranchOnMeanValue([b])[0];
        using var y = f.Run(b)[0]; // same branch, different mean: the guard on the mean fails, a second variant is traced
        AssertClose(eager, y);
        Assert.Equal(2, f.Stats.Traces);
        Assert.Contains("read by Item == f32[]", f.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public void PastMaxVariantsTheFunctionRunsEagerlyAndCountsIt()
    {
        using var f = Compiler.Compile(BranchOnMeanValue, new CompileOptions { MaxVariants = 2 });
        var xs = Enumerable.Range(0, 4).Select(i => WithMean(i % 2 == 0 ? 1.5 : -1.5, 20 + (ulong)i)).ToArray();
        try
        {
            foreach (var x in xs)
            {
                using var eager = BranchOnMeanValue([x])[0];
                using var y = f.Run(x)[0];
                AssertClose(eager, y);
            }
            Assert.Equal(2, f.Stats.Traces);
            Assert.Equal(2, f.Stats.EagerFallbacks);
            Assert.Equal(2, f.Stats.Variants);
            f.Run(xs[0])[0].Dispose(); // the traced variants still serve their own inputs
            Assert.Equal(1, f.Stats.Hits);
        }
        finally
        {
            foreach (var x in xs) x.Dispose();
        }
    }

    [Fact]
    public void MaxVariantsZeroAlwaysRunsEagerlyAndNeverReturnsAnInputItself()
    {
        using var f = Compiler.Compile(xs => [xs[0]], new CompileOptions { MaxVariants = 0 });
        using var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        var y = f.Run(x)[0];
        Assert.NotSame(x, y);
        y.Dispose();
        Assert.False(x.IsDisposed);
        Assert.Equal(new[] { 1f, 2f }, x.ToArray<float>());
        Assert.Equal((0L, 1L), (f.Stats.Traces, f.Stats.EagerFallbacks));
    }

    [Fact]
    public void EachInputSignatureGetsItsOwnVariant()
    {
        using var f = Compiler.Compile(xs => [xs[0].Relu()]);
        using var a = Tensor.RandN(new Shape(2, 3), new Generator(30));
        using var b = Tensor.RandN(new Shape(5, 3), new Generator(31));
        using var c = Tensor.RandN(new Shape(2, 3), new Generator(32));
        using var d = a.To(DType.F64);
        foreach (var x in new[] { a, b, c, d })
        {
            using var eager = x.Relu();
            using var y = f.Run(x)[0];
            AssertClose(eager, y);
        }
        Assert.Equal(3, f.Stats.Traces); // f32[2,3], f32[5,3], f64[2,3]
        Assert.Equal(1, f.Stats.Hits);
        Assert.Equal(0, f.Stats.GuardFailures); // no host reads, no value guards
    }

    [Fact]
    public void AGuardOnTheMatMulUnderALinearKeepsTheMatMulInTheGuardGraph()
    {
        using var w = Tensor.RandN(new Shape(2, 3), new Generator(33));
        using var bias = Tensor.FromArray(new[] { 100f, -100f }, 2);
        Tensor[] F(Tensor[] xs)
        {
            using var wt = w.T;
            using var m = xs[0].MatMul(wt);
            bool first = m.ToArray<float>()[0] > 0; // the guard reads m itself, not m + bias
            using var y = m + bias;
            return [first ? y.Relu() : y.Neg()];
        }
        using var f = Compiler.Compile(F);
        using var x = Tensor.RandN(new Shape(4, 3), new Generator(34));
        using var eager = F([x])[0];
        using var y = f.Run(x)[0];
        AssertClose(eager, y, 1e-5);
        var dump = f.Dump();
        Assert.DoesNotContain("eager code saw", dump, StringComparison.Ordinal); // the guard graph recomputes exactly what was read
        f.Run(x)[0].Dispose();
        Assert.Equal((1L, 1L), (f.Stats.Traces, f.Stats.Hits));
    }

    [Fact]
    public void ReadingBackATensorAnUntraceableOpMadeIsRejected()
    {
        using var f = Compiler.Compile(xs =>
        {
            using var c = xs[0].CumSum(0);
            return c.ToArray<float>()[0] > 0 ? [xs[0].Relu()] : [xs[0].Neg()];
        });
        using var x = Tensor.RandN(new Shape(3), new Generator(35));
        var e = Assert.Throws<UnsupportedOperatorException>(() => f.Run(x));
        Assert.Contains("ToArray reads back to the host", e.Message, StringComparison.Ordinal);
        // plain tracing (export) specialises on host reads without guarding them, as torch.jit.trace does
        using var g = Tracer.Trace(xs =>
        {
            using var c = xs[0].CumSum(0);
            return c.ToArray<float>()[0] > 0 ? [xs[0].Relu()] : [xs[0].Neg()];
        }, new TraceOptions(), x);
        Assert.Contains(g.Nodes, n => n.OpType is "Relu" or "Neg");
    }

    [Fact]
    public void HostReadsOfParametersAreNotGuards()
    {
        using var scale = Tensor.Scalar(3.0);
        using var f = Compiler.Compile(xs => [xs[0] * scale.ItemAsDouble()]);
        using var x = Tensor.RandN(new Shape(3), new Generator(36));
        f.Run(x)[0].Dispose();
        f.Run(x)[0].Dispose();
        Assert.Equal((1L, 1L, 0L), (f.Stats.Traces, f.Stats.Hits, f.Stats.GuardFailures));
        Assert.DoesNotContain("guard graph:", f.Dump(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnOutputThatIsAnInputComesBackAsAViewTheCallerMayDispose()
    {
        using var f = Compiler.Compile(xs => [xs[0], xs[0].Relu()]);
        using var x = Tensor.FromArray(new[] { -1f, 2f }, 2);
        var ys = f.Run(x);
        Assert.NotSame(x, ys[0]);
        foreach (var y in ys) y.Dispose();
        Assert.False(x.IsDisposed);
        Assert.Equal(new[] { -1f, 2f }, x.ToArray<float>());
    }

    [Fact]
    public void ConcurrentCallsShareVariantsAndMatchEager()
    {
        using var f = Compiler.Compile(BranchOnMean);
        var xs = Enumerable.Range(0, 8).Select(i => WithMean(i % 2 == 0 ? 2 : -2, 80 + (ulong)i)).ToArray();
        var expected = xs.Select(x => BranchOnMean([x])[0]).ToArray();
        try
        {
            Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                using var y = f.Run(xs[i % xs.Length])[0];
                AssertClose(expected[i % xs.Length], y);
            });
            Assert.Equal(2, f.Stats.Traces);
            Assert.Equal(64, f.Stats.Calls);
            Assert.Equal(62, f.Stats.Hits);
        }
        finally
        {
            foreach (var t in xs.Concat(expected)) t.Dispose();
        }
    }

    [Theory]
    [InlineData("Item")]
    [InlineData("ItemAsDouble")]
    [InlineData("ToArray")]
    [InlineData("CopyTo")]
    [InlineData("ToDoubleArray")]
    public void EveryHostReadMethodIsAGuardButPrintingIsNot(string method)
    {
        using var f = Compiler.Compile(xs =>
        {
            using var s = xs[0].Sum();
            _ = s.ToString(); // printing reads the value too, but steers nothing
            double v = method switch
            {
                "Item" => s.Item<float>(),
                "ItemAsDouble" => s.ItemAsDouble(),
                "ToArray" => s.ToArray<float>()[0],
                "CopyTo" => CopyOut(s),
                _ => s.ToDoubleArray()[0],
            };
            return [v > 0 ? xs[0].Relu() : xs[0].Neg()];
        });
        using var x = Tensor.FromArray(new[] { 1f, 2f }, 2);
        f.Run(x)[0].Dispose();
        var dump = f.Dump();
        Assert.Equal(1, dump.Split("read by").Length - 1);
        Assert.Contains($"read by {method} == f32[] [3]", dump, StringComparison.Ordinal);
    }

    private static double CopyOut(Tensor t)
    {
        Span<float> buffer = stackalloc float[1];
        t.CopyTo(buffer);
        return buffer[0];
    }
}
