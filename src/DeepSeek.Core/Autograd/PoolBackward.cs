using DeepSeek.Backends;

namespace DeepSeek.Autograd;

/// <summary>Backward of max pooling: the output gradient goes to each window's argmax (recorded by the forward pass).</summary>
internal sealed class MaxPool2dBackward : GradNode
{
    private readonly string _op;
    private readonly Shape _xShape;
    private readonly DType _dtype;
    private SavedTensor? _indices;

    public MaxPool2dBackward(string op, Tensor x, Tensor indices) : base(x)
    {
        _op = op;
        _xShape = x.Shape;
        _dtype = x.DType;
        _indices = Save(indices);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g) => [Tensor.MaxPool2dGrad(g, _indices!.Get(Name), _xShape, _dtype)];

    protected override void Release()
    {
        _indices?.Release();
        _indices = null;
    }
}

/// <summary>Backward of average pooling: each output gradient is spread evenly (g / divisor) over its window.</summary>
internal sealed class AvgPool2dBackward : GradNode
{
    private readonly string _op;
    private readonly Pool2dParams _p;
    private readonly Shape _xShape;
    private readonly DType _dtype;

    public AvgPool2dBackward(string op, Tensor x, Pool2dParams p) : base(x)
    {
        _op = op;
        _p = p;
        _xShape = x.Shape;
        _dtype = x.DType;
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g) => [Tensor.AvgPool2dGrad(g, _p, _xShape, _dtype)];
}

/// <summary>Backward of adaptive average pooling: each output gradient is spread evenly over its input cell.</summary>
internal sealed class AdaptiveAvgPool2dBackward : GradNode
{
    private readonly Shape _xShape;
    private readonly DType _dtype;

    public AdaptiveAvgPool2dBackward(Tensor x) : base(x)
    {
        _xShape = x.Shape;
        _dtype = x.DType;
    }

    protected internal override Tensor?[] Backward(Tensor g) => [Tensor.AdaptiveAvgPool2dGrad(g, _xShape, _dtype)];
}
