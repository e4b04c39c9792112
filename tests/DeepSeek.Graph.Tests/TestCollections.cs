namespace DeepSeek.Graph.Tests;

/// <summary>Tests that read pool totals run alone (after the parallel ones).</summary>
[CollectionDefinition("Pool", DisableParallelization = true)]
public sealed class PoolCollection;
