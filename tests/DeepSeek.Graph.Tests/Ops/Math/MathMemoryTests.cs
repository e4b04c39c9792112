using DeepSeek.Backends;
using static DeepSeek.Graph.Tests.Ops.MathFamily.MathTestUtil;

namespace DeepSeek.Graph.Tests.Ops.MathFamily;

using Shape = DeepSeek.Shape;  // the sibling namespace DeepSeek.Graph.Tests.Ops.Shape would hide the type

[Collection("Pool")]
public sealed class MathMemoryTests
{
    [Fact]
    public void ComposedKernelsLeaveNoPoolBytesBehind()
    {
        using var x = Tensor.Rand(new Shape(8, 5), new Generator(21), -0.9, 0.9);
        using var xh = x.To(DType.F16);
        using var i = Tensor.RandInt(-100, 100, new Shape(8, 5), new Generator(22), DType.I32);
        using var u = Tensor.RandInt(0, 255, new Shape(5), new Generator(23), DType.U8);
        using var s = Tensor.FromArray(new byte[] { 1, 2, 3, 4, 5 });
        using var lo = Tensor.Scalar(-0.5f);
        void RunAll()
        {
            foreach (var op in new[] { "Atan", "Asin", "Acos", "Asinh", "Atanh", "Tan", "Sinh", "Cosh" })
            {
                Run(op, 9, [x]).Dispose();
                Run(op, 9, [xh]).Dispose();
            }
            foreach (var op in new[] { "Mish", "Softplus", "Elu", "Celu", "Selu", "Shrink", "Softsign" })
                Run(op, 18, [xh]).Dispose();
            Run("BitwiseXor", 18, [i, i]).Dispose();
            Run("BitShift", 11, [u, s], Attr("direction", "RIGHT")).Dispose();
            Run("Mean", 13, [xh, xh, xh]).Dispose();
            Run("Clip", 13, [x, lo]).Dispose();
            Run("Pow", 15, [i, x]).Dispose();
        }
        RunAll();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse;
        RunAll();
        RunAll();
        Assert.Equal(before, BackendRegistry.Get(Device.Cpu).Pool.Statistics.BytesInUse);
    }
}
