using DeepSeek.NN.Data;

namespace DeepSeek.NN.Tests.Data;

public class TransformTests
{
    [Theory]
    [InlineData(DType.F32, 1e-6)]
    [InlineData(DType.F64, 1e-12)]
    [InlineData(DType.F16, 2e-3)]
    [InlineData(DType.BF16, 1e-2)]
    public void NormalizePerChannelMatchesADoubleReference(DType dtype, double tol)
    {
        using var x32 = Tensor.RandN(new Shape(2, 3, 4, 5), new Generator(11), dtype: DType.F64);
        using var x = x32.To(dtype);
        double[] mean = [0.1, -0.2, 0.3], std = [0.5, 2, 0.25];
        using var y = new Normalize(mean, std).Apply(x);
        Assert.Equal(dtype, y.DType);
        Assert.Equal(x.Shape, y.Shape);
        var xv = x.ToDoubleArray();
        var expected = new double[xv.Length];
        for (int i = 0; i < xv.Length; i++)
        {
            int c = i / 20 % 3;
            expected[i] = (xv[i] - mean[c]) / std[c];
        }
        TestSupport.AssertClose(expected, y.ToDoubleArray(), tol, tol);
    }

    [Fact]
    public void NormalizeHandlesViewsIntegersAndSingleStatistics()
    {
        using var baseT = Tensor.RandN(new Shape(4, 3, 2), new Generator(2));
        using var view = baseT.Permute(1, 0, 2);              // [3, 4, 2], non-contiguous
        using var y = new Normalize([1, 2, 3], [1, 2, 4]).Apply(view);
        var v = view.ToDoubleArray();
        TestSupport.AssertClose(v.Select((e, i) => (e - (i / 8 + 1)) / (1 << (i / 8))).ToArray(), y.ToDoubleArray(), 1e-6, 1e-6);

        using var pixels = Tensor.FromArray(new byte[] { 0, 128, 255 });
        using var p = new Normalize([127.5], [127.5]).Apply(pixels);
        Assert.Equal(DType.F32, p.DType);
        TestSupport.AssertClose([-1, 0.5 / 127.5, 1], p.ToDoubleArray());

        using var wrong = Tensor.Zeros(new Shape(2, 4, 4));
        var ex = Assert.Throws<ShapeMismatchException>(() => new Normalize([0, 0, 0], [1, 1, 1]).Apply(wrong));
        Assert.Contains("[2, 4, 4]", ex.Message);
        Assert.Throws<ArgumentException>(() => new Normalize([0, 0], [1, 0]));
        Assert.Throws<ArgumentException>(() => new Normalize([0], [1, 1]));
    }

    [Fact]
    public void RandomCropIsAWindowOfThePaddedInputAndCoversEveryOffset()
    {
        using var x = Tensor.Arange(1, 33, 1, DType.F32).Reshape(2, 4, 4);   // two channels, no zeros
        var crop = new RandomCrop(3, padding: 1, seed: 5);
        var seen = new HashSet<(int, int)>();
        var xv = x.ToDoubleArray();
        double Padded(int c, int r, int col) => r is < 1 or > 4 || col is < 1 or > 4 ? 0 : xv[c * 16 + (r - 1) * 4 + (col - 1)];
        for (int trial = 0; trial < 200; trial++)
        {
            using var y = crop.Apply(x);
            Assert.Equal(new Shape(2, 3, 3), y.Shape);
            var yv = y.ToDoubleArray();
            var match = Enumerable.Range(0, 4).SelectMany(t => Enumerable.Range(0, 4).Select(l => (t, l)))
                .Where(o => Enumerable.Range(0, 18).All(i => yv[i] == Padded(i / 9, o.t + i % 9 / 3, o.l + i % 3))).ToList();
            Assert.Single(match);
            seen.Add(match[0]);
        }
        Assert.Equal(16, seen.Count);

        var a = new RandomCrop(3, padding: 1, seed: 9);
        var b = new RandomCrop(3, padding: 1, seed: 9);
        for (int i = 0; i < 5; i++)
        {
            using var ya = a.Apply(x);
            using var yb = b.Apply(x);
            Assert.Equal(ya.ToDoubleArray(), yb.ToDoubleArray());
        }
        Assert.Throws<ShapeMismatchException>(() => new RandomCrop(7, padding: 1).Apply(x));
        using var flat = Tensor.Ones(5);
        Assert.Throws<ShapeMismatchException>(() => new RandomCrop(1).Apply(flat));
    }

    [Fact]
    public void RandomHorizontalFlipFlipsTheLastDimWithProbabilityP()
    {
        using var x = Tensor.Arange(0, 6, 1, DType.I32).Reshape(1, 2, 3);
        using (var always = new RandomHorizontalFlip(1).Apply(x)) Assert.Equal([2, 1, 0, 5, 4, 3], always.ToArray<int>());
        using (var never = new RandomHorizontalFlip(0).Apply(x)) Assert.Equal([0, 1, 2, 3, 4, 5], never.ToArray<int>());
        var half = new RandomHorizontalFlip(0.5, seed: 1);
        int flips = 0;
        for (int i = 0; i < 400; i++)
        {
            using var y = half.Apply(x);
            if (y.ToArray<int>()[0] == 2) flips++;
        }
        Assert.InRange(flips, 160, 240);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
    }

    [Fact]
    public void ComposeRunsInOrder()
    {
        using var x = Tensor.Arange(0, 4, 1, DType.F32).Reshape(1, 1, 4);
        var t = new Compose(new RandomHorizontalFlip(1), new Normalize([1], [2]));
        using var y = t.Apply(x);
        Assert.Equal([1, 0.5, 0, -0.5], y.ToDoubleArray());
        using var same = new Compose().Apply(x);
        Assert.Equal(x.ToDoubleArray(), same.ToDoubleArray());
    }

    [Fact]
    public void RandomAugmentationInALoaderDoesNotDependOnWorkers()
    {
        using var x = Tensor.RandN(new Shape(40, 1, 5, 5), new Generator(7));
        using var y = Tensor.Arange(0, 40, 1, DType.I64);
        using var rows = new TensorDataset(x, y);
        var ds = new TransformedDataset(rows, new Compose(new RandomCrop(4, padding: 2), new RandomHorizontalFlip()));
        List<double[]> Run(int workers) => DataLoader.Create(ds, 6, new DataLoaderOptions { Seed = 21, Shuffle = true, NumWorkers = workers })
            .Select(b => b.Inputs.ToDoubleArray()).ToList();
        var sync = Run(0);
        Assert.Equal(sync, Run(3));
        Assert.Equal(sync, Run(1));
        var loader = DataLoader.Create(ds, 6, new DataLoaderOptions { Seed = 21 });
        var e0 = loader.Select(b => b.Inputs.ToDoubleArray()).ToList();
        var e1 = loader.Select(b => b.Inputs.ToDoubleArray()).ToList();
        Assert.NotEqual(e0, e1);   // new augmentation each epoch
    }
}
