// The "activation" / "activation_params" attributes shared by deepseek::FusedConv and deepseek::FusedGemm, in the
// spirit of ONNX Runtime's com.microsoft FusedConv/FusedGemm: an ONNX/PyTorch activation name plus its float
// parameters (Clip: min, max; LeakyRelu: alpha; HardSigmoid: alpha, beta), mapped onto Core's Epilogue.
using DeepSeek.Backends;

namespace DeepSeek.Graph.Ops;

/// <summary>Reads and writes the activation attributes of the fused deepseek ops.</summary>
public static class FusedActivation
{
    /// <summary>The activation names the fused ops accept (attribute "activation"; absent = none).</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Silu", "Tanh", "Gelu", "GeluTanh"];

    /// <summary>The epilogue (without residual) a fused node's attributes describe; throws naming the node when they are invalid.</summary>
    public static Epilogue Read(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!node.Attributes.ContainsKey("activation")) return Epilogue.None;
        var name = node.GetString("activation", "");
        var ps = node.GetFloats("activation_params") ?? [];
        float P(int i, float fallback) => i < ps.Length ? ps[i] : fallback;
        int expected = name switch { "Clip" => 2, "LeakyRelu" => 1, "HardSigmoid" => 2, _ => 0 };
        if (ps.Length > expected)
            throw new ModelFormatException($"{node.OpType} node '{node.Name}': activation '{name}' takes {expected} activation_params, got {ps.Length}.");
        return name switch
        {
            "Relu" => Epilogue.Relu,
            "Clip" => Epilogue.Clip(P(0, float.NegativeInfinity), P(1, float.PositiveInfinity)),
            "LeakyRelu" => Epilogue.LeakyRelu(P(0, 0.01f)),
            "Sigmoid" => Epilogue.Sigmoid,
            "HardSigmoid" => Epilogue.HardSigmoid(P(0, 0.2f), P(1, 0.5f)),
            "HardSwish" => Epilogue.HardSwish,
            "Silu" => Epilogue.Silu,
            "Tanh" => Epilogue.Tanh,
            "Gelu" => Epilogue.Gelu,
            "GeluTanh" => Epilogue.GeluTanh,
            _ => throw new ModelFormatException(
                $"{node.OpType} node '{node.Name}': unknown activation '{name}'; expected one of {string.Join(", ", Names)}."),
        };
    }

    /// <summary>Sets (or, for no activation, removes) the activation attributes of <paramref name="node"/> to describe <paramref name="e"/>.</summary>
    public static void Write(Node node, Epilogue e)
    {
        ArgumentNullException.ThrowIfNull(node);
        node.Attributes.Remove("activation");
        node.Attributes.Remove("activation_params");
        if (e.Activation == EpilogueActivation.None) return;
        node.Attributes["activation"] = AttributeValue.Of(e.Activation.ToString());
        float[]? ps = e.Activation switch
        {
            EpilogueActivation.Clip or EpilogueActivation.HardSigmoid => [e.Alpha, e.Beta],
            EpilogueActivation.LeakyRelu => [e.Alpha],
            _ => null,
        };
        if (ps is not null) node.Attributes["activation_params"] = AttributeValue.Of(ps);
    }

    /// <summary>
    /// dst = act(dst + residual) with the unfused tensor ops, for dtypes the fused kernels do not take (F16/BF16 compute
    /// in F32 first); returns a new tensor.
    /// </summary>
    internal static Tensor ApplyUnfused(Tensor y, Tensor? residual, Epilogue e)
    {
        if (residual is not null) y = y.Add(residual);
        return e.Activation switch
        {
            EpilogueActivation.None => y,
            EpilogueActivation.Relu => y.Relu(),
            EpilogueActivation.Clip => y.Clamp((double)e.Alpha, (double)e.Beta),
            EpilogueActivation.LeakyRelu => y.LeakyRelu(e.Alpha),
            EpilogueActivation.Sigmoid => y.Sigmoid(),
            EpilogueActivation.HardSigmoid => y.HardSigmoid(e.Alpha, e.Beta),
            EpilogueActivation.HardSwish => y.HardSwish(),
            EpilogueActivation.Silu => y.Silu(),
            EpilogueActivation.Tanh => y.Tanh(),
            EpilogueActivation.Gelu => y.Gelu(),
            EpilogueActivation.GeluTanh => y.Gelu(GeluApproximation.Tanh),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e.Activation, "unknown epilogue activation"),
        };
    }
}
