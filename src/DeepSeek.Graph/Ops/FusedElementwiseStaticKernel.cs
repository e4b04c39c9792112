// Static kernel of deepseek::FusedElementwise: the program is parsed and its broadcast plan, block geometry and buffer
// assignment made once for the node's concrete shapes; each run only maps pointers and evaluates. Output 0 may take an
// input's memory when that input has the output's shape and no instruction reads it after y0 is written.
using DeepSeek.Backends.Cpu.Elementwise;
using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

/// <summary>A <see cref="FusedKernel"/> prepared for one node.</summary>
internal sealed class FusedElementwiseStaticKernel : IStaticKernel
{
    private readonly FusedKernel _kernel;
    private readonly string _what;

    private FusedElementwiseStaticKernel(FusedKernel kernel, int inPlace, string what)
    {
        _kernel = kernel;
        InPlaceInput = inPlace;
        _what = what;
    }

    /// <inheritdoc/>
    public int InPlaceInput { get; }

    /// <summary>Prepares the node, or returns null for non-F32 types (the interpreter kernel then reports them).</summary>
    public static IStaticKernel? Create(StaticKernelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = request.Node;
        if (request.Inputs.Any(m => m is not { DType: DType.F32 }) || request.Outputs.Any(m => m.DType != DType.F32)) return null;
        var program = FusedElementwiseOps.ProgramOf(node);
        FusedKernel kernel;
        try
        {
            kernel = FusedKernel.Create(program, request.Inputs.Select(m => m!.Value.Shape).ToArray());
        }
        catch (ShapeMismatchException e)
        {
            throw new ShapeMismatchException($"{request.Describe()}: {e.Message}", e);
        }
        for (int o = 0; o < request.Outputs.Count; o++)
            if (request.Outputs[o].Shape != kernel.OutputShape)
                throw new ShapeMismatchException($"{request.Describe()}: output {o} was recorded as {request.Outputs[o]} but the inputs ({string.Join(", ", request.Inputs.Select(m => m!.Value.ToString()))}) broadcast to {kernel.OutputShape}.");
        int inPlace = kernel.InPlaceInput((a, b) => ReferenceEquals(node.Inputs[a], node.Inputs[b]));
        return new FusedElementwiseStaticKernel(kernel, inPlace, request.Describe());
    }

    /// <inheritdoc/>
    public void Run(ReadOnlySpan<Tensor?> inputs, ReadOnlySpan<Tensor> outputs)
    {
        foreach (var t in inputs)
            if (t is null) throw new ArgumentException($"{_what}: every input is required.");
        _kernel.Run(inputs!, outputs);
    }

    /// <inheritdoc/>
    public void Dispose() { }
}
