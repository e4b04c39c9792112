namespace DeepSeek.Tests;

/// <summary>
/// Tests that change process-wide settings (SimdInfo.Level, DeepSeekOptions.Threads) or read pool totals
/// join this collection so they never run beside another test. They must restore what they change.
/// </summary>
[CollectionDefinition("GlobalState", DisableParallelization = true)]
public sealed class GlobalStateCollection;
