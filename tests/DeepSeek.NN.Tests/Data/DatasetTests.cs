using DeepSeek.NN.Data;

namespace DeepSeek.NN.Tests.Data;

public class DatasetTests
{
    [Fact]
    public void TensorDatasetRowsAreViewsOfEveryTensor()
    {
        using var x = Tensor.Arange(0, 12, 1, DType.F32).Reshape(4, 3);
        using var y = Tensor.Arange(10, 14, 1, DType.I64);
        using var ds = new TensorDataset(x, y);
        Assert.Equal(4, ds.Count);
        var item = ds[2];
        Assert.Equal(2, item.Length);
        Assert.Equal([6.0, 7, 8], item[0].ToDoubleArray());
        Assert.Equal(12L, item[1].Item<long>());
        Assert.Equal(0, item[1].Rank);
        foreach (var t in item) t.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => ds[4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds[-1]);
    }

    [Fact]
    public void TensorDatasetKeepsItsOwnReferenceAndChecksShapes()
    {
        var x = Tensor.Ones(new Shape(3, 2));
        using var ds = new TensorDataset(x);
        x.Dispose();
        var row = ds[1];
        Assert.Equal([1.0, 1], row[0].ToDoubleArray());
        row[0].Dispose();

        using var a = Tensor.Ones(3);
        using var b = Tensor.Ones(4);
        var ex = Assert.Throws<ShapeMismatchException>(() => new TensorDataset(a, b));
        Assert.Contains("[4]", ex.Message);
        using var s = Tensor.Scalar(1);
        Assert.Throws<ShapeMismatchException>(() => new TensorDataset(s));
        Assert.Throws<ArgumentException>(() => new TensorDataset());
    }

    [Fact]
    public void SubsetMapsIndices()
    {
        using var x = Tensor.Arange(0, 5, 1, DType.I32);
        using var ds = new TensorDataset(x);
        var sub = new Subset<Tensor[]>(ds, [4, 0, 2]);
        Assert.Equal(3, sub.Count);
        var vals = sub.Select(item => { using var t = item[0]; return t.Item<int>(); }).ToArray();
        Assert.Equal([4, 0, 2], vals);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Subset<Tensor[]>(ds, [5]));
    }

    [Fact]
    public void RandomSplitIsASeededPartition()
    {
        using var x = Tensor.Arange(0, 103, 1, DType.I32);
        using var ds = new TensorDataset(x);
        var parts = Dataset.RandomSplit(ds, [0.8, 0.2], seed: 7);
        Assert.Equal([83, 20], parts.Select(p => p.Count));   // floor 82 + 20 = 102; the remainder goes to the first part
        var all = parts.SelectMany(p => p.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 103), all.Order());
        Assert.NotEqual(Enumerable.Range(0, 83), parts[0].Indices);

        var again = Dataset.RandomSplit(ds, [0.8, 0.2], seed: 7);
        Assert.Equal(parts[0].Indices, again[0].Indices);
        var other = Dataset.RandomSplit(ds, [0.8, 0.2], seed: 8);
        Assert.NotEqual(parts[0].Indices, other[0].Indices);

        var byCount = Dataset.RandomSplit(ds, [100, 3], seed: 1);
        Assert.Equal([100, 3], byCount.Select(p => p.Count));
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(ds, [100, 2], seed: 1));
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(ds, [0.5, 0.4], seed: 1));
    }

    [Fact]
    public void PermutationIsUniformEnough()
    {
        // Each of 4 positions holds each of 4 values about 1/4 of the time.
        var counts = new int[4, 4];
        var g = new Generator(3);
        for (int r = 0; r < 4000; r++)
        {
            var p = Permutation.Random(4, g);
            for (int i = 0; i < 4; i++) counts[i, p[i]]++;
        }
        foreach (var c in counts) Assert.InRange(c, 850, 1150);
    }
}

public class CsvDatasetTests
{
    private static string Write(TempDir dir, string text)
    {
        var path = dir.File("d.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsFeaturesAndLabelsByNameOrIndex()
    {
        using var dir = new TempDir();
        var path = Write(dir, "a,cls,b\n1.5,2,-3\n\"4\",0,5e0\n\n");
        using var ds = CsvDataset.Load(path, "cls");
        Assert.Equal(2, ds.Count);
        Assert.Equal(["a", "b"], ds.FeatureNames);
        Assert.Equal(3, ds.NumClasses);
        Assert.Equal([1.5, -3, 4, 5], ds.Features.ToDoubleArray());
        Assert.Equal([2L, 0], ds.Labels.ToArray<long>());
        var item = ds[0];
        Assert.Equal(DType.F32, item[0].DType);
        Assert.Equal(new Shape(2), item[0].Shape);
        Assert.Equal(DType.I64, item[1].DType);
        Assert.Equal(0, item[1].Rank);
        foreach (var t in item) t.Dispose();

        using var byIndex = CsvDataset.Load(path, 1);
        Assert.Equal([2L, 0], byIndex.Labels.ToArray<long>());
        using var last = CsvDataset.Load(path, -1);
        Assert.Equal("b", last.LabelName);
        Assert.Equal([-3L, 5], last.Labels.ToArray<long>());
    }

    [Fact]
    public void BadNumbersAndRaggedRowsNameFileLineAndColumn()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "label,x,y\n1,2,3\n0,oops,3\n")));
        Assert.Contains("d.csv", ex.Message);
        Assert.Contains("line 3", ex.Message);
        Assert.Contains("column 2 (\"x\")", ex.Message);
        Assert.Contains("\"oops\"", ex.Message);

        ex = Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "label,x\n1,2\n0,1,5\n")));
        Assert.Contains("line 3", ex.Message);
        Assert.Contains("3 fields but the header has 2", ex.Message);

        ex = Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "label,x\n1.5,2\n")));
        Assert.Contains("column 1 (\"label\")", ex.Message);
        Assert.Contains("not an integer", ex.Message);

        ex = Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "a,b\n1,2\n"), "label"));
        Assert.Contains("no column \"label\"", ex.Message);
        Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "a,b\n1,2\n"), 2));
        Assert.Throws<DataFormatException>(() => CsvDataset.Load(Write(dir, "")));
    }
}

public class DigitsDatasetTests
{
    private static string DigitsPath => Path.Combine(TestSupport.RepoRoot, "data", "digits.csv");

    [Fact]
    public void LoadsTheBundledDigits()
    {
        using var ds = DigitsDataset.Load(DigitsPath);
        Assert.Equal(1797, ds.Count);
        Assert.Equal(new Shape(1797, 1, 8, 8), ds.Images.Shape);
        var labels = ds.Labels.ToArray<long>();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), labels.Distinct().Order());
        var px = ds.Images.ToArray<float>();
        Assert.Equal(0f, px.Min());
        Assert.Equal(1f, px.Max());

        // First data row, straight from the file.
        var first = File.ReadLines(DigitsPath).Skip(1).First().Split(',').Select(double.Parse).ToArray();
        var item = ds[0];
        Assert.Equal((long)first[0], item[1].Item<long>());
        Assert.Equal(new Shape(1, 8, 8), item[0].Shape);
        TestSupport.AssertClose(first.Skip(1).Select(v => v / 16).ToArray(), item[0].ToDoubleArray(), 0, 0);
        foreach (var t in item) t.Dispose();
    }

    [Fact]
    public void FlatUnscaledLayoutAndBundledLookup()
    {
        Assert.Equal(Path.GetFullPath(DigitsPath), Path.GetFullPath(DigitsDataset.FindBundled()));
        using var ds = DigitsDataset.Load(DigitsPath, images: false, scale: false);
        Assert.Equal(new Shape(1797, 64), ds.Images.Shape);
        Assert.Equal(16f, ds.Images.ToArray<float>().Max());
    }

    [Fact]
    public void RejectsFilesThatAreNotDigits()
    {
        using var dir = new TempDir();
        var header = "label," + string.Join(",", Enumerable.Range(0, 64).Select(i => $"p{i}"));
        var row = string.Join(",", Enumerable.Repeat("0", 64));
        var path = dir.File("d.csv");
        File.WriteAllText(path, header + "\n3," + row[..^1] + "17\n");
        var ex = Assert.Throws<DataFormatException>(() => DigitsDataset.Load(path));
        Assert.Contains("line 2", ex.Message);
        Assert.Contains("p63", ex.Message);
        File.WriteAllText(path, header + "\n12," + row + "\n");
        Assert.Contains("label 12", Assert.Throws<DataFormatException>(() => DigitsDataset.Load(path)).Message);
        File.WriteAllText(path, "label,a,b\n1,2,3\n");
        Assert.Contains("header", Assert.Throws<DataFormatException>(() => DigitsDataset.Load(path)).Message);
    }
}
