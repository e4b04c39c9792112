// Graphviz DOT text of a graph (DOT language reference, graphviz.org/doc/info/lang.html): graph inputs and constants
// as ellipses/notes, one box per node labelled op type, name and key attributes, edges labelled with the value's type;
// If/Loop/Scan bodies become clusters whose outputs feed the owning node with dashed edges.
using System.Globalization;
using System.Text;

namespace DeepSeek.Graph.Compilation;

/// <summary>Writes a <see cref="Graph"/> as Graphviz DOT (render with <c>dot -Tsvg</c>, or use <see cref="GraphSvg"/>).</summary>
public static class GraphDot
{
    private const int MaxAttributeText = 40;

    /// <summary>The DOT text of <paramref name="graph"/> and its sub-graphs.</summary>
    public static string ToDot(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var w = new Writer();
        w.Sb.Append("digraph ").Append(Quote(graph.Name)).AppendLine(" {");
        w.Sb.AppendLine("  rankdir=TB;");
        w.Sb.AppendLine("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f2f2f2\", fontname=\"Helvetica\", fontsize=10];");
        w.Sb.AppendLine("  edge [fontname=\"Helvetica\", fontsize=8];");
        w.WriteGraph(graph, "  ");
        w.Sb.AppendLine("}");
        return w.Sb.ToString();
    }

    private sealed class Writer
    {
        public readonly StringBuilder Sb = new();
        private readonly Dictionary<Value, string> _ids = new();
        private int _next, _clusters;

        public void WriteGraph(Graph g, string indent)
        {
            foreach (var v in g.Inputs)
                Sb.Append(indent).Append(Id(v)).Append(" [shape=ellipse, fillcolor=\"#d9f2d9\", label=").Append(Quote($"{v.Name}\n{TypeText(v)}")).AppendLine("];");
            foreach (var c in g.Constants)
                Sb.Append(indent).Append(Id(c)).Append(" [shape=note, fillcolor=\"#ffffff\", fontsize=8, label=").Append(Quote($"{c.Name}\n{TypeText(c)}")).AppendLine("];");
            foreach (var n in g.Nodes)
            {
                string id = "n" + (_next++).ToString(CultureInfo.InvariantCulture);
                foreach (var o in n.Outputs) _ids[o] = id;
                Sb.Append(indent).Append(id).Append(" [label=").Append(Quote(Label(n))).Append(Color(n)).AppendLine("];");
                foreach (var i in n.Inputs)
                    if (i is not null) Edge(indent, i, id, null);
                foreach (var (attr, sg) in SubGraphsOf(n))
                {
                    Sb.Append(indent).Append("subgraph cluster_").Append((_clusters++).ToString(CultureInfo.InvariantCulture)).AppendLine(" {");
                    Sb.Append(indent).Append("  label=").Append(Quote($"{n.OpType} '{n.Name}' {attr}")).AppendLine("; style=dashed;");
                    WriteGraph(sg, indent + "  ");
                    Sb.Append(indent).AppendLine("}");
                    foreach (var o in sg.Outputs) Edge(indent, o, id, attr);
                }
            }
            if (g.Parent is null)
                foreach (var o in g.Outputs)
                {
                    string id = "out" + (_next++).ToString(CultureInfo.InvariantCulture);
                    Sb.Append(indent).Append(id).Append(" [shape=ellipse, fillcolor=\"#d9f2d9\", label=").Append(Quote($"output {o.Name}")).AppendLine("];");
                    Edge(indent, o, id, null);
                }
        }

        private void Edge(string indent, Value from, string to, string? branch)
        {
            Sb.Append(indent).Append(Id(from)).Append(" -> ").Append(to).Append(" [label=").Append(Quote(TypeText(from)));
            if (branch is not null) Sb.Append(", style=dashed, taillabel=").Append(Quote(branch));
            Sb.AppendLine("];");
        }

        // a value without producer or declaration here (an outer value of a hand-built graph) still gets a node id
        private string Id(Value v)
        {
            if (_ids.TryGetValue(v, out var id)) return id;
            id = "v" + (_next++).ToString(CultureInfo.InvariantCulture);
            _ids[v] = id;
            return id;
        }
    }

    /// <summary>Op type, name (when set) and the node's non-graph attributes, one per line, each cut to 40 characters.</summary>
    internal static string Label(Node n)
    {
        var sb = new StringBuilder();
        sb.Append(n.Domain.Length == 0 || n.Domain == "ai.onnx" ? "" : n.Domain + ".").Append(n.OpType);
        if (n.Name.Length > 0) sb.Append('\n').Append(n.Name);
        foreach (var (k, a) in n.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (a.Kind is AttributeKind.Graph or AttributeKind.Graphs) continue;
            var text = $"{k}={a}";
            sb.Append('\n').Append(text.Length > MaxAttributeText ? text[..(MaxAttributeText - 1)] + "…" : text);
        }
        return sb.ToString();
    }

    internal static IEnumerable<(string Attribute, Graph Graph)> SubGraphsOf(Node n)
    {
        foreach (var (k, a) in n.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (a.Raw is Graph g) yield return (k, g);
            else if (a.Raw is Graph[] gs)
                for (int i = 0; i < gs.Length; i++) yield return ($"{k}[{i}]", gs[i]);
        }
    }

    private static string TypeText(Value v) => v.Type?.ToString() ?? "";

    private static string Color(Node n) =>
        n.Domain is not ("" or "ai.onnx") ? ", fillcolor=\"#ffe0b3\""
        : n.SubGraphs().Any() ? ", fillcolor=\"#e6d9f2\""
        : n.OpType is "Conv" or "Gemm" or "MatMul" ? ", fillcolor=\"#d6e6f5\""
        : "";

    /// <summary>A DOT double-quoted string (quotes and backslashes escaped, newlines as \n).</summary>
    private static string Quote(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
