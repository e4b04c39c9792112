using DeepSeek.Graph.Compilation;

namespace DeepSeek.Graph.Tests.Compilation;

public sealed class MemoryPlannerTests
{
    private static PlannerValue V(string name, long bytes, int def, int last) => new(name, bytes, def, last);

    [Fact]
    public void ChainPlacesLargestFirstAndReusesBytesOfDeadValues()
    {
        // a(100) [0,1], b(200) [1,2], c(100) [2,3]: b goes first at 0; a overlaps b in time → 256 (200 aligned up);
        // c overlaps b but not a → shares a's bytes at 256.
        var plan = MemoryPlanner.Plan([V("a", 100, 0, 1), V("b", 200, 1, 2), V("c", 100, 2, 3)]);
        Assert.Equal([256L, 0L, 256L], plan.Offsets);
        Assert.Equal(356, plan.ArenaBytes);
        Assert.Equal(400, plan.NaiveBytes);
        Assert.Equal(300, plan.PeakLiveBytes);
        Assert.Equal(0, plan.InPlaceReuses);
    }

    [Fact]
    public void SmallValueFillsTheFirstGapThatFits()
    {
        // z(192) [0,1] goes first at 0; x and y (64, [0,9]) live with it and each other → 192 and 256; w(64) [2,3]
        // lives only with x and y and takes the gap z leaves at 0.
        var plan = MemoryPlanner.Plan([V("z", 192, 0, 1), V("x", 64, 0, 9), V("y", 64, 0, 9), V("w", 64, 2, 3)]);
        Assert.Equal([0L, 192L, 256L, 0L], plan.Offsets);
        Assert.Equal(320, plan.ArenaBytes);
        Assert.Equal(320, plan.PeakLiveBytes);
    }

    [Fact]
    public void InPlaceCandidateMergesBuffersWhenTheInputDiesThere()
    {
        // relu chain: a [0,1] → b (in place on a) [1,2] → c (in place on b) [2,3]
        var plan = MemoryPlanner.Plan([V("a", 256, 0, 1), V("b", 256, 1, 2), V("c", 256, 2, 3)],
            [new InPlaceCandidate(1, 0), new InPlaceCandidate(2, 1)]);
        Assert.Equal(2, plan.InPlaceReuses);
        Assert.Equal([0, 0, 0], plan.BufferOf);
        Assert.Equal(256, plan.ArenaBytes);
        Assert.Equal(256, plan.PeakLiveBytes);
        Assert.Equal(768, plan.NaiveBytes);
    }

    [Fact]
    public void InPlaceIsRefusedWhenTheInputLivesOnOrSizesDiffer()
    {
        var livesOn = MemoryPlanner.Plan([V("a", 256, 0, 2), V("b", 256, 1, 2)], [new InPlaceCandidate(1, 0)]);
        Assert.Equal(0, livesOn.InPlaceReuses);
        Assert.NotEqual(livesOn.Offsets[0], livesOn.Offsets[1]);
        var sizes = MemoryPlanner.Plan([V("a", 256, 0, 1), V("b", 128, 1, 2)], [new InPlaceCandidate(1, 0)]);
        Assert.Equal(0, sizes.InPlaceReuses);
        Assert.Equal(384, sizes.ArenaBytes);
    }

    [Fact]
    public void BadLifetimesAndCandidatesAreRejected()
    {
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => MemoryPlanner.Plan([V("a", 8, 3, 2)])).Message);
        Assert.Throws<ArgumentException>(() => MemoryPlanner.Plan([V("a", -1, 0, 0)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryPlanner.Plan([V("a", 8, 0, 1)], [new InPlaceCandidate(0, 5)]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomLifetimesNeverOverlapAndRespectTheBounds(int seed)
    {
        var rng = new Random(seed);
        for (int trial = 0; trial < 40; trial++)
        {
            int n = rng.Next(1, 60), steps = rng.Next(1, 40);
            var values = new PlannerValue[n];
            for (int i = 0; i < n; i++)
            {
                int def = rng.Next(steps), last = def + rng.Next(Math.Min(8, steps - def));
                long bytes = rng.Next(4) == 0 ? 256 : rng.Next(0, 5000);
                values[i] = V("v" + i, bytes, def, last);
            }
            var candidates = new List<InPlaceCandidate>();
            for (int k = 0; k < n; k++) candidates.Add(new InPlaceCandidate(rng.Next(n), rng.Next(n)));
            var plan = MemoryPlanner.Plan(values, candidates);

            for (int i = 0; i < n; i++)
            {
                Assert.Equal(0, plan.Offsets[i] % MemoryPlanner.Alignment);
                Assert.True(plan.Offsets[i] + values[i].Bytes <= plan.ArenaBytes);
                for (int j = i + 1; j < n; j++)
                {
                    bool together = values[i].Definition <= values[j].LastUse && values[j].Definition <= values[i].LastUse;
                    bool apart = plan.Offsets[i] + values[i].Bytes <= plan.Offsets[j] || plan.Offsets[j] + values[j].Bytes <= plan.Offsets[i];
                    if (!together || apart || values[i].Bytes == 0 || values[j].Bytes == 0) continue;
                    // only an accepted in-place pair may share bytes: one buffer, the input dying where the output is made
                    Assert.True(plan.BufferOf[i] == plan.BufferOf[j], $"trial {trial}: {values[i]} at {plan.Offsets[i]} overlaps {values[j]} at {plan.Offsets[j]}");
                    var (early, late) = values[i].Definition <= values[j].Definition ? (values[i], values[j]) : (values[j], values[i]);
                    Assert.True(early.LastUse == late.Definition && early.Bytes == late.Bytes, $"trial {trial}: {early} and {late} share a buffer");
                }
            }
            Assert.True(plan.ArenaBytes >= plan.PeakLiveBytes, $"arena {plan.ArenaBytes} < peak {plan.PeakLiveBytes}");
            Assert.True(plan.ArenaBytes <= values.Sum(v => MemoryPlanner.AlignUp(v.Bytes)));
            Assert.Equal(values.Sum(v => v.Bytes), plan.NaiveBytes);
            Assert.Equal(n - plan.BufferOf.Distinct().Count(), plan.InPlaceReuses);
        }
    }
}
