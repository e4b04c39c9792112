using DeepSeek.Graph.Execution;
using DeepSeek.Onnx.Conformance;

namespace DeepSeek.Onnx.Tests;

/// <summary>Runs alone: the whole node suite is CPU-heavy and must not disturb pool-statistics tests.</summary>
[CollectionDefinition("Conformance", DisableParallelization = true)]
public sealed class ConformanceCollection;

/// <summary>
/// The issue-4 acceptance guard: runs every ONNX backend node-test case in-process and fails, listing them, when
/// any case that tests/DeepSeek.Onnx.Conformance/expected-status.txt marks as passing no longer passes.
/// </summary>
[Collection("Conformance")]
public sealed class ConformanceRegressionTests
{
    private static string ExpectedPath => Path.Combine(NodeTestData.RepoRoot!, "tests", "DeepSeek.Onnx.Conformance", "expected-status.txt");

    [Fact]
    public void NoCaseExpectedToPassRegresses()
    {
        var expected = ExpectedStatus.Read(ExpectedPath);
        Assert.True(expected.Count(kv => kv.Value == "pass") > 0, $"{ExpectedPath} lists no passing case.");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var results = Suite.RunAll(NodeTestData.NodeDir, null, Suite.DefaultTimeout);
        var names = results.Select(r => r.Case).ToHashSet(StringComparer.Ordinal);
        var vanished = expected.Keys.Where(k => !names.Contains(k)).ToList();
        Assert.True(vanished.Count == 0, $"cases listed in expected-status.txt but missing from the suite: {string.Join(", ", vanished)}");
        var regressions = ExpectedStatus.Regressions(expected, results);
        Assert.True(regressions.Count == 0,
            $"{regressions.Count} case(s) regressed from pass ({Suite.Summary(results)} in {sw.Elapsed.TotalSeconds:0} s):\n" +
            string.Join("\n", regressions.Select(r => $"  {r.Case}: {r.StatusName}: {r.Reason}")));
    }

    [Fact]
    public void ACaseWithAWrongKernelFailsWithTheMismatchedValue()
    {
        // the runner must catch wrong answers: test_add passes, and its expected output x + y compared against x
        // alone is reported with the first differing index.
        var add = CaseRunner.RunInline(NodeTestData.Case("test_add"));
        Assert.Equal(CaseStatus.Pass, add.Status);
        Assert.Contains("Add", add.OpTypes);
        var model = OnnxModelFile.Load(Path.Combine(NodeTestData.Case("test_add"), "model.onnx"));
        using var x = OnnxValue.Load(Path.Combine(NodeTestData.Case("test_add"), "test_data_set_0", "input_0.pb"), model.Graph.Input[0].Type);
        using var y = OnnxValue.Load(Path.Combine(NodeTestData.Case("test_add"), "test_data_set_0", "output_0.pb"), model.Graph.Output[0].Type);
        double err = 0;
        var why = ValueCompare.Compare("output 0", y, new TensorValue(x.Tensor), ref err);
        Assert.NotNull(why);
        Assert.Contains("values differ", why);
        Assert.True(err > 0);
    }

    [Fact]
    public void ComparisonFollowsTheSuiteTolerance()
    {
        using var e = Tensor.FromArray(new float[] { 1, 100, float.NaN, 0 }, 4);
        using var ok = Tensor.FromArray(new float[] { 1.0009f, 100.09f, float.NaN, 1e-8f }, 4);
        using var bad = Tensor.FromArray(new float[] { 1.0011f, 100, float.NaN, 0 }, 4);
        using var nan = Tensor.FromArray(new float[] { 1, 100, 0, 0 }, 4);
        double err = 0;
        Assert.Null(ValueCompare.CompareTensor("y", e, ok, ref err));
        Assert.InRange(err, 0.08, 0.1);
        err = 0;
        Assert.Contains("first at [0]", ValueCompare.CompareTensor("y", e, bad, ref err));
        Assert.Contains("first at [2]", ValueCompare.CompareTensor("y", e, nan, ref err));
        using var shaped = Tensor.FromArray(new float[] { 1, 100, float.NaN, 0 }, 2, 2);
        Assert.Contains("shape [2, 2], expected [4]", ValueCompare.CompareTensor("y", e, shaped, ref err));
        using var i64 = Tensor.FromArray(new long[] { 1, 100, 0, 0 }, 4);
        Assert.Contains("dtype i64, expected f32", ValueCompare.CompareTensor("y", e, i64, ref err));
        using var big = Tensor.FromArray(new long[] { long.MaxValue, 1 }, 2);
        using var bigOff = Tensor.FromArray(new long[] { long.MaxValue - 1, 1 }, 2);
        Assert.Contains("1 of 2 values differ", ValueCompare.CompareTensor("y", big, bigOff, ref err));
    }

    [Fact]
    public void ExpectedStatusRoundTripsAndFindsRegressions()
    {
        var path = Path.Combine(Path.GetTempPath(), "deepseek-expected-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            CaseResult R(string c, CaseStatus s) => new(c, s, null, s == CaseStatus.Pass ? null : "why", [], 0);
            ExpectedStatus.Write(path, [R("test_b", CaseStatus.Fail), R("test_a", CaseStatus.Pass), R("test_c", CaseStatus.Unsupported)]);
            var map = ExpectedStatus.Read(path);
            Assert.Equal("pass", map["test_a"]);
            Assert.Equal("fail", map["test_b"]);
            Assert.Equal("unsupported", map["test_c"]);
            var now = new[] { R("test_a", CaseStatus.Fail), R("test_b", CaseStatus.Pass), R("test_c", CaseStatus.Unsupported) };
            Assert.Equal(["test_a"], ExpectedStatus.Regressions(map, now).Select(r => r.Case));
            Assert.Equal(["test_b"], ExpectedStatus.NewPasses(map, now).Select(r => r.Case));
            File.AppendAllText(path, "test_d maybe\n");
            Assert.Throws<FormatException>(() => ExpectedStatus.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
