namespace DeepSeek.Autograd;

/// <summary>
/// Runs a backward pass: finds every node reachable from the root, counts how many gradients each will
/// receive, then processes nodes in dependency order, summing incoming gradients before calling a node.
/// Everything temporary lives in one scope; grad mode is off while it runs.
/// </summary>
internal static class Engine
{
    public static void Run(Tensor root, Tensor rootGrad, bool retainGraph)
    {
        var start = GradNode.Edge(root) ?? throw new InvalidOperationException(
            $"Backward: tensor of shape {root.Shape} does not require grad and has no grad_fn; set RequiresGrad on a leaf before computing it.");
        using var noGrad = GradMode.Set(false);
        using var scope = Tensor.NewScope();

        // dependency counts over the reachable graph
        var deps = new Dictionary<GradNode, int>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<GradNode>();
        deps[start] = 0;
        stack.Push(start);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (n.IsReleased)
                throw new InvalidOperationException(
                    $"Backward: {n.Name} was already run by an earlier Backward() and its saved tensors are freed; pass retainGraph: true to the first call to backward twice.");
            foreach (var next in n.Next)
            {
                if (next is null) continue;
                if (deps.TryGetValue(next, out int c)) deps[next] = c + 1;
                else
                {
                    deps[next] = 1;
                    stack.Push(next);
                }
            }
        }

        var grads = new Dictionary<GradNode, Tensor>(ReferenceEqualityComparer.Instance) { [start] = rootGrad };
        var ready = new Queue<GradNode>();
        ready.Enqueue(start);
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            var g = grads[node];
            grads.Remove(node);
            g = node.RunHooks(g);
            var inputGrads = node.Backward(g);
            if (!retainGraph) node.ReleaseSaved();
            for (int i = 0; i < node.Next.Length; i++)
            {
                var next = node.Next[i];
                if (next is null) continue;
                var gi = i < inputGrads.Length ? inputGrads[i] : null;
                if (gi is not null)
                {
                    if (grads.TryGetValue(next, out var acc)) grads[next] = acc.Add(gi);
                    else grads[next] = gi;
                }
                if (--deps[next] == 0)
                {
                    if (grads.ContainsKey(next)) ready.Enqueue(next);
                    else deps.Remove(next); // every path into it had a structurally zero gradient
                }
            }
        }
    }
}
