// deepseek::FusedElementwise — the op the elementwise-fusion pass emits: a FusedProgram (attribute "program" in its
// text form, "constants" as a float list) over broadcasting F32 inputs, evaluated block-wise by Core's FusedKernel.
// Both the interpreter kernel and the static kernel run the same evaluator; the static one prepares it once per shape.
using DeepSeek.Backends.Cpu.Elementwise;
using DeepSeek.Graph.Execution;
using static DeepSeek.Graph.Ops.OpHelpers;

namespace DeepSeek.Graph.Ops;

/// <summary>
/// <c>deepseek::FusedElementwise(X0, X1, …) → (Y0, Y1, …)</c>: attribute <c>program</c> is a
/// <see cref="FusedProgram"/> in text form ("t0=mul x0 x1; t1=add t0 c0; y0=tanh t1"; xN = input N, cN =
/// <c>constants</c>[N], tN temporaries, yN outputs); every output has the inputs' broadcast shape; F32 only.
/// </summary>
[OpSet]
public static class FusedElementwiseOps
{
    /// <summary>The op's domain.</summary>
    public const string Domain = "deepseek";

    /// <summary>The op type.</summary>
    public const string OpType = "FusedElementwise";

    /// <summary>The string attribute holding the program text.</summary>
    public const string ProgramAttribute = "program";

    /// <summary>The float-list attribute holding the program constants (absent = none).</summary>
    public const string ConstantsAttribute = "constants";

    /// <summary>Since-version of the registration (the opset the pass imports for the deepseek domain when none is).</summary>
    public const long Since = 1;

    /// <summary>Adds the interpreter kernel.</summary>
    public static void Register(OpRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register(OpType, Since, Run, Domain);
    }

    /// <summary>Adds the static kernel.</summary>
    public static void RegisterStatic(StaticKernelRegistry r)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.Register(OpType, FusedElementwiseStaticKernel.Create, Domain);
    }

    /// <summary>The node's program; throws <see cref="ModelFormatException"/> naming the node when it is missing or malformed.</summary>
    public static FusedProgram ProgramOf(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var text = node.GetString(ProgramAttribute, "");
        if (text.Length == 0) throw new ModelFormatException($"{Describe(node)}: the '{ProgramAttribute}' attribute is missing or empty.");
        FusedProgram p;
        try
        {
            p = FusedProgram.Parse(text, node.GetFloats(ConstantsAttribute) ?? [], node.Inputs.Count);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{Describe(node)}: {e.Message}", e);
        }
        if (p.InputCount != node.Inputs.Count)
            throw new ModelFormatException($"{Describe(node)}: the program reads x{p.InputCount - 1} but the node has {node.Inputs.Count} input(s).");
        if (p.OutputCount != node.Outputs.Count)
            throw new ModelFormatException($"{Describe(node)}: the program defines {p.OutputCount} output(s) but the node has {node.Outputs.Count}.");
        return p;
    }

    /// <summary>"FusedElementwise node 'name'".</summary>
    internal static string Describe(Node node) => $"{node.OpType} node '{node.Name}'";

    private static RuntimeValue?[] Run(OpContext ctx)
    {
        var program = ProgramOf(ctx.Node);
        var xs = new Tensor[ctx.InputCount];
        for (int i = 0; i < xs.Length; i++)
        {
            xs[i] = ctx.Tensor(i);
            if (xs[i].DType != DType.F32)
                throw new DTypeMismatchException($"{ctx.Describe()}: input {i} ('{ctx.Node.Inputs[i]?.Name}') is {xs[i].DType.Name()}{xs[i].Shape}; FusedElementwise takes f32 tensors.");
        }
        try
        {
            return Many(FusedKernel.Evaluate(program, xs));
        }
        catch (ShapeMismatchException e)
        {
            throw new ShapeMismatchException($"{ctx.Describe()}: {e.Message} Inputs: {string.Join(", ", xs.Select(x => x.Shape.ToString()))}.", e);
        }
    }
}
