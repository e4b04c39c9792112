// Data-dependent control flow that survives tracing (torch.cond, ONNX If): eagerly it runs the closure the predicate
// selects; while a tracer records, the tracer traces both closures as the then/else sub-graphs of one If node, so a
// compiled graph keeps the branch instead of specialising on (and guarding) the predicate's value.
using DeepSeek.Tracing;

namespace DeepSeek;

public sealed partial class Tensor
{
    /// <summary>
    /// Runs <paramref name="thenBranch"/> when the one-element Bool <paramref name="predicate"/> is true, else
    /// <paramref name="elseBranch"/>, and returns that branch's tensors. The caller owns them, so a branch should return
    /// tensors it computed: <c>x.Clone()</c> for an unchanged outer tensor, since returning <c>x</c> itself hands the
    /// caller <c>x</c> (a traced branch may do it: the caller then gets a view). While tracing
    /// (<c>Tracer.Trace</c>, <c>Compiler.Compile</c>) both closures run once and are recorded as the branches of an ONNX
    /// <c>If</c> node: tensors from outside a branch are read as outer-scope values, parameters become constants; both
    /// branches must return the same number of tensors with matching dtypes.
    /// </summary>
    /// <exception cref="DTypeMismatchException">The predicate is not Bool.</exception>
    /// <exception cref="ShapeMismatchException">The predicate has more or fewer than one element.</exception>
    public static Tensor[] Cond(Tensor predicate, Func<Tensor[]> thenBranch, Func<Tensor[]> elseBranch)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentNullException.ThrowIfNull(thenBranch);
        ArgumentNullException.ThrowIfNull(elseBranch);
        predicate.CheckAlive("Cond");
        if (predicate.DType != DType.Bool)
            throw new DTypeMismatchException($"Cond: the predicate must be a Bool tensor, got {predicate.DType.Name()}{predicate.Shape}; compare first (e.g. x.Mean().Gt(0.5)).");
        if (predicate.Numel != 1)
            throw new ShapeMismatchException($"Cond: the predicate must hold exactly one element, got shape {predicate.Shape} ({predicate.Numel} elements).");
        if (OpTrace.Current is { } tr)
            using (OpTrace.Suspend())
                if (tr.Cond(predicate, thenBranch, elseBranch) is { } traced) return traced;
        bool p = predicate.Item<bool>();
        return (p ? thenBranch() : elseBranch())
            ?? throw new InvalidOperationException($"Cond: the {(p ? "then" : "else")} branch returned null; return an array of tensors.");
    }
}
