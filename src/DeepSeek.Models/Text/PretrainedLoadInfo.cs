namespace DeepSeek.Models.Text;

/// <summary>
/// What <c>FromPretrained</c> did with a checkpoint's keys (like transformers' output_loading_info): the prefix it
/// stripped, the checkpoint keys it ignored (task heads, legacy buffers) and the model keys it left at their
/// initial values.
/// </summary>
/// <param name="StrippedPrefix">Prefix removed from the checkpoint keys ("bert." for task models), or "" for none.</param>
/// <param name="IgnoredKeys">Checkpoint keys that the model has no place for.</param>
/// <param name="MissingKeys">Model keys absent from the checkpoint that were allowed to keep their initialisation.</param>
public sealed record PretrainedLoadInfo(string StrippedPrefix, IReadOnlyList<string> IgnoredKeys, IReadOnlyList<string> MissingKeys)
{
    /// <summary>One line per ignored or missing key, for logging.</summary>
    public IReadOnlyList<string> Warnings =>
        IgnoredKeys.Select(k => $"ignored checkpoint key '{k}'").Concat(MissingKeys.Select(k => $"model key '{k}' not in the checkpoint; kept its initial value")).ToList();
}
