// A small Sugiyama-style layered layout (Sugiyama, Tagawa & Toda 1981; longest-path layering as in Healy & Nikolov,
// "Graph Drawing Handbook" ch. 13): layers by longest path from the sources, dummy vertices on edges spanning several
// layers, barycenter sweeps to reduce crossings, then x from the parents' mean with a minimum gap.
namespace DeepSeek.Graph.Compilation;

/// <summary>Positions boxes of a DAG in rows (top to bottom); vertices must be added in topological order.</summary>
internal sealed class LayeredLayout
{
    private const double GapX = 24, GapY = 44, Margin = 12;
    private const int Sweeps = 4;

    /// <summary>A box (or a zero-size dummy routing a long edge) and its computed centre.</summary>
    public sealed class Vertex(int index, double width, double height, bool dummy)
    {
        public int Index { get; } = index;
        public double Width { get; } = width;
        public double Height { get; } = height;
        public bool IsDummy { get; } = dummy;
        public int Layer { get; set; }
        public double Order { get; set; }
        public double X { get; set; }
        public double Y { get; set; }
        public List<Vertex> Up { get; } = new();
        public List<Vertex> Down { get; } = new();
    }

    /// <summary>An edge and the points it passes through once laid out (source bottom, dummies, target top).</summary>
    public sealed class Edge(Vertex from, Vertex to, object? tag)
    {
        public Vertex From { get; } = from;
        public Vertex To { get; } = to;
        public object? Tag { get; } = tag;
        public List<Vertex> Via { get; } = new();
    }

    private readonly List<Vertex> _vertices = new();
    private readonly List<Edge> _edges = new();

    public IReadOnlyList<Edge> Edges => _edges;

    public Vertex AddVertex(double width, double height)
    {
        var v = new Vertex(_vertices.Count, width, height, false);
        _vertices.Add(v);
        return v;
    }

    /// <summary>Adds an edge from an earlier vertex to a later one (one per pair; repeats are ignored).</summary>
    public void AddEdge(Vertex from, Vertex to, object? tag)
    {
        if (from.Index >= to.Index)
            throw new InvalidOperationException($"LayeredLayout: edge {from.Index} → {to.Index} goes backwards; add vertices in topological order.");
        if (_edges.Any(e => e.From == from && e.To == to)) return;
        _edges.Add(new Edge(from, to, tag));
    }

    /// <summary>Computes every position; returns the drawing's width and height.</summary>
    public (double Width, double Height) Run()
    {
        var real = _vertices.ToList();
        foreach (var v in real) v.Layer = 0;
        foreach (var e in _edges.OrderBy(e => e.To.Index)) e.To.Layer = Math.Max(e.To.Layer, e.From.Layer + 1);
        var layers = new List<List<Vertex>>();
        void Place(Vertex v)
        {
            while (layers.Count <= v.Layer) layers.Add(new());
            v.Order = layers[v.Layer].Count;
            layers[v.Layer].Add(v);
        }
        foreach (var v in real) Place(v);
        foreach (var e in _edges)
        {
            var prev = e.From;
            for (int l = e.From.Layer + 1; l < e.To.Layer; l++)
            {
                var d = new Vertex(-1, 0, 0, true) { Layer = l };
                Place(d);
                e.Via.Add(d);
                Link(prev, d);
                prev = d;
            }
            Link(prev, e.To);
        }
        for (int s = 0; s < Sweeps; s++)
        {
            for (int l = 1; l < layers.Count; l++) SortByBarycenter(layers[l], v => v.Up);
            for (int l = layers.Count - 2; l >= 0; l--) SortByBarycenter(layers[l], v => v.Down);
        }
        return Coordinates(layers);
    }

    private static void Link(Vertex a, Vertex b)
    {
        a.Down.Add(b);
        b.Up.Add(a);
    }

    private static void SortByBarycenter(List<Vertex> layer, Func<Vertex, List<Vertex>> neighbours)
    {
        var keys = layer.ToDictionary(v => v, v => neighbours(v) is { Count: > 0 } n ? n.Average(u => u.Order) : v.Order);
        var sorted = layer.OrderBy(v => keys[v]).ThenBy(v => v.Order).ToList(); // stable for ties
        layer.Clear();
        layer.AddRange(sorted);
        for (int i = 0; i < layer.Count; i++) layer[i].Order = i;
    }

    private static (double, double) Coordinates(List<List<Vertex>> layers)
    {
        double y = Margin;
        foreach (var layer in layers)
        {
            double rowHeight = layer.Count == 0 ? 0 : layer.Max(v => v.Height);
            double left = double.NegativeInfinity;
            foreach (var v in layer)
            {
                // centre under the parents when there is room, else just right of the previous box
                double want = v.Up.Count > 0 ? v.Up.Average(u => u.X) : Margin + v.Width / 2;
                double min = double.IsNegativeInfinity(left) ? Margin + v.Width / 2 : left + GapX + v.Width / 2;
                v.X = Math.Max(want, min);
                v.Y = y + rowHeight / 2;
                left = v.X + v.Width / 2;
            }
            y += rowHeight + GapY;
        }
        var all = layers.SelectMany(l => l).ToList();
        if (all.Count == 0) return (2 * Margin, 2 * Margin);
        double shift = Margin - all.Min(v => v.X - v.Width / 2);
        foreach (var v in all) v.X += shift;
        return (all.Max(v => v.X + v.Width / 2) + Margin, y - GapY + Margin);
    }
}
