// Turns a MODEL argument into something the profile and bench verbs can run: a vision zoo name ("resnet18"), a text
// model ("bert-base", "bert-tiny", "gpt2") or an .onnx file. Zoo models are traced per batch size (the tracer
// specialises shapes); ONNX graphs are imported once and fed inputs shaped from their declared types.
using DeepSeek.Graph;
using DeepSeek.Graph.Compilation;
using DeepSeek.Graph.Execution;
using DeepSeek.Models;
using DeepSeek.Models.Text;
using DeepSeek.NN;
using DeepSeek.Onnx;

namespace DeepSeek.Cli;

/// <summary>A graph with random inputs for one batch size; disposing frees both.</summary>
internal sealed class LoadedModel(Graph.Graph graph, Tensor[] inputs) : IDisposable
{
    public Graph.Graph Graph { get; } = graph;
    public Tensor[] Inputs { get; } = inputs;

    public void Dispose()
    {
        foreach (var t in Inputs) t.Dispose();
        Graph.Dispose();
    }
}

/// <summary>Something that runs a graph once: the interpreter on the traced graph or the plan of the optimised one.</summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly Interpreter? _interpreter;
    private readonly CompiledGraph? _compiled;
    private readonly LoadedModel _model;

    public ModelRunner(LoadedModel model, bool compiled)
    {
        _model = model;
        if (!compiled)
        {
            _interpreter = new Interpreter();
            _interpreter.Check(model.Graph);
            return;
        }
        _compiled = Compiler.Compile(model.Graph); // the plan is built on the first (warm-up) run
    }

    public string Executor => _compiled is null ? "interpreter" : "compiled";

    public void Run()
    {
        if (_compiled is not null)
        {
            foreach (var t in _compiled.Run(_model.Inputs)) t.Dispose();
            return;
        }
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        var fed = _model.Graph.Inputs.Where(v => !v.IsConstant).ToList(); // initializers listed as inputs keep their values
        for (int i = 0; i < _model.Inputs.Length; i++) inputs[fed[i].Name] = new TensorValue(_model.Inputs[i]);
        foreach (var o in _interpreter!.Run(_model.Graph, inputs).Values) o.Dispose();
    }

    public void Dispose() => _compiled?.Dispose();
}

/// <summary>Resolves MODEL arguments.</summary>
internal sealed class ModelSource : IDisposable
{
    private readonly Module<Tensor, Tensor>? _module;
    private readonly Graph.Graph? _onnx;
    private readonly bool _tokens;
    private readonly int _imageSize, _seqLen;

    private ModelSource(string name, Module<Tensor, Tensor>? module, Graph.Graph? onnx, bool tokens, int imageSize, int seqLen)
    {
        Name = name;
        _module = module;
        _onnx = onnx;
        _tokens = tokens;
        _imageSize = imageSize;
        _seqLen = seqLen;
    }

    public string Name { get; }

    /// <summary>Opens <paramref name="model"/>; throws <see cref="ArgumentException"/> listing the known names when it is neither a zoo name nor an .onnx file.</summary>
    public static ModelSource Open(string model, int imageSize = 224, int seqLen = 128)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var g = new Generator(0);
        if (model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(model)) throw new ArgumentException($"model file '{model}' does not exist");
            var graph = OnnxImporter.Import(OnnxModelFile.Load(model), Path.GetDirectoryName(Path.GetFullPath(model)));
            return new ModelSource(Path.GetFileName(model), null, graph, false, imageSize, seqLen);
        }
        if (!ModelZoo.Names.Contains(model) && !ModelZoo.IsTextModel(model))
            throw new ArgumentException($"unknown model '{model}': give an .onnx file or one of {string.Join(", ", ModelZoo.Names.Concat(ModelZoo.TextNames))}");
        var m = ModelZoo.CreateAny(model, g);
        m.Eval();
        return new ModelSource(model, m, null, ModelZoo.IsTextModel(model), imageSize, seqLen);
    }

    /// <summary>The graph and random inputs for <paramref name="batch"/> examples.</summary>
    public LoadedModel Load(int batch)
    {
        if (_onnx is not null)
        {
            var inputs = _onnx.Inputs.Where(i => !i.IsConstant).Select(i => InputFor(i, batch)).ToArray();
            return new LoadedModel(_onnx.Clone(), inputs);
        }
        var x = _tokens
            ? Tensor.Zeros(new Shape(batch, _seqLen), DType.I64)
            : Tensor.RandN(new Shape(batch, 3, _imageSize, _imageSize), new Generator(1));
        try
        {
            Graph.Graph graph;
            using (Tensor.NewScope()) graph = Tracer.Trace(t => _module!.Forward(t), x);
            return new LoadedModel(graph, [x]);
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    // symbolic or unknown dims: the first is the batch, later ones the sequence length
    private Tensor InputFor(Value input, int batch)
    {
        if (input.Type is not TensorType { Shape: { } dims } tt)
            throw new ArgumentException($"{Name}: input '{input.Name}' has no tensor shape; cannot make a random input for it");
        var shape = dims.Select((d, i) => d.Value is long v ? (int)v : i == 0 ? batch : _seqLen).ToArray();
        var dtype = tt.ElementType ?? DType.F32;
        return dtype.IsFloatingPoint() ? Tensor.RandN(new Shape(shape), new Generator(1), dtype: dtype) : Tensor.Zeros(new Shape(shape), dtype);
    }

    public void Dispose()
    {
        _module?.Dispose();
        _onnx?.Dispose();
    }
}
