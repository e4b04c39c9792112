namespace DeepSeek.Graph.Tests.Compilation.ShapeInferenceTests;

using Shape = DeepSeek.Shape;

/// <summary>An input of a one-node test graph: a fed tensor of a dtype and shape, a constant, or an omitted optional input.</summary>
internal abstract record CaseInput;

internal sealed record Fed(DType DType, int[] Shape) : CaseInput;

internal sealed record Const(Func<Tensor> Make) : CaseInput;

internal sealed record Omitted : CaseInput;

/// <summary>One op with its inputs and attributes; the Interpreter's result shapes are the reference.</summary>
internal sealed record Case(string Op, long Opset, CaseInput[] Inputs, (string Name, AttributeValue Value)[] Attrs, int Outputs = 1);

/// <summary>The table of small graphs the inference theory checks, one family after another.</summary>
internal static class ShapeInferenceCases
{
    private static Fed F(params int[] s) => new(DType.F32, s);
    private static Fed D(DType t, params int[] s) => new(t, s);
    private static Const C(params long[] v) => new(() => Tensor.FromArray(v));
    private static Const CScalar(double v, DType t = DType.F32) => new(() => Tensor.Scalar(v, t));
    private static Const CRand(params int[] s) => new(() => Tensor.RandN(new Shape(s), new Generator(7)));
    private static (string, AttributeValue) A(string n, long v) => (n, AttributeValue.Of(v));
    private static (string, AttributeValue) A(string n, params long[] v) => (n, AttributeValue.Of(v));
    private static (string, AttributeValue) A(string n, string v) => (n, AttributeValue.Of(v));
    private static (string, AttributeValue) A(string n, float v) => (n, AttributeValue.Of(v));

    public static readonly Dictionary<string, Case> All = new()
    {
        // elementwise
        ["Relu"] = new("Relu", 17, [F(2, 3)], []),
        ["Sigmoid f64"] = new("Sigmoid", 17, [D(DType.F64, 4)], []),
        ["LeakyRelu"] = new("LeakyRelu", 17, [F(2, 1, 3)], [A("alpha", 0.2f)]),
        ["Add broadcast"] = new("Add", 17, [F(2, 1, 4), F(3, 1)], []),
        ["Mul scalar"] = new("Mul", 17, [F(2, 3), CScalar(2)], []),
        ["Pow"] = new("Pow", 17, [F(2, 3), F(3)], []),
        ["Equal i64"] = new("Equal", 17, [D(DType.I64, 2, 3), D(DType.I64, 3)], []),
        ["Less broadcast"] = new("Less", 17, [F(3, 1), F(1, 4)], []),
        ["Where"] = new("Where", 17, [D(DType.Bool, 2, 1), F(1, 3), F(2, 3)], []),
        ["Max variadic"] = new("Max", 17, [F(2, 3), F(3), F(1, 1)], []),
        ["Cast to i64"] = new("Cast", 17, [F(2, 3)], [A("to", 7L)]),
        ["CastLike"] = new("CastLike", 17, [F(2, 2), D(DType.F64, 1)], []),
        ["IsNaN"] = new("IsNaN", 17, [F(3)], []),
        ["Not"] = new("Not", 17, [D(DType.Bool, 2, 2)], []),
        ["Clip"] = new("Clip", 17, [F(2, 3), CScalar(-0.5), CScalar(0.5)], []),
        ["Softmax"] = new("Softmax", 17, [F(2, 3, 4)], [A("axis", 1L)]),
        ["LogSoftmax"] = new("LogSoftmax", 17, [F(2, 5)], []),
        ["Dropout with mask"] = new("Dropout", 13, [F(2, 3)], [], Outputs: 2),
        ["Identity"] = new("Identity", 17, [D(DType.I32, 4, 1)], []),
        ["Constant tensor"] = new("Constant", 17, [], [("value", AttributeValue.Of(Tensor.Zeros(new Shape(2, 5), DType.F64)))]),
        ["Constant ints"] = new("Constant", 17, [], [A("value_ints", 1, 2, 3)]),
        // convolution and pooling
        ["Conv pads"] = new("Conv", 17, [F(1, 3, 8, 8), CRand(4, 3, 3, 3)], [A("pads", 1, 1, 1, 1)]),
        ["Conv groups strides dilations"] = new("Conv", 17, [F(2, 4, 9, 7), CRand(6, 2, 3, 2), CRand(6)],
            [A("group", 2L), A("strides", 2, 1), A("dilations", 2, 1), A("pads", 1, 0, 2, 1)]),
        ["Conv SAME_UPPER"] = new("Conv", 17, [F(1, 2, 7, 6), CRand(3, 2, 3, 3)], [A("auto_pad", "SAME_UPPER"), A("strides", 2, 2)]),
        ["Conv VALID"] = new("Conv", 17, [F(1, 2, 7, 6), CRand(3, 2, 3, 2)], [A("auto_pad", "VALID")]),
        ["Conv 1-d"] = new("Conv", 17, [F(2, 3, 10), CRand(4, 3, 3)], [A("strides", new long[] { 3 })]),
        ["Conv 3-d"] = new("Conv", 17, [F(1, 2, 4, 5, 5), CRand(3, 2, 2, 3, 3)], [A("pads", 0, 1, 1, 0, 1, 1)]),
        ["ConvTranspose stride pads output_padding"] = new("ConvTranspose", 17, [F(1, 4, 5, 5), CRand(4, 3, 3, 3)],
            [A("strides", 2, 2), A("pads", 1, 1, 1, 1), A("output_padding", 1, 1)]),
        ["ConvTranspose group"] = new("ConvTranspose", 17, [F(1, 4, 3, 4), CRand(4, 2, 2, 2)], [A("group", 2L), A("strides", 1, 2)]),
        ["ConvTranspose output_shape"] = new("ConvTranspose", 17, [F(1, 2, 3, 3), CRand(2, 2, 3, 3)], [A("strides", 2, 2), A("output_shape", 8, 7)]),
        ["ConvTranspose SAME_UPPER"] = new("ConvTranspose", 17, [F(1, 2, 3, 4), CRand(2, 1, 3, 3)], [A("strides", 2, 2), A("auto_pad", "SAME_UPPER")]),
        ["MaxPool"] = new("MaxPool", 17, [F(1, 2, 9, 8)], [A("kernel_shape", 3, 3), A("strides", 2, 2), A("pads", 1, 1, 1, 1)]),
        ["MaxPool ceil indices"] = new("MaxPool", 17, [F(1, 2, 8, 7)], [A("kernel_shape", 3, 2), A("strides", 2, 2), A("ceil_mode", 1L)], Outputs: 2),
        ["MaxPool dilations"] = new("MaxPool", 17, [F(2, 1, 10, 9)], [A("kernel_shape", 2, 3), A("dilations", 2, 2)]),
        ["AveragePool ceil include_pad"] = new("AveragePool", 17, [F(1, 3, 7, 7)],
            [A("kernel_shape", 3, 3), A("strides", 3, 3), A("pads", 1, 1, 1, 1), A("ceil_mode", 1L), A("count_include_pad", 1L)]),
        ["AveragePool SAME_LOWER"] = new("AveragePool", 17, [F(1, 1, 6, 5)], [A("kernel_shape", 2, 2), A("strides", 2, 2), A("auto_pad", "SAME_LOWER")]),
        ["AveragePool 1-d"] = new("AveragePool", 17, [F(2, 3, 11)], [A("kernel_shape", new long[] { 4 }), A("strides", new long[] { 3 })]),
        ["GlobalAveragePool"] = new("GlobalAveragePool", 17, [F(2, 3, 5, 4)], []),
        ["GlobalMaxPool 3-d"] = new("GlobalMaxPool", 17, [F(1, 2, 3, 4, 5)], []),
        // linear algebra and normalisation
        ["Gemm"] = new("Gemm", 17, [F(4, 3), F(5, 4), F(5)], [A("transA", 1L), A("transB", 1L)]),
        ["MatMul batched"] = new("MatMul", 17, [F(2, 3, 4), F(4, 5)], []),
        ["MatMul broadcast batch"] = new("MatMul", 17, [F(3, 1, 2, 4), F(2, 4, 6)], []),
        ["MatMul vector-matrix"] = new("MatMul", 17, [F(5), F(5, 2)], []),
        ["MatMul matrix-vector"] = new("MatMul", 17, [F(2, 3, 5), F(5)], []),
        ["MatMul dot"] = new("MatMul", 17, [F(4), F(4)], []),
        ["BatchNormalization"] = new("BatchNormalization", 15, [F(2, 3, 4, 4), CRand(3), CRand(3), CRand(3), new Const(() => Tensor.Ones(3))], []),
        ["LayerNormalization stats"] = new("LayerNormalization", 17, [F(2, 3, 4), CRand(3, 4)], [A("axis", 1L)], Outputs: 3),
        ["InstanceNormalization"] = new("InstanceNormalization", 17, [F(2, 3, 5), CRand(3), CRand(3)], []),
        ["ReduceMean attr axes"] = new("ReduceMean", 13, [F(2, 3, 4)], [A("axes", 1, -1), A("keepdims", 0L)]),
        ["ReduceSum input axes"] = new("ReduceSum", 13, [F(2, 3, 4), C(0)], []),
        ["ReduceMax all"] = new("ReduceMax", 18, [F(2, 3, 4)], [A("keepdims", 0L)]),
        ["ReduceL2 noop"] = new("ReduceL2", 18, [F(2, 3)], [A("noop_with_empty_axes", 1L)]),
        ["ArgMax"] = new("ArgMax", 17, [F(2, 3, 4)], [A("axis", 1L), A("keepdims", 0L)]),
        // shape ops
        ["Transpose perm"] = new("Transpose", 17, [F(2, 3, 4)], [A("perm", 1, 2, 0)]),
        ["Transpose default"] = new("Transpose", 17, [F(2, 3, 4)], []),
        ["Reshape -1"] = new("Reshape", 17, [F(2, 3, 4), C(4, -1)], []),
        ["Reshape 0"] = new("Reshape", 17, [F(2, 3, 4), C(0, -1, 2)], []),
        ["Reshape attr"] = new("Reshape", 1, [F(2, 6)], [A("shape", 3, 4)]),
        ["Flatten 0"] = new("Flatten", 17, [F(2, 3, 4)], [A("axis", 0L)]),
        ["Flatten 2"] = new("Flatten", 17, [F(2, 3, 4)], [A("axis", 2L)]),
        ["Flatten -1"] = new("Flatten", 17, [F(2, 3, 4)], [A("axis", -1L)]),
        ["Squeeze input axes"] = new("Squeeze", 13, [F(1, 3, 1, 2), C(0, -2)], []),
        ["Squeeze attr axes"] = new("Squeeze", 11, [F(1, 3, 1, 2)], [A("axes", new long[] { 2 })]),
        ["Squeeze all"] = new("Squeeze", 13, [F(1, 3, 1, 2)], []),
        ["Unsqueeze input axes"] = new("Unsqueeze", 13, [F(3, 2), C(0, -1)], []),
        ["Unsqueeze attr axes"] = new("Unsqueeze", 11, [F(3, 2)], [A("axes", new long[] { 1 })]),
        ["Concat"] = new("Concat", 17, [F(2, 1, 4), F(2, 3, 4), F(2, 2, 4)], [A("axis", 1L)]),
        ["Concat -1"] = new("Concat", 17, [D(DType.I64, 2), D(DType.I64, 3)], [A("axis", -1L)]),
        ["Split input"] = new("Split", 13, [F(2, 6), C(2, 4)], [A("axis", 1L)], Outputs: 2),
        ["Split num_outputs uneven"] = new("Split", 18, [F(7, 2)], [A("num_outputs", 3L)], Outputs: 3),
        ["Split attr"] = new("Split", 11, [F(3, 5)], [A("axis", 1L), A("split", 1, 4)], Outputs: 2),
        ["Split equal"] = new("Split", 13, [F(4, 6)], [A("axis", -1L)], Outputs: 3),
        ["Slice"] = new("Slice", 13, [F(5, 6, 7), C(1, -4), C(100, -1), C(0, 2), C(2, 1)], []),
        ["Slice negative step"] = new("Slice", 13, [F(5, 6), C(-1, 4), C(-100, 0), C(0, 1), C(-2, -3)], []),
        ["Slice empty"] = new("Slice", 13, [F(5, 6), C(4), C(2)], []),
        ["Slice attrs"] = new("Slice", 9, [F(5, 6)], [A("starts", 1, 0), A("ends", 3, 10), A("axes", 0, 1)]),
        ["Gather 2-d indices"] = new("Gather", 17, [F(3, 4, 5), new Const(() => Tensor.FromArray(new long[] { 0, 2, 1, 3, -1, 0 }, 2, 3))], [A("axis", 1L)]),
        ["Gather scalar index"] = new("Gather", 17, [F(3, 4), new Const(() => Tensor.Scalar(1, DType.I64))], []),
        ["Expand"] = new("Expand", 17, [F(3, 1), C(2, 1, 4)], []),
        ["Shape"] = new("Shape", 17, [F(2, 3, 4)], []),
        ["Shape start end"] = new("Shape", 15, [F(2, 3, 4, 5)], [A("start", 1L), A("end", -1L)]),
        ["Size"] = new("Size", 17, [F(2, 3, 4)], []),
        ["Pad"] = new("Pad", 13, [F(2, 3), C(0, 1, 2, 3)], []),
        ["Pad axes"] = new("Pad", 18, [F(2, 3, 4), C(1, 2, 3, 4), new Omitted(), C(0, -1)], []),
        ["Pad attr"] = new("Pad", 2, [F(2, 3)], [A("pads", 1, 0, 0, 2)]),
        ["Tile"] = new("Tile", 17, [F(2, 3), C(3, 1)], []),
        ["ConstantOfShape"] = new("ConstantOfShape", 17, [C(2, 3)], [("value", AttributeValue.Of(Tensor.FromArray(new long[] { 5 })))]),
    };
}
