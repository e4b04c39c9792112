using DeepSeek.Onnx.Protobuf;

namespace DeepSeek.Onnx;

/// <summary>What an <see cref="OnnxValue"/> holds.</summary>
public enum OnnxValueKind
{
    /// <summary>A dense tensor.</summary>
    Tensor,
    /// <summary>An ordered list of values (ONNX sequence type).</summary>
    Sequence,
    /// <summary>An optional: empty, or holding one value.</summary>
    Optional,
}

/// <summary>
/// A runtime value of an ONNX graph input or output: a tensor, a sequence, or an optional (empty or holding a
/// value). Owns the tensors it holds: disposing it disposes them.
/// </summary>
public sealed class OnnxValue : IDisposable
{
    private readonly Tensor? _tensor;
    private readonly IReadOnlyList<OnnxValue>? _elements;
    private readonly OnnxValue? _optionalValue;

    private OnnxValue(OnnxValueKind kind, Tensor? tensor, IReadOnlyList<OnnxValue>? elements, OnnxValue? optionalValue)
    {
        Kind = kind;
        _tensor = tensor;
        _elements = elements;
        _optionalValue = optionalValue;
    }

    /// <summary>What this value holds.</summary>
    public OnnxValueKind Kind { get; }

    /// <summary>The tensor of a <see cref="OnnxValueKind.Tensor"/> value.</summary>
    public Tensor Tensor => _tensor ?? throw new InvalidOperationException($"OnnxValue.Tensor: the value is a {Kind}, not a tensor.");

    /// <summary>The elements of a <see cref="OnnxValueKind.Sequence"/> value.</summary>
    public IReadOnlyList<OnnxValue> Elements => _elements ?? throw new InvalidOperationException($"OnnxValue.Elements: the value is a {Kind}, not a sequence.");

    /// <summary>The tensors of a sequence of tensors.</summary>
    public IReadOnlyList<Tensor> Tensors => Elements.Select(e => e.Tensor).ToArray();

    /// <summary>True for an optional that holds a value.</summary>
    public bool HasValue => Kind == OnnxValueKind.Optional
        ? _optionalValue is not null
        : throw new InvalidOperationException($"OnnxValue.HasValue: the value is a {Kind}, not an optional.");

    /// <summary>The value inside a non-empty optional.</summary>
    public OnnxValue Value => HasValue ? _optionalValue! : throw new InvalidOperationException("OnnxValue.Value: the optional is empty.");

    /// <summary>Wraps a tensor (the value takes ownership).</summary>
    public static OnnxValue FromTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new(OnnxValueKind.Tensor, tensor, null, null);
    }

    /// <summary>A sequence of values (the sequence takes ownership).</summary>
    public static OnnxValue FromSequence(IEnumerable<OnnxValue> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        return new(OnnxValueKind.Sequence, null, elements.ToArray(), null);
    }

    /// <summary>An optional holding <paramref name="value"/>, or empty when it is null.</summary>
    public static OnnxValue FromOptional(OnnxValue? value) => new(OnnxValueKind.Optional, null, null, value);

    /// <summary>Converts a TensorProto (see <see cref="TensorProtoConverter.ToTensor"/>).</summary>
    public static OnnxValue FromProto(TensorProto proto, string? externalDataDirectory = null) =>
        FromTensor(TensorProtoConverter.ToTensor(proto, externalDataDirectory));

    /// <summary>Converts a SequenceProto; maps and sparse tensors inside it throw <see cref="UnsupportedDataTypeException"/>.</summary>
    public static OnnxValue FromProto(SequenceProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var items = new List<OnnxValue>();
        try
        {
            switch ((SequenceProto.Types.DataType)proto.ElemType)
            {
                case SequenceProto.Types.DataType.Tensor:
                    foreach (var t in proto.TensorValues) items.Add(FromProto(t));
                    break;
                case SequenceProto.Types.DataType.Sequence:
                    foreach (var s in proto.SequenceValues) items.Add(FromProto(s));
                    break;
                case SequenceProto.Types.DataType.Optional:
                    foreach (var o in proto.OptionalValues) items.Add(FromProto(o));
                    break;
                case SequenceProto.Types.DataType.Undefined when CountAll(proto) == 0:
                    break;
                default:
                    throw Unsupported("SequenceProto", proto.Name, proto.ElemType);
            }
        }
        catch
        {
            foreach (var v in items) v.Dispose();
            throw;
        }
        return FromSequence(items);
    }

    /// <summary>Converts an OptionalProto; an OptionalProto with no value is the empty optional.</summary>
    public static OnnxValue FromProto(OptionalProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        return (OptionalProto.Types.DataType)proto.ElemType switch
        {
            OptionalProto.Types.DataType.Tensor => FromOptional(proto.TensorValue is null ? null : FromProto(proto.TensorValue)),
            OptionalProto.Types.DataType.Sequence => FromOptional(proto.SequenceValue is null ? null : FromProto(proto.SequenceValue)),
            OptionalProto.Types.DataType.Optional => FromOptional(proto.OptionalValue is null ? null : FromProto(proto.OptionalValue)),
            OptionalProto.Types.DataType.Undefined when proto.TensorValue is null && proto.SequenceValue is null
                && proto.OptionalValue is null && proto.MapValue is null && proto.SparseTensorValue is null => FromOptional(null),
            _ => throw Unsupported("OptionalProto", proto.Name, proto.ElemType),
        };
    }

    /// <summary>
    /// Reads a serialized value file (the backend test suite's <c>input_N.pb</c>/<c>output_N.pb</c>), choosing the
    /// message by the graph's declared <paramref name="type"/>: SequenceProto for a sequence type, OptionalProto for an
    /// optional type, TensorProto otherwise.
    /// </summary>
    public static OnnxValue Load(string path, TypeProto type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.ValueCase switch
        {
            TypeProto.ValueOneofCase.SequenceType => FromProto(OnnxModelFile.LoadMessage(SequenceProto.Parser, path)),
            TypeProto.ValueOneofCase.OptionalType => FromProto(OnnxModelFile.LoadMessage(OptionalProto.Parser, path)),
            TypeProto.ValueOneofCase.MapType => throw new UnsupportedDataTypeException($"{path}: map values are not supported."),
            TypeProto.ValueOneofCase.SparseTensorType => throw new UnsupportedDataTypeException($"{path}: sparse tensor values are not supported."),
            _ => FromProto(OnnxModelFile.LoadTensor(path), Path.GetDirectoryName(Path.GetFullPath(path))),
        };
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _tensor?.Dispose();
        if (_elements is not null) foreach (var e in _elements) e.Dispose();
        _optionalValue?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        OnnxValueKind.Tensor => $"Tensor({_tensor})",
        OnnxValueKind.Sequence => $"Sequence[{_elements!.Count}]",
        _ => _optionalValue is null ? "Optional(empty)" : $"Optional({_optionalValue})",
    };

    private static int CountAll(SequenceProto p) =>
        p.TensorValues.Count + p.SparseTensorValues.Count + p.SequenceValues.Count + p.MapValues.Count + p.OptionalValues.Count;

    private static UnsupportedDataTypeException Unsupported(string message, string name, int elemType) =>
        new($"{message} '{name}': element kind {elemType} ({KindName(elemType)}) is not supported; DeepSeek values are tensors, sequences and optionals.");

    private static string KindName(int k) => k switch
    {
        0 => "UNDEFINED", 1 => "TENSOR", 2 => "SPARSE_TENSOR", 3 => "SEQUENCE", 4 => "MAP", 5 => "OPTIONAL", _ => "unknown",
    };
}
