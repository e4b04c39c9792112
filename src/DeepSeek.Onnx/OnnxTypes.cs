using DeepSeek.Graph;
using DeepSeek.Onnx.Protobuf;
using IrValueType = DeepSeek.Graph.ValueType;

namespace DeepSeek.Onnx;

/// <summary>ONNX TypeProto ⇄ IR <see cref="IrValueType"/>: tensors (element type, symbolic shape), sequences, optionals.</summary>
internal static class OnnxTypes
{
    /// <summary>The IR type of a TypeProto; null when the proto declares nothing. Maps, sparse and opaque types are unsupported.</summary>
    public static IrValueType? ToIr(TypeProto? type, string what)
    {
        if (type is null) return null;
        switch (type.ValueCase)
        {
            case TypeProto.ValueOneofCase.None:
                return null;
            case TypeProto.ValueOneofCase.TensorType:
            {
                var tt = type.TensorType;
                DType? dtype = tt.HasElemType && tt.ElemType != 0 ? OnnxDataTypes.ToDType(tt.ElemType, what) : null;
                return new TensorType(dtype, tt.Shape is null ? null : tt.Shape.Dim.Select(ToDim).ToArray());
            }
            case TypeProto.ValueOneofCase.SequenceType:
                return new SequenceType(ToIr(type.SequenceType.ElemType, what) ?? new TensorType(null, null));
            case TypeProto.ValueOneofCase.OptionalType:
                return new OptionalType(ToIr(type.OptionalType.ElemType, what) ?? new TensorType(null, null));
            default:
                throw new UnsupportedDataTypeException($"{what}: ONNX {type.ValueCase} types are not supported; DeepSeek graphs hold tensors, sequences and optionals.");
        }
    }

    private static Dim ToDim(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Of(d.DimValue),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Named(d.DimParam),
        _ => Dim.Unknown,
    };

    /// <summary>The TypeProto of an IR type.</summary>
    public static TypeProto ToProto(IrValueType type) => type switch
    {
        TensorType t => new TypeProto { TensorType = TensorProto(t) },
        SequenceType s => new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = ToProto(s.Element) } },
        OptionalType o => new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = ToProto(o.Element) } },
        _ => throw new NotSupportedException($"ONNX export: IR type {type} has no ONNX equivalent."),
    };

    private static TypeProto.Types.Tensor TensorProto(TensorType t)
    {
        var p = new TypeProto.Types.Tensor();
        if (t.ElementType is DType d) p.ElemType = OnnxDataTypes.FromDType(d);
        if (t.Shape is not null)
        {
            p.Shape = new TensorShapeProto();
            foreach (var dim in t.Shape)
            {
                var pd = new TensorShapeProto.Types.Dimension();
                if (dim.Value is long v) pd.DimValue = v;
                else if (dim.Symbol is not null) pd.DimParam = dim.Symbol;
                p.Shape.Dim.Add(pd);
            }
        }
        return p;
    }
}
