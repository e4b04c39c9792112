using DeepSeek.NN.Data;
using DeepSeek.NN.Data.Images;
using DeepSeek.NN.Data.Images.Netpbm;
using DeepSeek.NN.Data.Images.Png;

namespace DeepSeek.NN.Tests.Images;

[Collection("Pool")]
public class ImageFolderDatasetTests
{
    private static Image Solid(int w, int h, int c, byte v) => new(w, h, c, Enumerable.Repeat(v, w * h * c).ToArray());

    /// <summary>root/cat: a.png (RGB), b/c.png (gray, nested); root/ant: z.png (RGBA), y.ppm; root/dog: notes.txt + d.PNG.</summary>
    private static TempDir MakeTree()
    {
        var dir = new TempDir();
        foreach (var c in new[] { "cat", "ant", "dog", Path.Combine("cat", "b") }) Directory.CreateDirectory(Path.Combine(dir.Path, c));
        var rgb = new Image(2, 2, 3, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
        PngEncoder.Save(rgb, dir.File("cat/a.png"));
        PngEncoder.Save(Solid(2, 2, 1, 77), dir.File("cat/b/c.png"));
        PngEncoder.Save(Solid(2, 2, 4, 200), dir.File("ant/z.png"));
        File.WriteAllBytes(dir.File("ant/y.ppm"), NetpbmEncoder.Encode(Solid(3, 2, 3, 255)));
        File.WriteAllText(dir.File("dog/notes.txt"), "not an image");
        PngEncoder.Save(Solid(2, 2, 3, 0), dir.File("dog/d.PNG"));
        File.WriteAllText(dir.File("root-file.png"), "ignored: files in the root are not samples");
        return dir;
    }

    [Fact]
    public void ClassesLabelsAndSamples_FollowSortedFolders()
    {
        using var dir = MakeTree();
        var ds = new ImageFolderDataset(dir.Path);
        Assert.Equal(new[] { "ant", "cat", "dog" }, ds.Classes);
        Assert.Equal(1, ds.ClassToIndex["cat"]);
        Assert.Equal(5, ds.Count);
        var names = ds.Samples.Select(s => (Path.GetRelativePath(dir.Path, s.Path).Replace('\\', '/'), s.Label)).ToArray();
        Assert.Equal(new[] { ("ant/y.ppm", 0), ("ant/z.png", 0), ("cat/a.png", 1), ("cat/b/c.png", 1), ("dog/d.PNG", 2) }, names);

        var item = ds[2];
        try
        {
            Assert.Equal(new Shape(3, 2, 2), item[0].Shape);
            Assert.Equal(DType.F32, item[0].DType);
            TestSupport.AssertClose(new double[] { 10, 40, 70, 100, 20, 50, 80, 110, 30, 60, 90, 120 }.Select(v => v / 255).ToArray(),
                item[0].ToArray<float>().Select(v => (double)v).ToArray(), 1e-6, 1e-7);
            Assert.Equal(DType.I64, item[1].DType);
            Assert.Equal(0, item[1].Rank);
            Assert.Equal(1L, item[1].ToArray<long>()[0]);
        }
        finally { foreach (var t in item) t.Dispose(); }

        var gray = ds[3]; // gray PNG replicated to RGB
        try { Assert.All(gray[0].ToArray<float>(), v => Assert.Equal(77 / 255f, v, 6)); }
        finally { foreach (var t in gray) t.Dispose(); }
        var rgba = ds[1]; // alpha dropped
        try { Assert.Equal(new Shape(3, 2, 2), rgba[0].Shape); }
        finally { foreach (var t in rgba) t.Dispose(); }
    }

    [Fact]
    public void GrayChannelsAndExtensionFilter()
    {
        using var dir = MakeTree();
        var ds = new ImageFolderDataset(dir.Path, extensions: ["PNG"], channels: 1);
        Assert.Equal(4, ds.Count);
        var item = ds[1]; // cat/a.png (ant/y.ppm is filtered out)
        try
        {
            Assert.Equal(new Shape(1, 2, 2), item[0].Shape);
            // luma(10, 20, 30) = round(2.99 + 11.74 + 3.42) = 18
            Assert.Equal(18 / 255f, item[0].ToArray<float>()[0], 6);
        }
        finally { foreach (var t in item) t.Dispose(); }
    }

    [Fact]
    public void DataLoaderBatch_WithResizeAndNormalize()
    {
        using var dir = MakeTree();
        var ds = new ImageFolderDataset(dir.Path, new Compose(new Resize(4, 4), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])));
        var loader = DataLoader.Create(ds, 2);
        long before = TestSupport.PoolBytesInUseNow();
        var labels = new List<long>();
        int batches = 0;
        foreach (var batch in loader)
        {
            Assert.Equal(new Shape(batch.Size, 3, 4, 4), batch.Inputs.Shape);
            labels.AddRange(batch.Targets.ToArray<long>());
            if (batches++ == 0)
            {
                // item 0 is the white PPM: (1 − 0.5)/0.5 = 1 everywhere
                var x = batch.Inputs.ToArray<float>();
                Assert.All(x.Take(48), v => Assert.Equal(1f, v, 5));
            }
        }
        Assert.Equal(3, batches);
        Assert.Equal(new long[] { 0, 0, 1, 1, 2 }, labels);
        Assert.Equal(before, TestSupport.PoolBytesInUseNow());
    }

    [Fact]
    public void BackgroundWorkers_DecodeTheSameBatches()
    {
        using var dir = MakeTree();
        var ds = new ImageFolderDataset(dir.Path, new Resize(3, 3));
        float[] Run(int workers)
        {
            var all = new List<float>();
            foreach (var batch in DataLoader.Create(ds, 2, new DataLoaderOptions { Shuffle = true, Seed = 5, NumWorkers = workers }))
                all.AddRange(batch.Inputs.ToArray<float>());
            return all.ToArray();
        }
        Assert.Equal(Run(0), Run(2));
    }

    [Fact]
    public void Errors_NameTheDirectoryOrFile()
    {
        using var dir = new TempDir();
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolderDataset(dir.File("missing")));
        var e = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains("no class sub-directories", e.Message);
        Directory.CreateDirectory(dir.File("empty"));
        File.WriteAllText(dir.File("empty/readme.txt"), "x");
        e = Assert.Throws<DataFormatException>(() => new ImageFolderDataset(dir.Path));
        Assert.Contains("empty", e.Message);
        Assert.Contains("holds no file", e.Message);

        File.WriteAllBytes(dir.File("empty/broken.png"), PngEncoder.Encode(Solid(4, 4, 3, 1))[..30]);
        var ds = new ImageFolderDataset(dir.Path);
        e = Assert.Throws<DataFormatException>(() => ds[0]);
        Assert.Contains("broken.png", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageFolderDataset(dir.Path, channels: 4));
    }

    [Fact]
    public void RealJpegs_DecodeThroughTheDataset()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("photos"));
        File.Copy(JpegTests.Repo("data", "images", "flower.jpg"), dir.File("photos/flower.jpg"));
        var ds = new ImageFolderDataset(dir.Path, new Compose(new Resize(64, 96), new CenterCrop(56)));
        var item = ds[0];
        try
        {
            Assert.Equal(new Shape(3, 56, 56), item[0].Shape);
            var x = item[0].ToArray<float>();
            Assert.All(x, v => Assert.InRange(v, 0f, 1f));
            // the red channel of flower.jpg averages 55.1/255 = 0.216; a centre crop of a downscaled copy stays in that range
            Assert.InRange(x.Take(56 * 56).Average(), 0.1, 0.5);
        }
        finally { foreach (var t in item) t.Dispose(); }
    }
}
