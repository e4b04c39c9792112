using DeepSeek.Models.Text;

namespace DeepSeek.Models.Tests;

public sealed class ModelZooCreateAnyTests
{
    [Fact]
    public void BertTinyIsTheEncoderOutputOfTheSameSeededModel()
    {
        using var m = ModelZoo.CreateAny("bert-tiny", new Generator(3));
        m.Eval();
        var wrapper = Assert.IsType<BertEncoderOnly>(m);
        Assert.True(ModelZoo.IsTextModel("bert-tiny"));
        using var ids = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var y = m.Forward(ids);
        using var direct = wrapper.Bert.Forward(ids);
        Assert.Equal(new Shape(2, 3, 128), y.Shape);
        Assert.Equal(direct.LastHiddenState.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void VisionNamesAndUnknownNames()
    {
        using var r = ModelZoo.CreateAny("resnet18");
        Assert.False(ModelZoo.IsTextModel("resnet18"));
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.CreateAny("alexnet"));
        Assert.Contains("unknown model 'alexnet'", e.Message, StringComparison.Ordinal);
        Assert.Contains("bert-tiny", e.Message, StringComparison.Ordinal);
    }
}
