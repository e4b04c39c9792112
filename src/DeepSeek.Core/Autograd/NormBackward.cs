namespace DeepSeek.Autograd;

/// <summary>
/// Backward of BatchNorm. Training: the gradient flows through the batch mean and variance (recomputed from the saved
/// input); eval: the running statistics are constants (saved as copies, since training steps update them in place)
/// and receive no gradient. Weight and bias get Σ dy·x̂ and Σ dy per channel.
/// </summary>
internal sealed class BatchNormBackward : GradNode
{
    private readonly bool _training;
    private readonly double _eps;
    private SavedTensor? _x, _w, _rm, _rv;

    public BatchNormBackward(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, bool training, double eps)
        : base(x, weight, bias)
    {
        _training = training;
        _eps = eps;
        _x = Save(x);
        if (weight is not null) _w = Save(weight);
        if (!training)
        {
            using var rm = runningMean!.Clone();
            using var rv = runningVar!.Clone();
            _rm = Save(rm);
            _rv = Save(rv);
        }
    }

    protected internal override Tensor?[] Backward(Tensor g) =>
        Tensor.BatchNormGrad(_x!.Get(Name), g, _w?.Get(Name), _rm?.Get(Name), _rv?.Get(Name), _training, _eps,
            [Next[0] is not null, Next[1] is not null, Next[2] is not null]);

    protected override void Release()
    {
        _x?.Release();
        _w?.Release();
        _rm?.Release();
        _rv?.Release();
        _x = _w = _rm = _rv = null;
    }
}

/// <summary>Backward of LayerNorm: per row, dx = γ·r·(dy − mean(dy) − x̂·mean(dy·x̂)) (with γ folded into dy); weight and bias sum over rows.</summary>
internal sealed class LayerNormBackward : GradNode
{
    private readonly int[] _normalizedShape;
    private readonly double _eps;
    private SavedTensor? _x, _w;

    public LayerNormBackward(Tensor x, Tensor? weight, Tensor? bias, int[] normalizedShape, double eps) : base(x, weight, bias)
    {
        _normalizedShape = (int[])normalizedShape.Clone();
        _eps = eps;
        _x = Save(x);
        if (weight is not null) _w = Save(weight);
    }

    protected internal override Tensor?[] Backward(Tensor g) =>
        Tensor.LayerNormGrad(_x!.Get(Name), g, _w?.Get(Name), _normalizedShape, _eps, [Next[0] is not null, Next[1] is not null, Next[2] is not null]);

    protected override void Release()
    {
        _x?.Release();
        _w?.Release();
        _x = _w = null;
    }
}

/// <summary>Backward of GroupNorm: the LayerNorm formula per (image, group), with per-channel weight and bias gradients.</summary>
internal sealed class GroupNormBackward : GradNode
{
    private readonly int _groups;
    private readonly double _eps;
    private SavedTensor? _x, _w;

    public GroupNormBackward(Tensor x, int groups, Tensor? weight, Tensor? bias, double eps) : base(x, weight, bias)
    {
        _groups = groups;
        _eps = eps;
        _x = Save(x);
        if (weight is not null) _w = Save(weight);
    }

    protected internal override Tensor?[] Backward(Tensor g) =>
        Tensor.GroupNormGrad(_x!.Get(Name), g, _groups, _w?.Get(Name), _eps, [Next[0] is not null, Next[1] is not null, Next[2] is not null]);

    protected override void Release()
    {
        _x?.Release();
        _w?.Release();
        _x = _w = null;
    }
}
