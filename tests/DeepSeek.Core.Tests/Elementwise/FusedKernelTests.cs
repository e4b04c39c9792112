using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Tests.Elementwise;

/// <summary>The block-wise fused evaluator against double-precision scalar references.</summary>
public class FusedKernelTests
{
    private static readonly double Sqrt2OverPi = Math.Sqrt(2 / Math.PI);

    /// <summary>Per op: program, constants, input count, reference, input transform (to keep Log/Sqrt/Pow in their domain).</summary>
    public static TheoryData<string> OpNames() => new(Enum.GetValues<FusedOp>().Select(o => o.ToString()));

    private static (string Program, float[] Constants, Func<double[], double> Ref, Func<double, double> Domain) Case(FusedOp op) => op switch
    {
        FusedOp.Add => ("y0=add x0 x1", [], v => v[0] + v[1], x => x),
        FusedOp.Sub => ("y0=sub x0 x1", [], v => v[0] - v[1], x => x),
        FusedOp.Mul => ("y0=mul x0 x1", [], v => v[0] * v[1], x => x),
        FusedOp.Div => ("y0=div x0 x1", [], v => v[0] / v[1], x => x),
        FusedOp.Min => ("y0=min x0 x1", [], v => Math.Min(v[0], v[1]), x => x),
        FusedOp.Max => ("y0=max x0 x1", [], v => Math.Max(v[0], v[1]), x => x),
        FusedOp.Neg => ("y0=neg x0", [], v => -v[0], x => x),
        FusedOp.Abs => ("y0=abs x0", [], v => Math.Abs(v[0]), x => x),
        FusedOp.Relu => ("y0=relu x0", [], v => Math.Max(v[0], 0), x => x),
        FusedOp.LeakyRelu => ("y0=leakyrelu x0 c0", [0.1f], v => v[0] > 0 ? v[0] : v[0] * (double)0.1f, x => x),
        FusedOp.HardSigmoid => ("y0=hardsigmoid x0 c0 c1", [0.2f, 0.5f], v => Math.Clamp(v[0] * (double)0.2f + 0.5, 0, 1), x => x),
        FusedOp.HardSwish => ("y0=hardswish x0", [], v => v[0] * Math.Clamp(v[0] + 3, 0, 6) / 6, x => x),
        FusedOp.Sigmoid => ("y0=sigmoid x0", [], v => 1 / (1 + Math.Exp(-v[0])), x => x),
        FusedOp.Tanh => ("y0=tanh x0", [], v => Math.Tanh(v[0]), x => x),
        FusedOp.Exp => ("y0=exp x0", [], v => Math.Exp(v[0]), x => x),
        FusedOp.Log => ("y0=log x0", [], v => Math.Log(v[0]), x => Math.Abs(x) + 1e-3),
        FusedOp.Sqrt => ("y0=sqrt x0", [], v => Math.Sqrt(v[0]), Math.Abs),
        FusedOp.Reciprocal => ("y0=reciprocal x0", [], v => 1 / v[0], x => x),
        FusedOp.Pow => ("y0=pow x0 c0", [1.5f], v => Math.Pow(v[0], 1.5), Math.Abs),
        FusedOp.Erf => ("y0=erf x0", [], v => Ref.Erf(v[0]), x => x),
        FusedOp.Gelu => ("y0=gelu x0", [], v => 0.5 * v[0] * (1 + Ref.Erf(v[0] / Math.Sqrt(2))), x => x),
        FusedOp.GeluTanh => ("y0=gelu_tanh x0", [], v => 0.5 * v[0] * (1 + Math.Tanh(Sqrt2OverPi * (v[0] + 0.044715 * v[0] * v[0] * v[0]))), x => x),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static Tensor Data(Shape shape, ulong seed, Func<double, double>? f = null)
    {
        var v = Ref.Values((int)shape.Numel, seed);
        if (f is not null) v = v.Select(f).ToArray();
        return Tensor.FromDoubles(v, shape);
    }

    /// <summary>Reference: each input broadcast by Core's views (read as double), then the scalar function per element.</summary>
    private static double[] Reference(Shape outShape, Tensor[] inputs, Func<double[], double> f)
    {
        var cols = inputs.Select(t =>
        {
            using var v = t.BroadcastTo(outShape);
            return v.ToDoubleArray();
        }).ToArray();
        var r = new double[outShape.Numel];
        var args = new double[inputs.Length];
        for (int i = 0; i < r.Length; i++)
        {
            for (int j = 0; j < args.Length; j++) args[j] = cols[j][i];
            r[i] = f(args);
        }
        return r;
    }

    [Theory]
    [MemberData(nameof(OpNames))]
    public void EachOpMatchesItsScalarReference(string name)
    {
        using var scope = Tensor.NewScope();
        var op = Enum.Parse<FusedOp>(name);
        var (text, consts, f, domain) = Case(op);
        var program = FusedProgram.Parse(text, consts);
        foreach (int n in new[] { 1, 37, 1037, 5000 })
        {
            var inputs = Enumerable.Range(0, program.InputCount).Select(j => Data(new Shape(n), (ulong)(n + 31 * j), domain)).ToArray();
            var y = FusedKernel.Evaluate(program, inputs)[0];
            TestUtil.AssertClose(y, Reference(new Shape(n), inputs, f), 3e-6, 1e-6);
        }
    }

    [Theory]
    [InlineData(new[] { 3, 5, 7 }, new[] { 3, 5, 7 }, new[] { 3, 5, 7 })]      // same shape
    [InlineData(new[] { 2, 300 }, new int[0], new[] { 1 })]                     // scalars
    [InlineData(new[] { 2, 3, 5, 7 }, new[] { 3, 1, 1 }, new[] { 1, 3, 1, 1 })] // per-channel, short rows (whole-row blocks)
    [InlineData(new[] { 2, 3, 20, 20 }, new[] { 3, 1, 1 }, new[] { 3, 1, 1 })]  // per-channel, long rows (scalar per block)
    [InlineData(new[] { 4, 300 }, new[] { 300 }, new[] { 4, 1 })]               // bias along the last dim, long rows
    [InlineData(new[] { 40, 10 }, new[] { 10 }, new[] { 40, 1 })]               // bias along the last dim, short rows
    [InlineData(new[] { 7, 1 }, new[] { 1, 9 }, new[] { 9 })]                   // outer product
    [InlineData(new[] { 4 }, new[] { 3, 1 }, new[] { 1, 1, 1 })]               // rank grows
    [InlineData(new[] { 2, 3, 1300 }, new[] { 2, 1, 1300 }, new[] { 3, 1 })]    // rows split into several segments
    public void BroadcastCasesMatchTheReference(int[] a, int[] b, int[] c)
    {
        using var scope = Tensor.NewScope();
        var program = FusedProgram.Parse("t0=mul x0 x1; t1=add t0 x2; y0=tanh t1; y1=sub x0 x2");
        var inputs = new[] { Data(new Shape(a), 1), Data(new Shape(b), 2), Data(new Shape(c), 3) };
        var k = FusedKernel.Create(program, inputs);
        var shape = Shape.Broadcast(Shape.Broadcast(new Shape(a), new Shape(b), "t"), new Shape(c), "t");
        Assert.Equal(shape, k.OutputShape);
        var ys = FusedKernel.Evaluate(program, inputs);
        TestUtil.AssertClose(ys[0], Reference(shape, inputs, v => Math.Tanh(v[0] * v[1] + v[2])), 3e-6, 1e-6);
        TestUtil.AssertClose(ys[1], Reference(shape, inputs, v => v[0] - v[2]), 1e-7, 1e-7);
    }

    [Fact]
    public void StridedViewsAreReadThroughTheirStrides()
    {
        using var scope = Tensor.NewScope();
        var program = FusedProgram.Parse("t0=exp x1; y0=mul x0 t0");
        var x = Data(new Shape(300, 40), 5).Transpose(0, 1);   // [40, 300], strides (1, 40)
        var s = Data(new Shape(40, 1), 6);
        var prepared = FusedKernel.Create(program, [new Shape(40, 300), new Shape(40, 1)]); // planned contiguous
        var y = Tensor.Empty(new Shape(40, 300));
        prepared.Run([x, s], [y]);
        TestUtil.AssertClose(y, Reference(y.Shape, [x, s], v => v[0] * Math.Exp(v[1])), 3e-6, 1e-6);
        var y2 = FusedKernel.Evaluate(program, x, s)[0];
        Assert.Equal(y.ToArray<float>(), y2.ToArray<float>());
    }

    [Fact]
    public void UniformStepsFillOutputsAndFeedLaterSteps()
    {
        using var scope = Tensor.NewScope();
        // x1 is constant along each 512-long row, so y1 = exp(x1)·2 is one value per block, still a full output
        var program = FusedProgram.Parse("t0=exp x1; y1=mul t0 c0; y0=add x0 y1", [2f]);
        var x0 = Data(new Shape(3, 512), 8);
        var x1 = Data(new Shape(3, 1), 9);
        var ys = FusedKernel.Evaluate(program, x0, x1);
        TestUtil.AssertClose(ys[1], Reference(ys[1].Shape, [x0, x1], v => Math.Exp(v[1]) * 2), 3e-6, 1e-6);
        TestUtil.AssertClose(ys[0], Reference(ys[0].Shape, [x0, x1], v => v[0] + Math.Exp(v[1]) * 2), 3e-6, 1e-6);
    }

    [Fact]
    public void ManyTemporariesShareBlockBuffers()
    {
        using var scope = Tensor.NewScope();
        // a 12-step chain keeps at most two temporaries alive: the kernel needs 2 buffers, not 11
        var text = "t0=mul x0 x0; " + string.Join("; ", Enumerable.Range(1, 10).Select(i => $"t{i}=add t{i - 1} x{i % 2}")) + "; y0=sqrt t10";
        var program = FusedProgram.Parse(text);
        var x0 = Data(new Shape(2000), 10);
        var x1 = Data(new Shape(2000), 11, Math.Abs);
        var k = FusedKernel.Create(program, [x0.Shape, x1.Shape]);
        Assert.True(k.BufferCount <= 2, $"{k.BufferCount} buffers");
        var y = FusedKernel.Evaluate(program, x0, x1)[0];
        TestUtil.AssertClose(y, Reference(y.Shape, [x0, x1], v => Math.Sqrt(v[0] * v[0] + 5 * v[0] + 5 * v[1])), 1e-5, 1e-5);
    }

    [Fact]
    public void OutputZeroMayOverwriteTheInputNamedByInPlaceInput()
    {
        using var scope = Tensor.NewScope();
        var program = FusedProgram.Parse("t0=mul x0 x1; t1=sigmoid t0; y0=mul t1 x0");
        var k = FusedKernel.Create(program, [new Shape(3000), new Shape(3000)]);
        Assert.Equal(0, k.InPlaceInput());
        var x0 = Data(new Shape(3000), 12);
        var x1 = Data(new Shape(3000), 13);
        var expected = FusedKernel.Evaluate(program, x0, x1)[0].ToArray<float>();
        k.Run([x0, x1], [x0]);
        Assert.Equal(expected, x0.ToArray<float>());
        // y0 defined before x0's last read: x0's memory must not be reused; x1's may be unless it is x0 itself
        var late = FusedProgram.Parse("y0=exp x1; y1=mul y0 x0");
        var k2 = FusedKernel.Create(late, [new Shape(64), new Shape(64)]);
        Assert.Equal(1, k2.InPlaceInput());
        Assert.Equal(-1, k2.InPlaceInput((a, b) => true));
        // a broadcast input never shares the output's memory
        Assert.Equal(1, FusedKernel.Create(program, [new Shape(1), new Shape(3000)]).InPlaceInput());
    }

    [Fact]
    public void EmptyTensorsProduceEmptyOutputs()
    {
        using var scope = Tensor.NewScope();
        var y = FusedKernel.Evaluate(FusedProgram.Parse("y0=add x0 x1"), Tensor.Zeros(new Shape(0, 3)), Tensor.Ones(new Shape(3)))[0];
        Assert.Equal(new Shape(0, 3), y.Shape);
    }

    [Fact]
    public void BadInputsNameTheInputShapesAndDTypes()
    {
        using var scope = Tensor.NewScope();
        var p = FusedProgram.Parse("y0=add x0 x1");
        var ex1 = Assert.Throws<DTypeMismatchException>(() => FusedKernel.Evaluate(p, Tensor.Zeros(new Shape(2), DType.F64), Tensor.Zeros(new Shape(2))));
        Assert.Contains("input x0 is f64[2]", ex1.Message);
        var ex2 = Assert.Throws<ShapeMismatchException>(() => FusedKernel.Evaluate(p, Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(3))));
        Assert.Contains("[2] and [3] do not broadcast", ex2.Message);
        var ex3 = Assert.Throws<ArgumentException>(() => FusedKernel.Evaluate(p, Tensor.Zeros(new Shape(2))));
        Assert.Contains("reads 2 input(s) but 1 were given", ex3.Message);
        var k = FusedKernel.Create(p, [new Shape(2), new Shape(2)]);
        var ex4 = Assert.Throws<ShapeMismatchException>(() => k.Run([Tensor.Zeros(new Shape(2)), Tensor.Zeros(new Shape(2))], [Tensor.Empty(new Shape(3))]));
        Assert.Contains("output y0 must be a contiguous f32 tensor of shape [2], got f32[3]", ex4.Message);
        var ex5 = Assert.Throws<ShapeMismatchException>(() => k.Run([Tensor.Zeros(new Shape(1)), Tensor.Zeros(new Shape(2))], [Tensor.Empty(new Shape(2))]));
        Assert.Contains("input x0 has shape [1] but the kernel was prepared for [2]", ex5.Message);
    }
}
