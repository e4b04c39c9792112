// Integer numbering of a graph for the planner and executor: values and nodes become array indices, so a plan's
// per-run state is a few flat arrays. Reads inside sub-graphs count as reads by the node that owns the sub-graph,
// the interpreter's rule for freeing values.
namespace DeepSeek.Graph.Execution;

internal sealed class GraphIndex
{
    public GraphIndex(Graph graph)
    {
        Graph = graph;
        var values = new List<Value>();
        var of = new Dictionary<Value, int>();
        void Add(Value v)
        {
            if (of.ContainsKey(v)) return;
            of[v] = values.Count;
            values.Add(v);
        }
        foreach (var v in graph.Inputs) Add(v);
        foreach (var v in graph.Constants) Add(v);
        foreach (var n in graph.Nodes) foreach (var o in n.Outputs) Add(o);
        Values = values.ToArray();
        Of = of;

        int nodes = graph.Nodes.Count;
        Producer = new int[Values.Length];
        Array.Fill(Producer, -1);
        NodeInputs = new int[nodes][];
        NodeOutputs = new int[nodes][];
        OuterReads = new int[nodes][];
        LastRead = new int[Values.Length];
        Array.Fill(LastRead, -1);
        for (int i = 0; i < nodes; i++)
        {
            var n = graph.Nodes[i];
            NodeInputs[i] = n.Inputs.Select(v => v is null ? -1 : IndexOf(v, n)).ToArray();
            NodeOutputs[i] = n.Outputs.Select(o => of[o]).ToArray();
            foreach (var o in NodeOutputs[i]) Producer[o] = i;
            OuterReads[i] = n.SubGraphs().SelectMany(g => g.OuterReads()).Distinct().Where(of.ContainsKey).Select(v => of[v]).ToArray();
            foreach (var v in NodeInputs[i]) if (v >= 0) LastRead[v] = i;
            foreach (var v in OuterReads[i]) LastRead[v] = i;
        }
        IsOutput = new bool[Values.Length];
        foreach (var o in graph.Outputs) IsOutput[IndexOf(o, null)] = true;
        InputSlots = graph.Inputs.Select(v => of[v]).ToArray();
        OutputSlots = graph.Outputs.Select(v => of[v]).ToArray();
    }

    /// <summary>The graph.</summary>
    public Graph Graph { get; }

    /// <summary>Every value of the graph: inputs, constants, then node outputs in node order.</summary>
    public Value[] Values { get; }

    /// <summary>Index of each value.</summary>
    public Dictionary<Value, int> Of { get; }

    /// <summary>Node index producing each value (−1 for inputs and constants).</summary>
    public int[] Producer { get; }

    /// <summary>Per node: input value indices (−1 = omitted optional input).</summary>
    public int[][] NodeInputs { get; }

    /// <summary>Per node: output value indices.</summary>
    public int[][] NodeOutputs { get; }

    /// <summary>Per node: values its sub-graphs read from this graph.</summary>
    public int[][] OuterReads { get; }

    /// <summary>Last node reading each value (−1 when no node reads it; graph outputs are not reads).</summary>
    public int[] LastRead { get; }

    /// <summary>True for graph outputs.</summary>
    public bool[] IsOutput { get; }

    /// <summary>Value index of each graph input.</summary>
    public int[] InputSlots { get; }

    /// <summary>Value index of each graph output.</summary>
    public int[] OutputSlots { get; }

    /// <summary>The last step touching a value: its last reader, else its producer (an unread result dies where it is made).</summary>
    public int LastStep(int v) => Math.Max(LastRead[v], Producer[v]);

    private int IndexOf(Value v, Node? reader) => Of.TryGetValue(v, out var i)
        ? i
        : throw new ModelFormatException($"Graph '{Graph.Name}': {(reader is null ? "output" : $"node {reader}")} refers to '%{v.Name}', which is not defined in this graph.");
}
