using DeepSeek.Backends.Cpu;
using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Tests.Elementwise;

/// <summary>Fused kernel under other SIMD levels and thread counts (process-wide settings, so run alone).</summary>
[Collection("GlobalState")]
public class FusedKernelGlobalStateTests
{
    private const string Chain = "t0=mul x0 x1; t1=add t0 c0; t2=gelu t1; t3=tanh t2; t4=hardswish t3; t5=max t4 c1; y0=div t5 x1";

    private static double Reference(double a, double b)
    {
        double t = a * b + 0.5;
        t = 0.5 * t * (1 + Ref.Erf(t / Math.Sqrt(2)));
        t = Math.Tanh(t);
        t = t * Math.Clamp(t + 3, 0, 6) / 6;
        return Math.Max(t, -0.25) / b;
    }

    public static TheoryData<SimdLevel> Levels() => SimdPathTests.Levels();

    [Theory]
    [MemberData(nameof(Levels))]
    public void EverySimdLevelMatchesTheReference(SimdLevel level)
    {
        var saved = SimdInfo.Level;
        try
        {
            SimdInfo.Level = level;
            using var scope = Tensor.NewScope();
            var a = Tensor.FromDoubles(Ref.Values(3001, 1), new Shape(3001));
            var b = Tensor.FromDoubles(Ref.Values(3001, 2).Select(v => Math.Abs(v) + 0.5).ToArray(), new Shape(3001));
            var y = FusedKernel.Evaluate(FusedProgram.Parse(Chain, [0.5f, -0.25f]), a, b)[0];
            var av = a.ToDoubleArray();
            var bv = b.ToDoubleArray();
            TestUtil.AssertClose(y, av.Select((v, i) => Reference(v, bv[i])).ToArray(), 1e-5, 1e-6);
        }
        finally
        {
            SimdInfo.Level = saved;
        }
    }

    [Fact]
    public void ParallelBlocksGiveTheSerialResultExactly()
    {
        int saved = DeepSeekOptions.Threads;
        try
        {
            using var scope = Tensor.NewScope();
            var program = FusedProgram.Parse(Chain, [0.5f, -0.25f]);
            var a = Tensor.RandN(new Shape(64, 3, 1000), new Generator(3));
            var b = Tensor.Rand(new Shape(3, 1), new Generator(4), 0.5, 2);
            DeepSeekOptions.Threads = 1;
            var serial = FusedKernel.Evaluate(program, a, b)[0].ToArray<float>();
            DeepSeekOptions.Threads = 4;
            var parallel = FusedKernel.Evaluate(program, a, b)[0].ToArray<float>();
            Assert.Equal(serial, parallel);
        }
        finally
        {
            DeepSeekOptions.Threads = saved;
        }
    }
}
