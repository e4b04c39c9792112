using DeepSeek.Backends.Cpu;
using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx.Tests;

[CollectionDefinition("GlobalState", DisableParallelization = true)]
public sealed class GlobalStateCollection;

/// <summary>Conversions free every temporary: pool bytes in use are unchanged after a scope.</summary>
[Collection("GlobalState")]
public sealed class LeakTests
{
    [Fact]
    public void ConversionsAndValueLoadsLeaveNoTensorsBehind()
    {
        using var dir = new TempDir();
        OnnxModelFile.SaveWithExternalData(TestModels.MatMulIf(), dir.File("m.onnx"), 1024);
        var refs = OnnxModelFile.Load(dir.File("m.onnx"), loadExternalData: false);
        long before = CpuBackend.Instance.Pool.Statistics.BytesInUse;
        using (Tensor.NewScope())
        {
            foreach (var dtype in Enum.GetValues<DType>())
            {
                using var src = Tensor.RandN(new Shape(5, 7), new Generator(3), std: 10);
                using var t = src.To(dtype);
                using var view = t.Transpose(0, 1);
                var proto = TensorProtoConverter.ToTensorProto(view, "x");
                using var back = TensorProtoConverter.ToTensor(proto);
                using (var data = File.Create(dir.File("x.bin")))
                    TensorProtoConverter.ToExternalTensorProto(view, "x", data, "x.bin");
            }
            foreach (var t in refs.Graph.Initializer) TensorProtoConverter.ToTensor(t, dir.Path).Dispose();
            var bad = new TensorProto { Name = "bad", DataType = 1, RawData = Google.Protobuf.ByteString.CopyFrom(new byte[3]) };
            bad.Dims.Add(4);
            Assert.Throws<ModelFormatException>(() => TensorProtoConverter.ToTensor(bad));
            var seqCase = NodeTestData.Case("test_identity_sequence");
            var model = OnnxModelFile.Load(Path.Combine(seqCase, "model.onnx"));
            OnnxValue.Load(Path.Combine(seqCase, "test_data_set_0", "input_0.pb"), model.Graph.Input[0].Type).Dispose();
            // Checked before the scope ends, so temporaries the converters forgot to dispose would still count.
            Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
        }
        Assert.Equal(before, CpuBackend.Instance.Pool.Statistics.BytesInUse);
    }
}
