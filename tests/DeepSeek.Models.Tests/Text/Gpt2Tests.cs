using DeepSeek.Models.Text;

namespace DeepSeek.Models.Tests.Text;

public class Gpt2Tests
{
    private static Gpt2LMHeadModel Tiny(ulong seed = 4) =>
        new(new Gpt2Config { VocabSize = 40, NPositions = 24, NEmbd = 16, NLayer = 2, NHead = 4, InitializerRange = 0.3 }, new Generator(seed));

    [Fact]
    public void Checkpoint_LogitsMatchTransformers()
    {
        var io = TextTestUtil.LoadIo("gpt2");
        try
        {
            using var model = Gpt2LMHeadModel.FromPretrained(TextTestUtil.Reference("gpt2"), out var info);
            Assert.Empty(info.MissingKeys);
            Assert.Empty(info.IgnoredKeys);
            Assert.Null(model.LmHead);
            using var logits = model.Forward(io["input_ids"]);
            Assert.Equal(new Shape(2, 6, 99), logits.Shape);
            TextTestUtil.AssertClose(io["logits"], logits);
        }
        finally { TextTestUtil.DisposeAll(io); }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Generate_MatchesTransformersGreedy(bool useCache)
    {
        var io = TextTestUtil.LoadIo("gpt2");
        try
        {
            using var model = Gpt2LMHeadModel.FromPretrained(TextTestUtil.Reference("gpt2"));
            using var prompt = io["input_ids"].Narrow(0, 0, 1);
            using var generated = model.Generate(prompt, 8, useCache);
            Assert.Equal(DType.I64, generated.DType);
            Assert.Equal(io["generated"].ToArray<long>(), generated.ToArray<long>());
        }
        finally { TextTestUtil.DisposeAll(io); }
    }

    [Fact]
    public void StateDictKeys_EqualTransformers()
    {
        using var model = new Gpt2LMHeadModel(Gpt2Config.Load(Path.Combine(TextTestUtil.Reference("gpt2"), "config.json")), new Generator(1));
        var sd = model.StateDict();
        try
        {
            // transformers lists the tied lm_head.weight in state_dict but save_pretrained does not store it
            var hf = TextTestUtil.Keys("gpt2", "state_dict");
            Assert.Equal("lm_head.weight", hf[^1]);
            Assert.Equal(hf.Take(hf.Count - 1), sd.Keys);
            Assert.Equal(TextTestUtil.Keys("gpt2", "parameters"), model.NamedParameters().Select(p => p.Name).ToList());
            Assert.Equal(TextTestUtil.ParamCount("gpt2"), model.ParameterCount());
            Assert.Equal(model.Config.ParameterCount(), model.ParameterCount());
        }
        finally { TextTestUtil.DisposeAll(sd); }
    }

    [Fact]
    public void Causal_FutureTokensDoNotChangePastLogits()
    {
        using var model = Tiny();
        model.Eval();
        using var a = Tensor.FromArray(new long[] { 3, 17, 8, 25, 1, 39, 4 }, 1, 7);
        using var b = Tensor.FromArray(new long[] { 3, 17, 8, 25, 30, 2, 12 }, 1, 7);
        using var la = model.Forward(a);
        using var lb = model.Forward(b);
        using var pa = la.Narrow(1, 0, 4);
        using var pb = lb.Narrow(1, 0, 4);
        TextTestUtil.AssertClose(pa, pb, 0, 0);
        using var fa = la.Select(1, 4);
        using var fb = lb.Select(1, 4);
        using var d = (fa - fb).Abs().Max();
        Assert.True(d.Item<float>() > 1e-3);
    }

    [Fact]
    public void KvCache_MatchesFullForward()
    {
        using var model = Tiny();
        model.Eval();
        using var ids = Tensor.FromArray(new long[] { 3, 17, 8, 25, 1, 39, 4, 10, 11, 12, 13, 14, 15, 16 }, 2, 7);
        using var full = model.Forward(ids);
        using var cache = new Gpt2KvCache(2);
        using var first = model.Forward(ids.Narrow(1, 0, 3), cache);
        using var middle = model.Forward(ids.Narrow(1, 3, 3), cache); // several new tokens after a cached prefix
        using var last = model.Forward(ids.Narrow(1, 6, 1), cache);
        Assert.Equal(7, cache.Length);
        using var all = Tensor.Concat([first, middle, last], 1);
        TextTestUtil.AssertClose(full, all, 1e-5, 1e-5);
    }

    [Fact]
    public void TiedHead_UsesWte()
    {
        using var model = Tiny();
        model.Eval();
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3 }, 1, 3);
        using var h = model.Transformer.Forward(ids);
        using var logits = model.Forward(ids);
        var hv = h.ToArray<float>();
        var w = model.Transformer.Wte.Weight.Data.ToArray<float>();
        var lv = logits.ToArray<float>();
        for (int t = 0; t < 3; t++)
            for (int v = 0; v < 40; v++)
            {
                double s = 0;
                for (int k = 0; k < 16; k++) s += (double)hv[t * 16 + k] * w[v * 16 + k];
                Assert.Equal(s, lv[t * 40 + v], 4);
            }
    }

    [Fact]
    public void Conv1D_IsXTimesWPlusB()
    {
        using var c = new Conv1D(3, 2, 1.0, new Generator(2));
        using (Tensor.NoGrad()) c.Bias.Data.CopyFrom(Tensor.FromArray(new[] { 0.5f, -1f }, 2));
        using var x = Tensor.FromArray(new[] { 1f, 2f, 3f }, 1, 3);
        using var y = c.Forward(x);
        var w = c.Weight.Data.ToArray<float>(); // [in=3, out=2]
        Assert.Equal(new Shape(3, 2), c.Weight.Shape);
        Assert.Equal(1 * w[0] + 2 * w[2] + 3 * w[4] + 0.5f, y.ToArray<float>()[0], 5);
        Assert.Equal(1 * w[1] + 2 * w[3] + 3 * w[5] - 1f, y.ToArray<float>()[1], 5);
    }

    [Fact]
    public void SavePretrained_RoundTrips_AndBareGpt2ModelKeysLoad()
    {
        var dir = TextTestUtil.TempDir();
        try
        {
            using var a = Tiny(7);
            a.Eval();
            a.SavePretrained(dir);
            using var ids = Tensor.FromArray(new long[] { 5, 6, 7, 8 }, 1, 4);
            using var la = a.Forward(ids);
            using (var b = Gpt2LMHeadModel.FromPretrained(dir))
            {
                Assert.Equal(a.Config, b.Config);
                using var lb = b.Forward(ids);
                TextTestUtil.AssertClose(la, lb, 0, 0);
            }
            // a checkpoint saved from GPT2Model: bare keys plus the legacy attention-mask buffers
            var sd = a.StateDict();
            var bare = sd.ToDictionary(kv => kv.Key["transformer.".Length..], kv => kv.Value);
            using var maskBuf = Tensor.Ones(1, 1, 24, 24);
            bare["h.0.attn.bias"] = maskBuf;
            NN.Serialization.SafeTensors.Save(Path.Combine(dir, "model.safetensors"), bare);
            TextTestUtil.DisposeAll(sd);
            using var c = Gpt2LMHeadModel.FromPretrained(dir, out var info);
            Assert.Equal(["h.0.attn.bias"], info.IgnoredKeys);
            using var lc = c.Forward(ids);
            TextTestUtil.AssertClose(la, lc, 0, 0);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Small_ParameterCountIsPublished()
    {
        Assert.Equal(124_439_808, Gpt2Config.Small.ParameterCount());
        Assert.Equal(354_823_168, Gpt2Config.Medium.ParameterCount());
        var oneLayer = Gpt2Config.Small with { NLayer = 1, VocabSize = 1000 };
        using var model = new Gpt2LMHeadModel(oneLayer, new Generator(0));
        Assert.Equal(oneLayer.ParameterCount(), model.ParameterCount());
        Assert.Equal(new Shape(768, 2304), model.Transformer.H[0].Attn.CAttn.Weight.Shape);
        Assert.Equal(124_439_808 + 50257L * 768, (Gpt2Config.Small with { TieWordEmbeddings = false }).ParameterCount());
    }

    [Fact]
    public void Init_FollowsTransformers()
    {
        var cfg = new Gpt2Config { VocabSize = 100, NPositions = 16, NEmbd = 64, NLayer = 8, NHead = 4 };
        using var m = new Gpt2LMHeadModel(cfg, new Generator(3));
        static double Std(float[] w) { double mu = w.Average(x => (double)x); return Math.Sqrt(w.Average(x => (x - mu) * (x - mu))); }
        Assert.InRange(Std(m.Transformer.H[0].Mlp.CFc.Weight.Data.ToArray<float>()), 0.019, 0.021);
        Assert.InRange(Std(m.Transformer.H[0].Mlp.CProj.Weight.Data.ToArray<float>()), 0.02 / 4 * 0.95, 0.02 / 4 * 1.05);
        Assert.All(m.Transformer.LnF.Weight!.Data.ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(m.Transformer.H[1].Attn.CAttn.Bias.Data.ToArray<float>(), v => Assert.Equal(0f, v));
    }
}

public class TextTrainingTests
{
    [Fact]
    public void Backward_ReachesEveryParameter()
    {
        using var bert = new BertModel(new BertConfig { VocabSize = 30, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 12 }, new Generator(1));
        using var gpt = new Gpt2LMHeadModel(new Gpt2Config { VocabSize = 20, NPositions = 16, NEmbd = 8, NLayer = 1, NHead = 2 }, new Generator(1));
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using (Tensor.NewScope())
        {
            var o = bert.Forward(ids); // training mode: dropout active
            (o.LastHiddenState.Square().Sum() + o.PoolerOutput!.Sum()).Backward();
            var logits = gpt.Forward(ids);
            logits.Square().Sum().Backward();
        }
        foreach (var (name, p) in bert.NamedParameters().Concat(gpt.NamedParameters()))
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            using var m = p.Grad!.Abs().Max();
            Assert.True(m.Item<float>() > 0, $"{name} has a zero gradient");
        }
    }
}
