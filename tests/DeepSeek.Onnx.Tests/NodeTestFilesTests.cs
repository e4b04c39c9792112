using DeepSeek.Onnx.Protobuf;
using Google.Protobuf;
using Xunit.Abstractions;

namespace DeepSeek.Onnx.Tests;

/// <summary>Every model and value file of the ONNX backend node tests parses, validates and round-trips.</summary>
public sealed class NodeTestFilesTests(ITestOutputHelper output)
{
    private static string[] CaseDirs() => Directory.GetDirectories(NodeTestData.NodeDir, "test_*").OrderBy(d => d, StringComparer.Ordinal).ToArray();

    [Fact]
    public void AllModelsParseWithOpsetImportsAndRoundTrip()
    {
        var dirs = CaseDirs();
        Assert.Equal(1802, dirs.Length);
        int defaultOnly = 0, preview = 0, ml = 0, training = 0, byteIdentical = 0;
        long minIr = long.MaxValue, maxIr = 0, minOpset = long.MaxValue, maxOpset = 0;
        foreach (var dir in dirs)
        {
            string path = Path.Combine(dir, "model.onnx");
            var model = OnnxModelFile.Load(path);
            Assert.NotNull(model.Graph);
            Assert.NotEmpty(model.OpsetImport);
            Assert.NotEmpty(model.Graph.Node);
            var domains = model.OpsetImport.Select(o => o.Domain).Where(d => d is not "" and not "ai.onnx").ToHashSet();
            if (domains.Count == 0) defaultOnly++;
            if (domains.Contains("ai.onnx.preview")) preview++;
            if (domains.Contains("ai.onnx.ml")) ml++;
            if (domains.Contains("ai.onnx.preview.training")) training++;
            minIr = Math.Min(minIr, model.IrVersion);
            maxIr = Math.Max(maxIr, model.IrVersion);
            foreach (var o in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            {
                minOpset = Math.Min(minOpset, o.Version);
                maxOpset = Math.Max(maxOpset, o.Version);
            }

            // parse -> serialize -> parse gives an equal message; through the file API too.
            var bytes = model.ToByteArray();
            var again = ModelProto.Parser.ParseFrom(bytes);
            Assert.Equal(model, again);
            using var ms = new MemoryStream();
            OnnxModelFile.Save(again, ms);
            ms.Position = 0;
            Assert.Equal(model, OnnxModelFile.Load(ms, sourceName: path));
            if (bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path))) byteIdentical++;
        }
        output.WriteLine($"models: {dirs.Length}, default-domain only {defaultOnly}, preview {preview}, ml {ml}, training {training}, " +
                         $"IR {minIr}..{maxIr}, opset {minOpset}..{maxOpset}, byte-identical re-serialization {byteIdentical}");
        Assert.Equal(1765, defaultOnly);
        Assert.Equal(22, preview);
        Assert.Equal(8, ml);
        Assert.Equal(7, training);
        Assert.Equal(3, minIr);
        Assert.Equal(13, maxIr);
        Assert.Equal(1, minOpset);
        Assert.Equal(28, maxOpset);
        Assert.Equal(dirs.Length, byteIdentical);
    }

    [Fact]
    public void AllValueFilesParseByGraphTypeAndConvert()
    {
        int files = 0, tensors = 0, sequences = 0, optionals = 0, converted = 0, unsupported = 0;
        var unsupportedTypes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dir in CaseDirs())
        {
            var model = OnnxModelFile.Load(Path.Combine(dir, "model.onnx"));
            var data = Path.Combine(dir, "test_data_set_0");
            Assert.True(Directory.Exists(data), dir);
            Assert.Empty(model.Graph.Initializer);
            var pbs = Directory.GetFiles(data, "*.pb");
            Assert.Equal(model.Graph.Input.Count + model.Graph.Output.Count, pbs.Length);
            foreach (var (infos, prefix) in new[] { (model.Graph.Input, "input"), (model.Graph.Output, "output") })
            {
                for (int i = 0; i < infos.Count; i++)
                {
                    string file = Path.Combine(data, $"{prefix}_{i}.pb");
                    Assert.True(File.Exists(file), file);
                    files++;
                    var type = infos[i].Type;
                    IMessage parsed = type.ValueCase switch
                    {
                        TypeProto.ValueOneofCase.SequenceType => OnnxModelFile.LoadMessage(SequenceProto.Parser, file),
                        TypeProto.ValueOneofCase.OptionalType => OnnxModelFile.LoadMessage(OptionalProto.Parser, file),
                        _ => OnnxModelFile.LoadTensor(file),
                    };
                    // round trip of the value message
                    var reparsed = parsed.Descriptor.Parser.ParseFrom(parsed.ToByteArray());
                    Assert.Equal(parsed, reparsed);
                    Assert.Equal(File.ReadAllBytes(file), parsed.ToByteArray());
                    switch (parsed)
                    {
                        case TensorProto t:
                            tensors++;
                            Assert.Equal(type.TensorType.ElemType, t.DataType);
                            CheckDeclaredShape(type.TensorType.Shape, t, file);
                            break;
                        case SequenceProto: sequences++; break;
                        default: optionals++; break;
                    }
                    try
                    {
                        using var value = OnnxValue.Load(file, type);
                        converted++;
                        if (parsed is TensorProto tp)
                        {
                            Assert.Equal(OnnxValueKind.Tensor, value.Kind);
                            Assert.Equal(tp.Dims.Select(d => (int)d).ToArray(), value.Tensor.Shape.ToArray());
                            Assert.Equal(tp.DataType, OnnxDataTypes.FromDType(value.Tensor.DType));
                        }
                    }
                    catch (UnsupportedDataTypeException e)
                    {
                        unsupported++;
                        if (e.DataType is int dt) unsupportedTypes.Add(OnnxDataTypes.Name(dt));
                        else unsupportedTypes.Add(e.Message.Split(':').Last().Trim());
                    }
                }
            }
        }
        output.WriteLine($"value files: {files} ({tensors} tensors, {sequences} sequences, {optionals} optionals); converted {converted}, unsupported {unsupported}: {string.Join(", ", unsupportedTypes)}");
        Assert.Equal(8003 - 1802, files);
        Assert.Equal(files, converted + unsupported);
        Assert.Contains("STRING", unsupportedTypes);
        Assert.True(converted > 5500, $"only {converted} of {files} value files converted");
    }

    private static void CheckDeclaredShape(TensorShapeProto? shape, TensorProto t, string file)
    {
        if (shape is null) return;
        Assert.True(shape.Dim.Count == t.Dims.Count, $"{file}: rank {t.Dims.Count}, graph declares {shape.Dim.Count}");
        for (int d = 0; d < shape.Dim.Count; d++)
            if (shape.Dim[d].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                Assert.True(shape.Dim[d].DimValue == t.Dims[d], $"{file}: dim {d} is {t.Dims[d]}, graph declares {shape.Dim[d].DimValue}");
    }
}
