using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Tests;

/// <summary>Named node-test inputs/outputs converted and checked against facts read off their bytes by hand.</summary>
public sealed class ConformanceCaseTests
{
    private static OnnxValue LoadValue(string testCase, string file, int index, bool isInput)
    {
        var model = OnnxModelFile.Load(Path.Combine(NodeTestData.Case(testCase), "model.onnx"));
        var info = isInput ? model.Graph.Input[index] : model.Graph.Output[index];
        return OnnxValue.Load(Path.Combine(NodeTestData.Case(testCase), "test_data_set_0", file), info.Type);
    }

    [Fact]
    public void AbsInputAndOutput()
    {
        using var x = LoadValue("test_abs", "input_0.pb", 0, true);
        using var y = LoadValue("test_abs", "output_0.pb", 0, false);
        Assert.Equal(DType.F32, x.Tensor.DType);
        Assert.Equal(new[] { 3, 4, 5 }, x.Tensor.Shape.ToArray());
        var xs = x.Tensor.ToArray<float>();
        // bytes 78 cc e1 3f = 0x3FE1CC78 = 1.76405239...; 68 e1 cc 3e = 0x3ECCE168 = 0.40015721...
        Assert.Equal(1.764052391052246f, xs[0]);
        Assert.Equal(0.4001572f, xs[1], 6);
        var ys = y.Tensor.ToArray<float>();
        Assert.Equal(60, ys.Length);
        for (int i = 0; i < 60; i++) Assert.Equal(MathF.Abs(xs[i]), ys[i]);
    }

    [Fact]
    public void CastFloatToFloat16Output()
    {
        using var x = LoadValue("test_cast_FLOAT_to_FLOAT16", "input_0.pb", 0, true);
        using var y = LoadValue("test_cast_FLOAT_to_FLOAT16", "output_0.pb", 0, false);
        Assert.Equal(DType.F32, x.Tensor.DType);
        Assert.Equal(DType.F16, y.Tensor.DType);
        Assert.Equal(new[] { 3, 4 }, y.Tensor.Shape.ToArray());
        var h = y.Tensor.ToArray<Half>().Select(BitConverter.HalfToUInt16Bits).ToArray();
        Assert.Equal(0x37AA, h[0]); // 0.47900390625
        Assert.Equal(0x37AF, h[1]); // 0.480224609375
        Assert.Equal(new ushort[] { 0x7E00, 0x7C00, 0x7C00, 0xFC00 }, h[8..]); // NaN, +inf, +inf, -inf
        var xs = x.Tensor.ToArray<float>();
        Assert.True(float.IsNaN(xs[8]));
        Assert.Equal(float.NegativeInfinity, xs[11]);
        Assert.Equal(0.47900390625, y.Tensor.ToDoubleArray()[0]);
    }

    [Fact]
    public void AddBcastInputs()
    {
        using var x = LoadValue("test_add_bcast", "input_0.pb", 0, true);
        using var yv = LoadValue("test_add_bcast", "input_1.pb", 1, true);
        using var z = LoadValue("test_add_bcast", "output_0.pb", 0, false);
        Assert.Equal(new[] { 3, 4, 5 }, x.Tensor.Shape.ToArray());
        Assert.Equal(new[] { 5 }, yv.Tensor.Shape.ToArray());
        var xs = x.Tensor.ToArray<float>();
        var ys = yv.Tensor.ToArray<float>();
        var zs = z.Tensor.ToArray<float>();
        Assert.Equal(-0.6724604368209839f, ys[0]); // bytes 5e 26 2c bf
        for (int i = 0; i < 60; i++) Assert.Equal(xs[i] + ys[i % 5], zs[i]);
    }

    [Fact]
    public void SequenceAndOptionalValues()
    {
        var seqModel = OnnxModelFile.Load(Path.Combine(NodeTestData.Case("test_identity_sequence"), "model.onnx"));
        Assert.Equal(TypeProto.ValueOneofCase.SequenceType, seqModel.Graph.Input[0].Type.ValueCase);
        using (var seq = LoadValue("test_identity_sequence", "input_0.pb", 0, true))
        {
            Assert.Equal(OnnxValueKind.Sequence, seq.Kind);
            Assert.True(seq.Elements.Count > 0);
            Assert.All(seq.Tensors, t => Assert.Equal(DType.F32, t.DType));
        }
        using (var empty = LoadValue("test_optional_has_element_empty_optional_input", "input_0.pb", 0, true))
        {
            Assert.Equal(OnnxValueKind.Optional, empty.Kind);
            Assert.False(empty.HasValue);
        }
        using (var opt = LoadValue("test_optional_get_element_optional_tensor", "input_0.pb", 0, true))
        {
            Assert.True(opt.HasValue);
            Assert.Equal(OnnxValueKind.Tensor, opt.Value.Kind);
        }
    }

    [Fact]
    public void StringTensorIsUnsupportedWithName()
    {
        var dir = Directory.GetDirectories(NodeTestData.NodeDir, "test_strnormalizer*").OrderBy(d => d, StringComparer.Ordinal).First();
        var e = Assert.Throws<UnsupportedDataTypeException>(() => TensorProtoConverter.ToTensor(OnnxModelFile.LoadTensor(Path.Combine(dir, "test_data_set_0", "input_0.pb"))));
        Assert.Contains("STRING", e.Message, StringComparison.Ordinal);
    }
}
