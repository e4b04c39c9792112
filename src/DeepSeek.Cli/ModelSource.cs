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
    private readonly ExecutionPlan? _plan;
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
        using var optimised = model.Graph.Clone();
        PassManager.Run(optimised, new CompileOptions());
        _plan = ExecutionPlan.Create(optimised, model.Inputs);
    }

    public string Executor => _plan is null ? "interpreter" : "compiled";

    public void Run()
    {
        if (_plan is not null)
        {
            foreach (var t in _plan.Run(_model.Inputs)) t.Dispose();
            return;
        }
        var inputs = new Dictionary<string, RuntimeValue>(StringComparer.Ordinal);
        for (int i = 0; i < _model.Inputs.Length; i++) inputs[_model.Graph.Inputs[i].Name] = new TensorValue(_model.Inputs[i]);
        foreach (var o in _interpreter!.Run(_model.Graph, inputs).Values) o.Dispose();
    }

    public void Dispose() => _plan?.Dispose();
}

/// <summary>Resolves MODEL arguments.</summary>
internal sealed class ModelSource : IDisposable
{
    /// <summary>Text models by name (besides the vision zoo's <see cref="ModelZoo.Names"/>).</summary>
    public static readonly IReadOnlyList<string> TextNames = ["bert-base", "bert-tiny", "gpt2"];

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
        Module<Tensor, Tensor>? m = model switch
        {
            "bert-base" => new BertEncoderOnly(new BertModel(BertConfig.Base, g, addPoolingLayer: false)),
            "bert-tiny" => new BertEncoderOnly(new BertModel(new BertConfig { HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 512 }, g, addPoolingLayer: false)),
            "gpt2" => new Gpt2LMHeadModel(Gpt2Config.Small, g),
            _ when ModelZoo.Names.Contains(model) => ModelZoo.Create(model, generator: g),
            _ => null,
        };
        if (m is null)
            throw new ArgumentException($"unknown model '{model}': give an .onnx file or one of {string.Join(", ", ModelZoo.Names.Concat(TextNames))}");
        m.Eval();
        return new ModelSource(model, m, null, TextNames.Contains(model), imageSize, seqLen);
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

    // BERT's forward takes ids (and optional masks) and returns two tensors; the verbs profile the encoder output
    private sealed class BertEncoderOnly : Module<Tensor, Tensor>
    {
        private readonly BertModel _bert;

        public BertEncoderOnly(BertModel bert) => _bert = RegisterModule("bert", bert);

        protected override Tensor OnForward(Tensor input)
        {
            var o = _bert.Forward(input);
            o.PoolerOutput?.Dispose();
            return o.LastHiddenState;
        }
    }
}
