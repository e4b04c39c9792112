using System.Xml.Linq;
using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Tests.Compilation.Frontend;

using Shape = DeepSeek.Shape;

public sealed class GraphDumpTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    // x → Conv(w) → Relu ─┬─ Add → out;  x → GlobalAveragePool ─┘ ... plus an If whose branches read outer values
    private static Graph BuildGraph()
    {
        var g = new Graph("dumped");
        g.OpsetImports[""] = 17;
        var x = g.AddInput("x", new TensorType(DType.F32, [Dim.Named("N"), Dim.Of(2), Dim.Of(4), Dim.Of(4)]));
        var w = g.AddConstant("w", Tensor.RandN(new Shape(2, 2, 3, 3), new Generator(70)));
        var conv = g.AddNode("Conv", [x, w], ["conv_out"], name: "conv1");
        conv.Attributes["pads"] = AttributeValue.Of(new long[] { 1, 1, 1, 1 });
        conv.Attributes["kernel_shape"] = AttributeValue.Of(new long[] { 3, 3 });
        conv.Outputs[0].Type = new TensorType(DType.F32, [Dim.Named("N"), Dim.Of(2), Dim.Of(4), Dim.Of(4)]);
        var relu = g.AddNode("Relu", [conv.Outputs[0]], ["relu_out"], name: "relu \"quoted\" <1>");
        var pool = g.AddNode("GlobalAveragePool", [x], ["pool_out"], name: "gap");
        var add = g.AddNode("Add", [relu.Outputs[0], pool.Outputs[0]], ["sum"], name: "add");
        var mean = g.AddNode("ReduceMean", [add.Outputs[0]], ["m"], name: "mean");
        mean.Attributes["keepdims"] = AttributeValue.Of(0L);
        var zero = g.AddConstant("zero", Tensor.Scalar(0.0));
        var pos = g.AddNode("Greater", [mean.Outputs[0], zero], ["pos"], name: "pos");
        var then = new Graph("then", g);
        var t1 = then.AddNode("Neg", [add.Outputs[0]], ["neg"], name: "neg");
        then.AddOutput(t1.Outputs[0]);
        var els = new Graph("else", g);
        var e1 = els.AddNode("Identity", [add.Outputs[0]], ["same"], name: "same");
        els.AddOutput(e1.Outputs[0]);
        var iff = g.AddNode("If", [pos.Outputs[0]], ["y"], name: "branch");
        iff.Attributes["then_branch"] = AttributeValue.Of(then);
        iff.Attributes["else_branch"] = AttributeValue.Of(els);
        g.AddOutput(iff.Outputs[0]);
        g.AddOutput(pool.Outputs[0]);
        g.Validate();
        return g;
    }

    private static IEnumerable<Node> AllNodes(Graph g) => g.Nodes.SelectMany(n => n.SubGraphs().SelectMany(AllNodes).Prepend(n));

    [Fact]
    public void DotNamesEveryNodeWithItsAttributesAndLabelsEdgesWithShapes()
    {
        using var g = BuildGraph();
        var dot = GraphDot.ToDot(g);
        Assert.StartsWith("digraph \"dumped\" {", dot, StringComparison.Ordinal);
        Assert.Equal(dot.Count(c => c == '{'), dot.Count(c => c == '}'));
        foreach (var n in AllNodes(g))
            Assert.Contains($"label=\"{n.OpType}\\n{n.Name.Replace("\"", "\\\"", StringComparison.Ordinal)}", dot, StringComparison.Ordinal);
        Assert.Contains("kernel_shape=[3, 3]", dot, StringComparison.Ordinal);
        Assert.Contains("pads=[1, 1, 1, 1]", dot, StringComparison.Ordinal);
        Assert.Contains("[label=\"f32[N, 2, 4, 4]\"]", dot, StringComparison.Ordinal); // the Conv → Relu edge
        Assert.Equal(2, CountOf(dot, "subgraph cluster_"));
        Assert.Contains("taillabel=\"then_branch\"", dot, StringComparison.Ordinal);
        int nodeLines = dot.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*n\d+ \[label="));
        Assert.Equal(AllNodes(g).Count(), nodeLines);
    }

    [Fact]
    public void SvgIsWellFormedAndDrawsEveryNodeOnce()
    {
        using var g = BuildGraph();
        var doc = XDocument.Parse(GraphSvg.Render(g));
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var nodes = doc.Descendants(Svg + "g").Where(e => (string?)e.Attribute("class") == "node").ToList();
        Assert.Equal(AllNodes(g).Count(), nodes.Count);
        foreach (var n in AllNodes(g))
            Assert.Contains(nodes, e => (string?)e.Attribute("data-op") == n.OpType && e.Elements(Svg + "text").Any(t => t.Value == n.Name));
        Assert.Equal(3, doc.Descendants(Svg + "g").Count(e => (string?)e.Attribute("class") == "section")); // main, then, else
        Assert.Contains(doc.Descendants(Svg + "g"), e => (string?)e.Attribute("class") == "outer"); // branches read %sum from outside
        Assert.True(double.Parse((string)doc.Root.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public void SvgEdgesRunDownwardAndBoxesInARowDoNotOverlap()
    {
        using var g = BuildGraph();
        var doc = XDocument.Parse(GraphSvg.Render(g));
        var main = doc.Descendants(Svg + "g").First(e => (string?)e.Attribute("class") == "section");
        foreach (var line in main.Descendants(Svg + "polyline"))
        {
            var ys = ((string)line.Attribute("points")!).Split(' ').Select(p => double.Parse(p.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (int i = 1; i < ys.Length; i++) Assert.True(ys[i] > ys[i - 1], $"edge {line.Attribute("points")} goes up");
        }
        var boxes = main.Descendants(Svg + "g").Where(e => e.Attribute("transform") is not null && e.Element(Svg + "rect") is not null)
            .Select(e =>
            {
                var t = ((string)e.Attribute("transform")!)["translate(".Length..^1].Split(',');
                var r = e.Element(Svg + "rect")!;
                double w = double.Parse((string)r.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture);
                return (X: double.Parse(t[0], System.Globalization.CultureInfo.InvariantCulture), Y: double.Parse(t[1], System.Globalization.CultureInfo.InvariantCulture), W: w);
            }).ToList();
        foreach (var row in boxes.GroupBy(b => b.Y))
        {
            var sorted = row.OrderBy(b => b.X).ToList();
            for (int i = 1; i < sorted.Count; i++)
                Assert.True(sorted[i].X - sorted[i].W / 2 >= sorted[i - 1].X + sorted[i - 1].W / 2, $"boxes overlap in row y={row.Key}");
        }
    }

    [Fact]
    public void LongestPathLayeringRoutesLongEdgesThroughDummies()
    {
        // a → b → c → d and a → d: d sits on layer 3, the a → d edge bends through two dummies
        var layout = new LayeredLayout();
        var a = layout.AddVertex(40, 20);
        var b = layout.AddVertex(40, 20);
        var c = layout.AddVertex(40, 20);
        var d = layout.AddVertex(40, 20);
        layout.AddEdge(a, b, null);
        layout.AddEdge(b, c, null);
        layout.AddEdge(c, d, null);
        layout.AddEdge(a, d, null);
        var (w, h) = layout.Run();
        Assert.Equal([0, 1, 2, 3], new[] { a, b, c, d }.Select(v => v.Layer));
        var skip = layout.Edges.Single(e => e.From == a && e.To == d);
        Assert.Equal(2, skip.Via.Count);
        Assert.Equal([1, 2], skip.Via.Select(v => v.Layer));
        Assert.True(a.Y < b.Y && b.Y < c.Y && c.Y < d.Y);
        Assert.True(w > 40 && h > 80);
        Assert.Throws<InvalidOperationException>(() => layout.AddEdge(d, a, null));
    }

    [Fact]
    public void CompiledFunctionDumpListsEachVariantWithGuardsPassesAndGraph()
    {
        using var f = Compiler.Compile(xs =>
        {
            using var m = xs[0].Mean();
            using var p = m.Gt(0.0);
            return p.Item<bool>() ? [xs[0].Exp()] : [xs[0].Sigmoid()];
        });
        using var hi = Tensor.RandN(new Shape(3), new Generator(71), mean: 3);
        using var lo = Tensor.RandN(new Shape(3), new Generator(72), mean: -3);
        f.Run(hi)[0].Dispose();
        f.Run(lo)[0].Dispose();
        var dump = f.Dump();
        Assert.Contains("2 variant(s); calls 2, traces 2, hits 0, guard failures 1, eager fallbacks 0", dump, StringComparison.Ordinal);
        Assert.Contains("== variant 1: signature (f32[3])", dump, StringComparison.Ordinal);
        Assert.Contains("== variant 2: signature (f32[3])", dump, StringComparison.Ordinal);
        Assert.Contains("read by Item == bool[] [1]", dump, StringComparison.Ordinal);
        Assert.Contains("read by Item == bool[] [0]", dump, StringComparison.Ordinal);
        Assert.Contains("guard graph:", dump, StringComparison.Ordinal);
        Assert.Contains("passes:", dump, StringComparison.Ordinal);
        Assert.Contains("= Exp(%input)", dump, StringComparison.Ordinal);
        Assert.Contains("= Sigmoid(%input)", dump, StringComparison.Ordinal);
        // the guarded mean moved to the guard graphs: the variants' own graphs compute only the output
        Assert.Equal(2, CountOf(dump, "= ReduceMean(%input)"));
        Assert.Equal(2, CountOf(dump, "_guards(%input"));
    }

    private static int CountOf(string s, string what) => (s.Length - s.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
}
