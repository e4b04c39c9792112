using DeepSeek.Graph;
using IrGraph = DeepSeek.Graph.Graph;
using DeepSeek.Graph.Execution;
using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Conformance;

/// <summary>Outcome of one node-test case.</summary>
public enum CaseStatus
{
    /// <summary>Every output matched in count, dtype, shape and value.</summary>
    Pass,
    /// <summary>Ran (or tried to) and got a wrong answer, an error or a timeout.</summary>
    Fail,
    /// <summary>Needs an operator, domain or element type DeepSeek does not have (counted as skipped).</summary>
    Unsupported,
}

/// <summary>The result of one case: status, largest absolute error seen, why it did not pass, and the ops it uses.</summary>
public sealed record CaseResult(string Case, CaseStatus Status, double? MaxAbsErr, string? Reason, IReadOnlyList<string> OpTypes, double Seconds)
{
    /// <summary>Operators with no kernel at the model's opset ("ai.onnx::Foo (opset 18)"), when that made the case unsupported.</summary>
    public IReadOnlyList<string> MissingOps { get; init; } = [];

    /// <summary>"pass", "fail" or "unsupported".</summary>
    public string StatusName => Status.ToString().ToLowerInvariant();
}

/// <summary>
/// Runs one ONNX backend node-test case folder (<c>model.onnx</c> + <c>test_data_set_0/{input,output}_N.pb</c>):
/// load, import, check kernels, load values by declared type, run on the interpreter, compare with the
/// suite's tolerance. Every exception becomes a result; a case that exceeds the timeout is abandoned as failed.
/// </summary>
public static class CaseRunner
{
    /// <summary>Runs the case in <paramref name="caseDir"/> on a worker thread, giving up after <paramref name="timeout"/>.</summary>
    public static CaseResult Run(string caseDir, TimeSpan timeout)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(caseDir));
        CaseResult? result = null;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var worker = new Thread(() => result = RunInline(caseDir), 64 * 1024 * 1024) { IsBackground = true, Name = name };
        worker.Start();
        if (!worker.Join(timeout))
            return new CaseResult(name, CaseStatus.Fail, null, $"timed out after {timeout.TotalSeconds:0.#} s (abandoned)", OpTypesOf(caseDir), sw.Elapsed.TotalSeconds);
        return result!;
    }

    /// <summary>Runs the case on the calling thread (no timeout).</summary>
    public static CaseResult RunInline(string caseDir)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(caseDir));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<string> ops = [];
        CaseResult Make(CaseStatus s, double? err, string? why) => new(name, s, err, why, ops, sw.Elapsed.TotalSeconds);

        var stage = "loading model.onnx";
        var inputs = new List<OnnxValue>();
        var expected = new List<OnnxValue>();
        Dictionary<string, RuntimeValue>? outputs = null;
        IrGraph? graph = null;
        try
        {
            var model = OnnxModelFile.Load(Path.Combine(caseDir, "model.onnx"));
            ops = OpTypes(model);
            stage = "importing";
            graph = OnnxImporter.Import(model);
            stage = "checking kernels";
            var interp = new Interpreter();
            var missing = MissingKernels(interp.Registry, graph);
            if (missing.Count > 0)
                return Make(CaseStatus.Unsupported, null, $"no kernel for {string.Join(", ", missing)}") with { MissingOps = missing };
            interp.Check(graph);

            stage = "loading inputs";
            var data = Path.Combine(caseDir, "test_data_set_0");
            var feeds = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
            for (int i = 0; File.Exists(Path.Combine(data, $"input_{i}.pb")); i++)
            {
                if (i >= model.Graph.Input.Count)
                    return Make(CaseStatus.Fail, null, $"input_{i}.pb has no matching graph input (the model declares {model.Graph.Input.Count}).");
                var info = model.Graph.Input[i];
                var v = OnnxValue.Load(Path.Combine(data, $"input_{i}.pb"), info.Type);
                inputs.Add(v);
                feeds[info.Name] = ValueConvert.ToRuntime(v, info.Type);
            }
            stage = "loading expected outputs";
            for (int i = 0; File.Exists(Path.Combine(data, $"output_{i}.pb")); i++)
            {
                if (i >= model.Graph.Output.Count)
                    return Make(CaseStatus.Fail, null, $"output_{i}.pb has no matching graph output (the model declares {model.Graph.Output.Count}).");
                expected.Add(OnnxValue.Load(Path.Combine(data, $"output_{i}.pb"), model.Graph.Output[i].Type));
            }

            stage = "running";
            outputs = interp.Run(graph, feeds);

            stage = "comparing";
            if (outputs.Count != expected.Count && graph.Outputs.Count != expected.Count)
                return Make(CaseStatus.Fail, null, $"output count: got {graph.Outputs.Count}, expected {expected.Count}.");
            double maxErr = 0;
            for (int i = 0; i < expected.Count; i++)
            {
                var outName = model.Graph.Output[i].Name;
                if (!outputs.TryGetValue(outName, out var actual))
                    return Make(CaseStatus.Fail, null, $"output {i} '{outName}' was not produced.");
                var why = ValueCompare.Compare($"output {i} '{outName}'", expected[i], actual, ref maxErr);
                if (why is not null) return Make(CaseStatus.Fail, maxErr, why);
            }
            return Make(CaseStatus.Pass, maxErr, null);
        }
        catch (Exception e) when (IsUnsupported(e))
        {
            return Make(CaseStatus.Unsupported, null, $"{stage}: {OneLine(e.Message)}");
        }
        catch (Exception e)
        {
            return Make(CaseStatus.Fail, null, $"{stage}: {e.GetType().Name}: {OneLine(e.Message)}");
        }
        finally
        {
            if (outputs is not null) foreach (var v in outputs.Values) v.Dispose();
            foreach (var v in inputs) v.Dispose();
            foreach (var v in expected) v.Dispose();
            graph?.Dispose();
        }
    }

    /// <summary>Every "domain::Op (opset N)" in <paramref name="graph"/> or its sub-graphs that has no kernel in <paramref name="registry"/>.</summary>
    public static List<string> MissingKernels(OpRegistry registry, IrGraph graph)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        Collect(registry, graph, set);
        return set.ToList();
    }

    private static void Collect(OpRegistry registry, IrGraph g, SortedSet<string> set)
    {
        foreach (var n in g.Nodes)
        {
            long opset = g.OpsetFor(n.Domain);
            if (registry.Find(n.Domain, n.OpType, opset) is null)
                set.Add($"{(n.Domain is "" or "ai.onnx" ? "ai.onnx" : n.Domain)}::{n.OpType} (opset {opset})");
            foreach (var a in n.Attributes.Values)
            {
                if (a.Raw is IrGraph sg) Collect(registry, sg, set);
                else if (a.Raw is IrGraph[] gs) foreach (var s in gs) Collect(registry, s, set);
            }
        }
    }

    // Unsupported = the model needs an operator, domain or element type DeepSeek does not implement.
    private static bool IsUnsupported(Exception e) => e is UnsupportedOperatorException or UnsupportedDataTypeException;

    private static string OneLine(string s)
    {
        s = s.Replace('\r', ' ').Replace('\n', ' ');
        return s.Length <= 400 ? s : s[..400] + "…";
    }

    /// <summary>Op types used by the model in <paramref name="caseDir"/> (empty when it cannot be read).</summary>
    public static IReadOnlyList<string> OpTypesOf(string caseDir)
    {
        try { return OpTypes(OnnxModelFile.Load(Path.Combine(caseDir, "model.onnx"))); }
        catch (Exception e) when (e is IOException or Google.Protobuf.InvalidProtocolBufferException or DeepSeekException) { return []; }
    }

    /// <summary>Distinct op types of the model's graph and sub-graphs, as "Op" (default domain) or "domain::Op", sorted.</summary>
    public static IReadOnlyList<string> OpTypes(ModelProto model)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        Walk(model.Graph, set);
        return set.ToList();
    }

    private static void Walk(GraphProto g, SortedSet<string> set)
    {
        foreach (var n in g.Node)
        {
            set.Add(n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}::{n.OpType}");
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) Walk(a.G, set);
                foreach (var sg in a.Graphs) Walk(sg, set);
            }
        }
    }
}
