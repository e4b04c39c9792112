using DeepSeek.Graph.Execution;

namespace DeepSeek.Graph.Ops;

/// <summary>Small helpers shared by kernel files.</summary>
internal static class OpHelpers
{
    /// <summary>One tensor output.</summary>
    public static RuntimeValue?[] One(Tensor t) => [new TensorValue(t)];

    /// <summary>Several tensor outputs.</summary>
    public static RuntimeValue?[] Many(params Tensor[] ts) => ts.Select(t => (RuntimeValue?)new TensorValue(t)).ToArray();

    /// <summary>Registers a unary tensor → tensor op for the given since-versions.</summary>
    public static void Unary(OpRegistry r, string op, long[] since, Func<Tensor, Tensor> f) =>
        r.Register(op, since, ctx => One(f(ctx.Tensor(0))));

    /// <summary>Registers a binary (broadcasting) tensor op for the given since-versions.</summary>
    public static void Binary(OpRegistry r, string op, long[] since, Func<Tensor, Tensor, Tensor> f) =>
        r.Register(op, since, ctx => One(f(ctx.Tensor(0), ctx.Tensor(1))));
}
