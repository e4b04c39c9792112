// The recording seam between the eager op surface and a graph builder (DeepSeek.Graph's Tracer): while a tracer is
// active, each op that knows its ONNX form reports itself once, in ONNX terms (op type + ONNX attributes).
namespace DeepSeek.Tracing;

/// <summary>
/// Receives the ops run while it is active (see <see cref="OpTrace.Begin"/>). Ops report themselves in ONNX terms:
/// the ONNX op type, its inputs (null = an omitted optional input), its outputs and its ONNX attributes
/// (<c>long</c>, <c>float</c>, <c>string</c>, <c>long[]</c> or <c>float[]</c> values).
/// </summary>
public interface IOpTracer
{
    /// <summary>One op ran: <paramref name="outputs"/> = <paramref name="onnxOpType"/>(<paramref name="inputs"/>).</summary>
    /// <param name="onnxOpType">ONNX operator type (default domain), e.g. "Conv".</param>
    /// <param name="inputs">Inputs in ONNX order; null for an omitted optional input.</param>
    /// <param name="outputs">Outputs in ONNX order.</param>
    /// <param name="attributes">ONNX attributes, or null for none.</param>
    void Record(string onnxOpType, IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor> outputs, IReadOnlyDictionary<string, object>? attributes);

    /// <summary>An op created <paramref name="t"/> as a constant input (a scalar operand, a shape); the tracer copies it now.</summary>
    void Constant(Tensor t);
}
