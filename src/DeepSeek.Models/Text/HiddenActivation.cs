namespace DeepSeek.Models.Text;

/// <summary>The activation names of Hugging Face's ACT2FN table that the text models support.</summary>
internal static class HiddenActivation
{
    /// <summary>Names accepted in config.json (hidden_act / activation_function).</summary>
    public static readonly string[] Supported = ["gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish", "tanh"];

    public static bool IsSupported(string name) => Array.IndexOf(Supported, name) >= 0;

    /// <summary>Applies the named activation: "gelu" is the exact erf form; gelu_new/gelu_pytorch_tanh/gelu_fast are the tanh approximation.</summary>
    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu" => x.Gelu(GeluApproximation.None),
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x.Gelu(GeluApproximation.Tanh),
        "relu" => x.Relu(),
        "silu" or "swish" => x.Silu(),
        "tanh" => x.Tanh(),
        _ => throw new ArgumentException($"Unsupported activation '{name}'; supported: {string.Join(", ", Supported)}."),
    };
}
