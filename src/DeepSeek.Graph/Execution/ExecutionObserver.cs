// The profiling seam of the executors (in the spirit of PyTorch's RecordFunction callbacks): the Interpreter and
// ExecutionPlan read ExecutionObserver.Current once per run and, only when one is active, time every node with
// Stopwatch timestamps and report it. With none active a run costs one AsyncLocal read and allocates nothing more.
using System.Diagnostics;

namespace DeepSeek.Graph.Execution;

/// <summary>Which executor ran a node.</summary>
public enum ExecutorKind
{
    /// <summary>The <see cref="Interpreter"/> (kernels from an <see cref="OpRegistry"/>).</summary>
    Interpreter,

    /// <summary>An <see cref="ExecutionPlan"/> step with a prepared <see cref="IStaticKernel"/>.</summary>
    Static,

    /// <summary>An <see cref="ExecutionPlan"/> step that ran its interpreter kernel.</summary>
    Fallback,

    /// <summary>An <see cref="ExecutionPlan"/> step that only made a view (Reshape, Flatten, ...).</summary>
    Alias,
}

/// <summary>One node execution as seen by an <see cref="ExecutionObserver"/>.</summary>
/// <param name="Node">The node (its <see cref="Node.Name"/> is the module path when traced from a module).</param>
/// <param name="Inputs">Input types in node order; null for omitted inputs and non-tensor values.</param>
/// <param name="Outputs">Output types in node order; null for non-tensor or missing values.</param>
/// <param name="StartTimestamp">Start, in <see cref="Stopwatch.GetTimestamp"/> ticks.</param>
/// <param name="EndTimestamp">End, in <see cref="Stopwatch.GetTimestamp"/> ticks.</param>
/// <param name="ThreadId">Managed id of the thread that ran the node.</param>
/// <param name="Executor">The executor that ran it.</param>
public readonly record struct NodeExecution(
    Node Node,
    IReadOnlyList<TensorMeta?> Inputs,
    IReadOnlyList<TensorMeta?> Outputs,
    long StartTimestamp,
    long EndTimestamp,
    int ThreadId,
    ExecutorKind Executor)
{
    /// <summary>The node's op type.</summary>
    public string OpType => Node.OpType;

    /// <summary>The node's domain ("" = ONNX).</summary>
    public string Domain => Node.Domain;

    /// <summary>Wall time in seconds.</summary>
    public double Seconds => (EndTimestamp - StartTimestamp) / (double)Stopwatch.Frequency;
}

/// <summary>
/// Receives every node the executors run while it is current on this async flow (see <see cref="Begin"/>).
/// Implementations must be thread-safe: concurrent plan runs report from several threads.
/// </summary>
public abstract class ExecutionObserver
{
    private static readonly AsyncLocal<ExecutionObserver?> s_current = new();
    private static int s_active;

    /// <summary>The observer on this flow, or null (the executors read this once per run).</summary>
    public static ExecutionObserver? Current => Volatile.Read(ref s_active) == 0 ? null : s_current.Value;

    /// <summary>Makes <paramref name="observer"/> current on this flow until the returned scope is disposed.</summary>
    public static IDisposable Begin(ExecutionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var previous = s_current.Value;
        s_current.Value = observer;
        Interlocked.Increment(ref s_active);
        return new Scope(previous);
    }

    /// <summary>Called after each node finishes (also when it threw: then <see cref="OnNodeFailed"/> follows).</summary>
    public abstract void OnNode(in NodeExecution execution);

    /// <summary>Called when a node threw; the default does nothing.</summary>
    public virtual void OnNodeFailed(Node node, Exception error) { }

    internal static TensorMeta? MetaOf(RuntimeValue? r) => r is TensorValue { Tensor: var t } && !t.IsDisposed ? new TensorMeta(t.DType, t.Shape) : null;

    internal static TensorMeta?[] MetasOf(IReadOnlyList<RuntimeValue?> values, int count)
    {
        var m = new TensorMeta?[count];
        for (int i = 0; i < count && i < values.Count; i++) m[i] = MetaOf(values[i]);
        return m;
    }

    private sealed class Scope(ExecutionObserver? previous) : IDisposable
    {
        private bool _ended;

        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            s_current.Value = previous;
            Interlocked.Decrement(ref s_active);
        }
    }
}
