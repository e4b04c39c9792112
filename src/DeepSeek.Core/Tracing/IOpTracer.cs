// The recording seam between the eager op surface and a graph builder (DeepSeek.Graph's Tracer): while a tracer is
// active, each op that knows its ONNX form reports itself once, in ONNX terms (op type + ONNX attributes); reads of
// tensor contents back to the host and Tensor.Cond are reported too, so a compiler can guard or keep the branch.
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

    /// <summary>
    /// The traced code is about to read <paramref name="t"/>'s contents back to the host with <paramref name="op"/>
    /// (<c>Item</c>, <c>ToArray</c>, <c>CopyTo</c>, <c>ToDoubleArray</c>, <c>ItemAsDouble</c>): whatever it does with the
    /// numbers (a Python-style <c>if</c>) is baked into the trace, so a compiler records the value as a guard. Called
    /// with recording suspended; the default ignores the read.
    /// </summary>
    void HostRead(Tensor t, string op) { }

    /// <summary>
    /// Records <see cref="Tensor.Cond"/>: trace both closures as branches of one ONNX <c>If</c> node and return the
    /// outputs of the branch <paramref name="predicate"/> selects (tensors the caller owns). Called with recording
    /// suspended. Returns null when this tracer does not record control flow; <c>Cond</c> then runs eagerly and its
    /// read of the predicate is an ordinary <see cref="HostRead"/>.
    /// </summary>
    Tensor[]? Cond(Tensor predicate, Func<Tensor[]> thenBranch, Func<Tensor[]> elseBranch) => null;
}
