using DeepSeek.Backends;

namespace DeepSeek.Autograd;

/// <summary>
/// Backward of Conv2d and ConvTranspose2d (Conv1d reaches it through Unsqueeze views). The two are adjoint: the input
/// gradient of a convolution is the transposed convolution of the output gradient and vice versa; the weight gradient
/// correlates the output gradient with the input; the bias gradient sums the output gradient over N, H, W.
/// </summary>
internal sealed class ConvolutionBackward : GradNode
{
    private readonly string _op;
    private readonly Conv2dParams _p;
    private readonly bool _transposed;
    private readonly Shape _xShape, _wShape;
    private readonly DType _dtype;
    private SavedTensor? _x, _w;

    public ConvolutionBackward(string op, Tensor x, Tensor w, Tensor? bias, Conv2dParams p, bool transposed) : base(x, w, bias)
    {
        _op = op;
        _p = p;
        _transposed = transposed;
        _xShape = x.Shape;
        _wShape = w.Shape;
        _dtype = x.DType;
        if (Next[1] is not null) _x = Save(x);
        if (Next[0] is not null) _w = Save(w);
    }

    public override string Name => _op + "Backward";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        Tensor? gx = null, gw = null, gb = null;
        if (Next[0] is not null) gx = Tensor.ConvInputGrad(g, _w!.Get(Name), _p, _xShape, _transposed);
        if (Next[1] is not null)
        {
            var x = _x!.Get(Name);
            gw = _transposed ? Tensor.ConvWeightGrad(g, x, _p, _wShape, _dtype) : Tensor.ConvWeightGrad(x, g, _p, _wShape, _dtype);
        }
        if (Next[2] is not null) gb = GradUtil.As(g.Sum([0, 2, 3]), _dtype);
        return [gx, gw, gb];
    }

    protected override void Release()
    {
        _x?.Release();
        _w?.Release();
        _x = _w = null;
    }
}
