namespace DeepSeek.NN.Tests.Layers;

[Collection("Pool")]
public class LayerMemoryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LayersAndLossesFreeEveryIntermediate(bool withGrad)
    {
        using var layer = new TransformerEncoderLayer(8, 2, 16, dropout: 0.1, generator: new Generator(1));
        using var conv = new Conv2d(3, 4, 3, padding: 1, generator: new Generator(2));
        using var bn = new BatchNorm2d(4);
        using var emb = new Embedding(10, 8, paddingIdx: 0, generator: new Generator(3));
        using var idx = Tensor.FromArray(new long[] { 0, 3, 5, 0, 2, 9 }, 3, 2);
        using var img = Tensor.RandN(new Shape(2, 3, 5, 5), new Generator(4));
        using var target = Tensor.FromArray(new long[] { 1, -100, 3, 0, 7, 2 }, 3, 2);
        using var kpm = Tensor.FromArray(new[] { false, true, false, false, false, false }, 2, 3);
        Run(); // warm up lazily created state (pooled blocks, running stats)
        // measured without collecting: nothing may be left for a finalizer (Backward consumes the whole graph)
        long before = TestSupport.PoolBytesInUseNow();
        Run();
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());

        void Run()
        {
            using var noGrad = withGrad ? null : (IDisposable)Tensor.NoGrad();
            using var scope = Tensor.NewScope();
            var h = emb.Forward(idx); // [3, 2, 8] as [L, N, E]
            var y = layer.Forward(h, null, kpm);
            var logits = y[.., .., 0..8];
            var ce = F.CrossEntropy(logits.Permute(1, 2, 0), target.T, labelSmoothing: 0.1);
            var z = bn.Forward(conv.Forward(img));
            var total = ce + F.MSELoss(z, z.Detach() * 0.5) + F.KLDiv(z.LogSoftmax(1), z.Softmax(1), Reduction.BatchMean);
            if (!withGrad) return;
            total.Backward();
            Assert.NotNull(emb.Weight.Grad);
            Assert.NotNull(conv.Weight.Grad);
            Assert.NotNull(layer.SelfAttn.InProjWeight.Grad);
            foreach (var m in new Module[] { layer, conv, bn, emb }) m.ZeroGrad();
        }
    }
}
