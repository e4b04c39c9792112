// A self-contained SVG drawing of a graph (SVG 1.1): each graph and sub-graph is a section laid out by LayeredLayout —
// inputs and outputs as pills, one box per node showing op type and name, value edges as polylines with arrowheads.
// Constants are not drawn (they would crowd the picture); hovering a node or edge shows its full text as a tooltip.
using System.Globalization;
using System.Xml.Linq;

namespace DeepSeek.Graph.Compilation;

/// <summary>Renders a <see cref="Graph"/> as SVG without external tools (open it in a browser).</summary>
public static class GraphSvg
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private const double BoxHeight = 34, PillHeight = 24, CharWidth = 6.6, TitleHeight = 22;

    /// <summary>
    /// An SVG document drawing <paramref name="graph"/>: one section per graph (the main graph first, then each If/Loop/Scan
    /// body titled with its owner), nodes as boxes (class "node"), edges as polylines (class "edge").
    /// </summary>
    public static string Render(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var sections = new List<(string Title, Graph Graph)> { ($"graph {graph.Name}", graph) };
        CollectSubGraphs(graph, sections);
        var root = new XElement(Svg + "svg",
            new XAttribute("version", "1.1"),
            new XAttribute("font-family", "Helvetica, Arial, sans-serif"),
            new XElement(Svg + "defs",
                new XElement(Svg + "marker", new XAttribute("id", "arrow"), new XAttribute("viewBox", "0 0 8 8"),
                    new XAttribute("refX", "8"), new XAttribute("refY", "4"), new XAttribute("markerWidth", "7"),
                    new XAttribute("markerHeight", "7"), new XAttribute("orient", "auto"),
                    new XElement(Svg + "path", new XAttribute("d", "M0,0 L8,4 L0,8 z"), new XAttribute("fill", "#555")))));
        double y = 0, width = 0;
        foreach (var (title, g) in sections)
        {
            var (section, w, h) = Section(title, g);
            section.SetAttributeValue("transform", $"translate(0,{Num(y)})");
            root.Add(section);
            y += h;
            width = Math.Max(width, w);
        }
        root.SetAttributeValue("width", Num(width));
        root.SetAttributeValue("height", Num(y));
        root.SetAttributeValue("viewBox", $"0 0 {Num(width)} {Num(y)}");
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).ToString();
    }

    private static void CollectSubGraphs(Graph g, List<(string, Graph)> sections)
    {
        foreach (var n in g.Nodes)
            foreach (var (attr, sg) in GraphDot.SubGraphsOf(n))
            {
                sections.Add(($"{n.OpType} '{n.Name}' · {attr}", sg));
                CollectSubGraphs(sg, sections);
            }
    }

    private static (XElement Section, double Width, double Height) Section(string title, Graph g)
    {
        var layout = new LayeredLayout();
        var at = new Dictionary<Value, LayeredLayout.Vertex>();
        var shapes = new List<(LayeredLayout.Vertex V, XElement Shape)>();

        LayeredLayout.Vertex Pill(string text, string tooltip, string fill, string cls)
        {
            var v = layout.AddVertex(Math.Max(50, text.Length * CharWidth + 20), PillHeight);
            shapes.Add((v, Group(cls, tooltip, new XElement(Svg + "rect", Rect(v), new XAttribute("rx", "12"), new XAttribute("fill", fill), new XAttribute("stroke", "#666")),
                Text(text, 0, 11, false))));
            return v;
        }
        LayeredLayout.Vertex Source(Value v)
        {
            if (at.TryGetValue(v, out var s)) return s;
            return at[v] = Pill("outer %" + v.Name, $"%{v.Name}: {v.Type} (read from an enclosing graph)", "#eeeeee", "outer");
        }

        foreach (var i in g.Inputs) at[i] = Pill(i.Name, $"input %{i.Name}: {i.Type}", "#d9f2d9", "input");
        // values this graph reads but neither defines nor receives: pills first, so every edge points downwards
        var defined = new HashSet<Value>(g.Inputs.Concat(g.Constants).Concat(g.Nodes.SelectMany(n => n.Outputs)));
        foreach (var n in g.Nodes)
            foreach (var v in n.Inputs)
                if (v is not null && !defined.Contains(v) && !v.IsConstant) Source(v);
        foreach (var n in g.Nodes)
        {
            string op = (n.Domain is "" or "ai.onnx" ? "" : n.Domain + ".") + n.OpType;
            var v = layout.AddVertex(Math.Max(60, Math.Max(op.Length * (CharWidth + 0.6), n.Name.Length * (CharWidth - 0.8)) + 20), BoxHeight);
            shapes.Add((v, Group("node", n.ToString(),
                new XElement(Svg + "rect", Rect(v), new XAttribute("rx", "4"), new XAttribute("fill", Fill(n)), new XAttribute("stroke", "#555")),
                Text(op, 0, n.Name.Length > 0 ? 7 : 11, true),
                n.Name.Length > 0 ? Text(n.Name, 0, 21, false, 9, "#444") : null)));
            shapes[^1].Shape.SetAttributeValue("data-op", n.OpType);
            foreach (var i in n.Inputs)
                if (i is not null && !i.IsConstant) layout.AddEdge(at.TryGetValue(i, out var s) ? s : Source(i), v, i);
            foreach (var o in n.Outputs) at[o] = v;
        }
        foreach (var o in g.Outputs)
        {
            var v = Pill((g.Parent is null ? "output " : "→ ") + o.Name, $"output %{o.Name}: {o.Type}", "#d9f2d9", "output");
            if (at.TryGetValue(o, out var from) && from != v) layout.AddEdge(from, v, o);
        }

        var (w, h) = layout.Run();
        var section = new XElement(Svg + "g", new XAttribute("class", "section"),
            new XElement(Svg + "text", new XAttribute("x", "12"), new XAttribute("y", "15"), new XAttribute("font-size", "12"),
                new XAttribute("font-weight", "bold"), title));
        var body = new XElement(Svg + "g", new XAttribute("transform", $"translate(0,{Num(TitleHeight)})"));
        foreach (var e in layout.Edges) body.Add(EdgeElement(e));
        foreach (var (v, shape) in shapes)
        {
            shape.SetAttributeValue("transform", $"translate({Num(v.X)},{Num(v.Y)})");
            body.Add(shape);
        }
        section.Add(body);
        return (section, Math.Max(w, title.Length * CharWidth + 24), h + TitleHeight);
    }

    private static XElement EdgeElement(LayeredLayout.Edge e)
    {
        var pts = new List<(double X, double Y)> { (e.From.X, e.From.Y + e.From.Height / 2) };
        pts.AddRange(e.Via.Select(d => (d.X, d.Y)));
        pts.Add((e.To.X, e.To.Y - e.To.Height / 2));
        var tip = e.Tag is Value v ? $"%{v.Name}: {v.Type?.ToString() ?? "?"}" : "";
        return Group("edge", tip, new XElement(Svg + "polyline",
            new XAttribute("points", string.Join(" ", pts.Select(p => $"{Num(p.X)},{Num(p.Y)}"))),
            new XAttribute("fill", "none"), new XAttribute("stroke", "#555"), new XAttribute("stroke-width", "1.2"),
            new XAttribute("marker-end", "url(#arrow)")));
    }

    private static XElement Group(string cls, string tooltip, params object?[] content) =>
        new(Svg + "g", new XAttribute("class", cls), new XElement(Svg + "title", tooltip), content);

    // a rectangle centred on the group's origin (the group is translated to the vertex centre)
    private static object[] Rect(LayeredLayout.Vertex v) =>
    [
        new XAttribute("x", Num(-v.Width / 2)), new XAttribute("y", Num(-v.Height / 2)),
        new XAttribute("width", Num(v.Width)), new XAttribute("height", Num(v.Height)),
    ];

    // baseline offsets are from the box's top edge
    private static XElement Text(string s, double x, double fromTop, bool bold, double size = 11, string color = "#000") =>
        new(Svg + "text", new XAttribute("x", Num(x)), new XAttribute("y", Num(fromTop - BoxHeight / 2 + size * 0.75)),
            new XAttribute("text-anchor", "middle"), new XAttribute("font-size", Num(size)), new XAttribute("fill", color),
            bold ? new XAttribute("font-weight", "bold") : null, s);

    private static string Fill(Node n) =>
        n.Domain is not ("" or "ai.onnx") ? "#ffe0b3"
        : n.SubGraphs().Any() ? "#e6d9f2"
        : n.OpType is "Conv" or "Gemm" or "MatMul" ? "#d6e6f5"
        : "#f2f2f2";

    private static string Num(double x) => Math.Round(x, 1).ToString(CultureInfo.InvariantCulture);
}
