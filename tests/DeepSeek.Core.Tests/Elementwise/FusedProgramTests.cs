using DeepSeek.Backends.Cpu.Elementwise;

namespace DeepSeek.Tests.Elementwise;

/// <summary>The text form of fused elementwise programs: parsing, printing, validation messages.</summary>
public class FusedProgramTests
{
    [Fact]
    public void ParseThenPrintIsTheCanonicalTextAndReparsesToTheSameProgram()
    {
        var p = FusedProgram.Parse("  t0 = mul x0   x1;t1=add t0 c0 ; y0=tanh t1;", [0.5f]);
        Assert.Equal("t0=mul x0 x1; t1=add t0 c0; y0=tanh t1", p.ToString());
        Assert.Equal(2, p.InputCount);
        Assert.Equal(1, p.OutputCount);
        Assert.Equal([0.5f], p.Constants);
        var q = FusedProgram.Parse(p.ToString(), p.Constants);
        Assert.Equal(p.Instructions, q.Instructions);
        Assert.Equal(new FusedInstruction(FusedOp.Add, FusedOperand.T(1), [FusedOperand.T(0), FusedOperand.C(0)]), q.Instructions[1]);
        Assert.Equal("t0=mul x0 x1; t1=add t0 c0; y0=tanh t1 [c0=0.5]", p.Describe());
    }

    [Fact]
    public void EveryOpNameRoundTrips()
    {
        foreach (var op in Enum.GetValues<FusedOp>())
        {
            Assert.True(FusedOps.TryParse(op.Name(), out var back));
            Assert.Equal(op, back);
            int data = op.Arity() - op.ConstantParams();
            var args = Enumerable.Range(0, data).Select(FusedOperand.X).Concat(Enumerable.Range(0, op.ConstantParams()).Select(FusedOperand.C));
            var p = new FusedProgram([new FusedInstruction(op, FusedOperand.Y(0), args.ToArray())], [0.25f, 0.5f], data);
            var q = FusedProgram.Parse(p.ToString(), p.Constants);
            Assert.Equal(p.Instructions, q.Instructions);
            Assert.Equal(data, q.InputCount);
        }
    }

    [Fact]
    public void OutputsMayBeReadLaterAndAreCountedFromY0()
    {
        var p = FusedProgram.Parse("y1=sigmoid x0; y0=mul x0 y1");
        Assert.Equal(2, p.OutputCount);
        Assert.Equal(1, p.DefinitionOf(0));
        Assert.Equal(0, p.DefinitionOf(1));
        Assert.Equal(1, p.LastReadOf(0));
        Assert.Equal(-1, FusedProgram.Parse("y0=neg x1").LastReadOf(0));
        Assert.Equal(3, FusedProgram.Parse("y0=neg x0", inputCount: 3).InputCount);
    }

    [Theory]
    [InlineData("t0=frob x0; y0=neg t0", "unknown op 'frob'")]
    [InlineData("y0=add x0 t3", "reads t3 before it is assigned")]
    [InlineData("t0=neg x0; t0=abs x0; y0=neg t0", "t0 is assigned twice")]
    [InlineData("y1=neg x0", "output y0 is never assigned")]
    [InlineData("y0=add x0", "add takes 2 operand(s), got 1")]
    [InlineData("y0=pow x0 x1", "operand 1 of pow must be a constant cN")]
    [InlineData("y0=add x0 c1", "reads c1 but only 1 constant(s) are given")]
    [InlineData("t0=neg x0", "no output yN is assigned")]
    [InlineData("y0 neg x0", "has no '='")]
    [InlineData("y0=neg z0", "operand 'z0' is not xN, cN, tN or yN")]
    [InlineData("x0=neg x0", "the destination must be tN or yN")]
    [InlineData("", "the program is empty")]
    public void BadProgramsAreRejectedWithTheReason(string text, string reason)
    {
        var ex = Assert.Throws<ModelFormatException>(() => FusedProgram.Parse(text, [1f]));
        Assert.Contains(reason, ex.Message);
        Assert.Contains("FusedElementwise program", ex.Message);
    }
}
