using System.Text;

namespace DeepSeek.Bench;

/// <summary>
/// Writes tiny ONNX models by hand: a minimal protobuf encoder (varints, length-delimited fields) over the
/// field numbers of onnx.proto (IR version 9): ModelProto, GraphProto, NodeProto, ValueInfoProto, TypeProto.
/// </summary>
internal static class OnnxModelBuilder
{
    /// <summary>TensorProto.DataType.FLOAT.</summary>
    public const int ElemFloat = 1;

    /// <summary>A model with one node <paramref name="opType"/> taking the given float inputs and producing float outputs.</summary>
    public static byte[] SingleNode(string opType, (string Name, long[] Shape)[] inputs, (string Name, long[] Shape)[] outputs,
        long irVersion = 9, long opset = 21)
    {
        var node = new ProtoWriter();
        foreach (var (name, _) in inputs) node.String(1, name);
        foreach (var (name, _) in outputs) node.String(2, name);
        node.String(3, opType.ToLowerInvariant() + "_0");
        node.String(4, opType);

        var graph = new ProtoWriter();
        graph.Message(1, node);
        graph.String(2, "bench_" + opType);
        foreach (var (name, shape) in inputs) graph.Message(11, ValueInfo(name, shape));
        foreach (var (name, shape) in outputs) graph.Message(12, ValueInfo(name, shape));

        var opsetId = new ProtoWriter();
        opsetId.String(1, "");
        opsetId.Int(2, opset);

        var model = new ProtoWriter();
        model.Int(1, irVersion);
        model.String(2, "DeepSeek.Bench");
        model.Message(7, graph);
        model.Message(8, opsetId);
        return model.ToArray();
    }

    private static ProtoWriter ValueInfo(string name, long[] shape)
    {
        var dims = new ProtoWriter();
        foreach (var d in shape)
        {
            var dim = new ProtoWriter();
            dim.Int(1, d); // Dimension.dim_value
            dims.Message(1, dim); // TensorShapeProto.dim
        }
        var tensor = new ProtoWriter();
        tensor.Int(1, ElemFloat); // TypeProto.Tensor.elem_type
        tensor.Message(2, dims); // TypeProto.Tensor.shape
        var type = new ProtoWriter();
        type.Message(1, tensor); // TypeProto.tensor_type
        var vi = new ProtoWriter();
        vi.String(1, name);
        vi.Message(2, type);
        return vi;
    }

    /// <summary>Protobuf wire format: tag = field·8 + wire type; 0 = varint, 2 = length-delimited.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _s = new();

        public void Int(int field, long value)
        {
            Varint((ulong)(field << 3));
            Varint((ulong)value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter inner) => Bytes(field, inner.ToArray());

        public byte[] ToArray() => _s.ToArray();

        private void Bytes(int field, byte[] data)
        {
            Varint((ulong)((field << 3) | 2));
            Varint((ulong)data.Length);
            _s.Write(data);
        }

        private void Varint(ulong v)
        {
            while (v >= 0x80)
            {
                _s.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            _s.WriteByte((byte)v);
        }
    }
}
