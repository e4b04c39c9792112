using DeepSeek.Backends;
using static DeepSeek.Tests.NN.NNRef;

namespace DeepSeek.Tests.NN;

/// <summary>
/// Winograd F(4×4, 3×3) convolution (PackedWeights.ForConvWinograd, WinogradConv) against the direct double-precision
/// loop of <see cref="NNRef.Conv2d"/>. Error bound: the transforms' coefficients (up to 5 in Bᵀ, 8 in Aᵀ) amplify fp32
/// rounding, so F(4×4, 3×3) is accurate relative to the output's scale, not per element: typically ≤ 1e-5·max|y| (the
/// conv bench measures 3e-6…9e-6 for 32–512 channels); asserted as |y − ref| ≤ 1e-4·max|ref|. A wrong transform
/// coefficient is off by O(max|ref|).
/// </summary>
[Collection("GlobalState")]
public class WinogradConvTests
{
    private static void Check(int n, int cin, int h, int w, int cout, int pt, int pl, int pb, int pr, bool bias, bool residual, Epilogue e,
        int threads = 0, bool strided = false)
    {
        var p = new Conv2dParams(1, 1, pt, pl, pb, pr, 1, 1, 1);
        using var scope = Tensor.NewScope();
        var x = Randn(21, n, cin, h, w);
        if (strided) x = Randn(21, n, h, cin, w).Transpose(1, 2); // non-contiguous NCHW view
        var wt = Randn(22, cout, cin, 3, 3).Mul(0.3);
        var b = bias ? Randn(23, cout) : null;
        int oh = h + pt + pb - 2, ow = w + pl + pr - 2;
        var z = residual ? Randn(24, n, cout, oh, ow) : null;
        var expected = FusedConvTests.Reference(x, wt, b, z, p, e, out _, out _);
        double scale = expected.Max(Math.Abs);
        using var packed = PackedWeights.ForConvWinograd(wt);
        Assert.True(packed.IsWinograd);
        var y = Tensor.Empty(new Shape(n, cout, oh, ow));
        int saved = DeepSeekOptions.Threads;
        try
        {
            if (threads > 0) DeepSeekOptions.Threads = threads;
            x.Backend.Conv2d(x, packed, b, p, y, e.WithResidual(z));
        }
        finally
        {
            DeepSeekOptions.Threads = saved;
        }
        TestUtil.AssertClose(y, expected, 0, 1e-4 * scale);
    }

    // n, cin, h, w, cout, pad
    [Theory]
    [InlineData(1, 3, 5, 7, 4, 1)]
    [InlineData(1, 3, 5, 7, 4, 0)]
    [InlineData(2, 5, 13, 13, 7, 1)]
    [InlineData(2, 8, 14, 14, 16, 1)]
    [InlineData(1, 4, 56, 56, 6, 1)]
    [InlineData(2, 16, 9, 11, 20, 0)]
    [InlineData(1, 17, 3, 3, 33, 1)]
    [InlineData(3, 32, 28, 28, 40, 1)]
    public void MatchesDirectConvolution(int n, int cin, int h, int w, int cout, int pad)
    {
        Check(n, cin, h, w, cout, pad, pad, pad, pad, bias: false, residual: false, Epilogue.None);
        Check(n, cin, h, w, cout, pad, pad, pad, pad, bias: true, residual: true, Epilogue.Relu);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ThreadCountsAgree(int threads)
    {
        Check(1, 8, 14, 14, 16, 1, 1, 1, 1, true, false, Epilogue.Relu, threads);    // one block: shared phases
        Check(2, 8, 30, 27, 12, 1, 1, 1, 1, true, true, Epilogue.None, threads);     // many blocks: a block per thread
    }

    [Fact]
    public void AsymmetricAndWiderPaddingAndNonContiguousInput()
    {
        Check(2, 6, 10, 9, 5, 0, 2, 1, 0, true, true, Epilogue.None);
        Check(1, 6, 7, 12, 5, 2, 2, 2, 2, true, false, Epilogue.Relu);
        Check(2, 6, 11, 9, 5, 1, 1, 1, 1, true, true, Epilogue.Relu, strided: true);
    }

    [Fact]
    public void EveryActivationOfTheEpilogue()
    {
        foreach (var e in FusedConvTests.AllActivations) Check(1, 4, 9, 10, 6, 1, 1, 1, 1, true, true, e);
    }

    [Fact]
    public void MismatchedConvolutionThrowsNamingTheOpAndShapes()
    {
        using var scope = Tensor.NewScope();
        var wt = Randn(31, 8, 4, 3, 3);
        using var packed = PackedWeights.ForConvWinograd(wt);
        var x = Randn(32, 1, 4, 9, 9);
        var strided = new Conv2dParams(2, 2, 1, 1, 1, 1, 1, 1, 1);
        var ex = Assert.Throws<ArgumentException>(() => x.Backend.Conv2d(x, packed, null, strided, Tensor.Empty(new Shape(1, 8, 5, 5)), Epilogue.None));
        Assert.Contains("Conv2d", ex.Message);
        Assert.Contains("Winograd", ex.Message);
        Assert.Contains(x.Shape.ToString(), ex.Message);
        Assert.Contains(wt.Shape.ToString(), ex.Message);
        var dilated = new Conv2dParams(1, 1, 2, 2, 2, 2, 2, 2, 1);
        Assert.Throws<ArgumentException>(() => x.Backend.Conv2d(x, packed, null, dilated, Tensor.Empty(new Shape(1, 8, 9, 9)), Epilogue.None));
        var fiveByFive = Randn(33, 8, 4, 5, 5);
        var packEx = Assert.Throws<ShapeMismatchException>(() => PackedWeights.ForConvWinograd(fiveByFive));
        Assert.Contains("3x3", packEx.Message);
    }

    [Theory]
    [InlineData(1, 14)] // one block: the threads share its phases
    [InlineData(4, 30)] // many blocks: a block per thread
    public unsafe void SteadyStateRunsAllocateNothing(int n, int hw)
    {
        using var scope = Tensor.NewScope();
        var x = Randn(51, n, 16, hw, hw);
        var wt = Randn(52, 24, 16, 3, 3);
        var b = Randn(53, 24);
        var z = Randn(54, n, 24, hw, hw);
        var y = Tensor.Empty(new Shape(n, 24, hw, hw));
        using var packed = PackedWeights.ForConvWinograd(wt);
        var p = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var e = Epilogue.Relu.WithResidual(z);
        int saved = DeepSeekOptions.Threads;
        try
        {
            DeepSeekOptions.Threads = 2;
            void Run() => Backends.Cpu.Conv.WinogradConv.Run(x, packed.Group(0, "test"), packed.GroupFloats, packed.Config, b, p, y, z, e,
                "test", wt.Shape);
            for (int i = 0; i < 3; i++) Run();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Run();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            DeepSeekOptions.Threads = saved;
        }
    }

    [Fact]
    public void FactoryPicksWinogradOnlyForEligibleConvolutions()
    {
        using var scope = Tensor.NewScope();
        var w3 = Randn(41, 64, 64, 3, 3);
        var one = new Conv2dParams(1, 1, 1, 1, 1, 1, 1, 1, 1);
        var two = new Conv2dParams(2, 2, 1, 1, 1, 1, 1, 1, 1);
        using var strided = PackedWeights.ForConv(w3, two, 56, 56);
        Assert.False(strided.IsWinograd);
        using var grouped = PackedWeights.ForConv(Randn(42, 64, 32, 3, 3), one with { Groups = 2 }, 56, 56);
        Assert.False(grouped.IsWinograd);
        using var pointwise = PackedWeights.ForConv(Randn(43, 64, 64, 1, 1), one with { PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0 }, 56, 56);
        Assert.False(pointwise.IsWinograd);
        // whatever the heuristic picks for a ResNet layer, the result is the convolution
        using var chosen = PackedWeights.ForConv(w3, one, 56, 56);
        Assert.Equal(chosen.IsWinograd, Backends.Cpu.Conv.WinogradConv.Prefer(64, 64, 56, 56, 1));
        var x = Randn(44, 1, 64, 56, 56);
        var expected = FusedConvTests.Reference(x, w3, null, null, one, Epilogue.None, out _, out _);
        var y = Tensor.Empty(new Shape(1, 64, 56, 56));
        x.Backend.Conv2d(x, chosen, null, one, y, Epilogue.None);
        TestUtil.AssertClose(y, expected, 0, 1e-4 * expected.Max(Math.Abs));
    }
}
