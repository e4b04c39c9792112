using DeepSeek.Backends;
using static DeepSeek.Graph.Tests.Ops.Nn.NnTest;

namespace DeepSeek.Graph.Tests.Ops.Nn;

using Shape = DeepSeek.Shape;

[Collection("Pool")]
public sealed class NnMemoryTests
{
    private static void RunAll(Tensor x4, Tensor w, Tensor x3)
    {
        foreach (var t in Run("Conv", 11, [x4, w], [("pads", new[] { 0, 1, 1, 0 })])) t.Dispose();
        foreach (var t in Run("MaxPool", 12, [x4], [("kernel_shape", new[] { 2, 2 }), ("ceil_mode", 1)], outputs: 2)) t.Dispose();
        foreach (var t in Run("AveragePool", 19, [x4], [("kernel_shape", new[] { 3, 2 }), ("pads", new[] { 1, 0, 0, 1 })])) t.Dispose();
        foreach (var t in Run("LayerNormalization", 17, [x3, Tensor.Ones(5)], outputs: 3)) t.Dispose();
        foreach (var t in Run("ReduceLogSumExp", 13, [x3], [("axes", new[] { 1 })])) t.Dispose();
        foreach (var t in Run("Einsum", 12, [x3, x3], [("equation", "bij,bkj->bik")])) t.Dispose();
        foreach (var t in Run("Attention", 23, [x4, x4, x4], [("is_causal", 1)])) t.Dispose();
    }

    [Fact]
    public void KernelsReturnEveryTemporaryToThePool()
    {
        using var x4 = RandN(90, 1, 2, 6, 6);
        using var w = RandN(91, 3, 2, 3, 3);
        using var x3 = RandN(92, 2, 4, 5);
        RunAll(x4, w, x3);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
        for (int i = 0; i < 3; i++) RunAll(x4, w, x3);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse);
    }
}
