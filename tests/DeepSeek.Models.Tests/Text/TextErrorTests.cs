using DeepSeek.Models.Text;

namespace DeepSeek.Models.Tests.Text;

public class TextErrorTests
{
    [Fact]
    public void BadConfigValues_Throw()
    {
        var e = Assert.Throws<ArgumentException>(() => new BertModel(new BertConfig { HiddenSize = 30, NumAttentionHeads = 4 }));
        Assert.Contains("hidden_size (30) must be a multiple of num_attention_heads (4)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new BertModel(new BertConfig { HiddenAct = "mish" }));
        Assert.Contains("'mish'", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Gpt2LMHeadModel(new Gpt2Config { NLayer = 0 }));
        Assert.Contains("n_layer must be positive, got 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Gpt2LMHeadModel(new Gpt2Config { NEmbd = 10, NHead = 3 }));
        Assert.Contains("n_embd (10) must be a multiple of n_head (3)", e.Message);
    }

    [Fact]
    public void BadConfigJson_ThrowsModelFormat()
    {
        var e = Assert.Throws<ModelFormatException>(() => BertConfig.FromJson("{\"hidden_size\": \"big\"}", "x/config.json"));
        Assert.Contains("x/config.json", e.Message);
        Assert.Contains("'hidden_size' must be an integer", e.Message);
        e = Assert.Throws<ModelFormatException>(() => BertConfig.FromJson("{\"model_type\": \"gpt2\"}"));
        Assert.Contains("expected 'bert'", e.Message);
        e = Assert.Throws<ModelFormatException>(() => BertConfig.FromJson("{\"position_embedding_type\": \"relative_key\"}"));
        Assert.Contains("relative_key", e.Message);
        e = Assert.Throws<ModelFormatException>(() => BertConfig.FromJson("{\"num_attention_heads\": 5}"));
        Assert.Contains("multiple of num_attention_heads (5)", e.Message);
        e = Assert.Throws<ModelFormatException>(() => Gpt2Config.FromJson("{\"n_head\": 7, "));
        Assert.Contains("not valid JSON", e.Message);
        e = Assert.Throws<ModelFormatException>(() => Gpt2Config.FromJson("{\"activation_function\": \"foo\"}"));
        Assert.Contains("activation_function 'foo'", e.Message);
        var ok = Gpt2Config.FromJson("{\"n_inner\": null, \"n_embd\": 64, \"n_head\": 4}");
        Assert.Equal(256, ok.InnerSize);
    }

    [Fact]
    public void FromPretrained_MissingFilesOrKeys_Throw()
    {
        Assert.Throws<DirectoryNotFoundException>(() => BertModel.FromPretrained("/nonexistent/dir/xyz"));
        var dir = TextTestUtil.TempDir();
        try
        {
            Assert.Throws<FileNotFoundException>(() => BertModel.FromPretrained(dir));
            var cfg = new BertConfig { VocabSize = 30, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 12 };
            File.WriteAllText(Path.Combine(dir, "config.json"), cfg.ToJson());
            var fnf = Assert.Throws<FileNotFoundException>(() => BertModel.FromPretrained(dir));
            Assert.Contains("model.safetensors", fnf.Message);
            using (var m = new BertModel(cfg, new Generator(1)))
            {
                var sd = m.StateDict();
                sd.Remove("encoder.layer.0.output.dense.weight", out var removed);
                removed!.Dispose();
                NN.Serialization.SafeTensors.Save(Path.Combine(dir, "model.safetensors"), sd);
                TextTestUtil.DisposeAll(sd);
            }
            var e = Assert.Throws<ModelFormatException>(() => BertModel.FromPretrained(dir));
            Assert.Contains("encoder.layer.0.output.dense.weight", e.Message);
            // a checkpoint of another size
            using (var big = new BertModel(cfg with { IntermediateSize = 16 }, new Generator(1)))
                big.SavePretrained(Path.Combine(dir, "big"));
            File.Copy(Path.Combine(dir, "big", "model.safetensors"), Path.Combine(dir, "model.safetensors"), true);
            var s = Assert.Throws<ShapeMismatchException>(() => BertModel.FromPretrained(dir));
            Assert.Contains("intermediate.dense.weight", s.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadInputs_Throw()
    {
        using var bert = new BertModel(new BertConfig { VocabSize = 30, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 12, MaxPositionEmbeddings = 6 }, new Generator(1));
        using var f = Tensor.Zeros(2, 3);
        Assert.Contains("input_ids must be [batch, seq] of i64 or i32", Assert.Throws<ShapeMismatchException>(() => bert.Forward(f)).Message);
        using var tooLong = Tensor.Zeros(new Shape(1, 7), DType.I64);
        Assert.Contains("max_position_embeddings", Assert.Throws<ShapeMismatchException>(() => bert.Forward(tooLong)).Message);
        using var ids = Tensor.Zeros(new Shape(2, 3), DType.I64);
        using var badMask = Tensor.Ones(new Shape(2, 4), DType.I64);
        Assert.Contains("attention_mask shape", Assert.Throws<ShapeMismatchException>(() => bert.Forward(ids, badMask)).Message);
        using var gpt = new Gpt2LMHeadModel(new Gpt2Config { VocabSize = 20, NPositions = 5, NEmbd = 8, NLayer = 1, NHead = 2 }, new Generator(1));
        using var g6 = Tensor.Zeros(new Shape(1, 6), DType.I64);
        Assert.Contains("n_positions", Assert.Throws<ShapeMismatchException>(() => gpt.Forward(g6)).Message);
        using var g3 = Tensor.Zeros(new Shape(1, 3), DType.I64);
        Assert.Contains("exceed n_positions 5", Assert.Throws<ShapeMismatchException>(() => gpt.Generate(g3, 3)).Message);
        Assert.Throws<ArgumentException>(() => gpt.Generate(g3, -1));
    }
}

[Collection("TextGlobalState")]
public class TextMemoryTests
{
    [Fact]
    public void ForwardAndGenerate_DoNotLeak()
    {
        using var bert = new BertModel(new BertConfig { VocabSize = 30, HiddenSize = 8, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 12 }, new Generator(1));
        using var gpt = new Gpt2LMHeadModel(new Gpt2Config { VocabSize = 20, NPositions = 16, NEmbd = 8, NLayer = 2, NHead = 2 }, new Generator(1));
        bert.Eval();
        gpt.Eval();
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var mask = Tensor.FromArray(new long[] { 1, 1, 1, 1, 1, 0 }, 2, 3);
        GC.Collect(); // storages other tests leaked must not be finalized inside the measured region
        GC.WaitForPendingFinalizers();
        long before = Backends.Cpu.CpuBackend.Instance.Pool.Statistics.BytesInUse;
        long Used() => Backends.Cpu.CpuBackend.Instance.Pool.Statistics.BytesInUse;
        using (Tensor.NewScope()) gpt.Generate(ids, 4);
        Assert.Equal(before, Used());
        using (Tensor.NewScope()) gpt.Generate(ids, 4, useCache: false);
        Assert.Equal(before, Used());
        using (Tensor.NoGrad())
        {
            using (Tensor.NewScope()) bert.Forward(ids, mask);
            Assert.Equal(before, Used());
            using (Tensor.NewScope()) gpt.Forward(ids);
            Assert.Equal(before, Used());
        }
    }
}

/// <summary>Tests that read the global pool statistics run alone.</summary>
[CollectionDefinition("TextGlobalState", DisableParallelization = true)]
public sealed class TextGlobalStateCollection;
