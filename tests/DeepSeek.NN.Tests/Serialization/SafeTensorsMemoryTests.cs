using DeepSeek.NN.Serialization;

namespace DeepSeek.NN.Tests.Serialization;

[Collection("Pool")]
public class SafeTensorsMemoryTests
{
    [Fact]
    public void SaveLoadAndRejectedFilesLeaveNothingBehind()
    {
        using var dir = new TempDir();
        var path = dir.File("m.safetensors");
        long before = TestSupport.PoolBytesInUse();
        using (Tensor.NewScope())
        {
            var w = Tensor.RandN(new Shape(8, 3), new Generator(1));
            using var wt = w.Transpose(0, 1);
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["w"] = wt, ["b"] = Tensor.Zeros(3) });
            foreach (var t in SafeTensors.Load(path).Values) t.Dispose();
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^4]);
            Assert.Throws<ModelFormatException>(() => SafeTensors.Load(path));
        }
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());
    }
}
