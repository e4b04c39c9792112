namespace DeepSeek.NN.Data;

/// <summary>
/// The bundled handwritten digits (data/digits.csv: header <c>label,p0..p63</c>, 1,797 8×8 images with pixel values
/// 0–16, labels 0–9). Item i is <c>[image, label]</c>: image F32 [1, 8, 8] (or [64] when flat) and label an I64 scalar.
/// </summary>
public sealed class DigitsDataset : Dataset<Tensor[]>, IDisposable
{
    /// <summary>Image side length.</summary>
    public const int Side = 8;

    /// <summary>Number of classes (digits 0–9).</summary>
    public const int NumClasses = 10;

    private readonly TensorDataset _rows;

    private DigitsDataset(TensorDataset rows) => _rows = rows;

    /// <summary>
    /// Reads the digits CSV at <paramref name="path"/>. With <paramref name="images"/> each input is [1, 8, 8], else [64];
    /// with <paramref name="scale"/> pixels are divided by 16 into [0, 1], else kept as 0–16.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not the digits layout (wrong header, pixel outside 0–16, label outside 0–9).</exception>
    public static DigitsDataset Load(string path, bool images = true, bool scale = true)
    {
        var table = CsvTable.Read(path, "label", 0, ',',
            v => v is >= 0 and <= 16 && v == MathF.Floor(v) ? null : "is not an integer pixel value in 0–16");
        var expected = Enumerable.Range(0, Side * Side).Select(i => $"p{i}");
        if (table.LabelName != "label" || !table.FeatureNames.SequenceEqual(expected))
            throw new DataFormatException($"Digits file '{path}', line 1: expected the header label,p0,...,p63, got {table.LabelName},{string.Join(",", table.FeatureNames.Take(3))},... ({table.Columns + 1} columns).");
        for (int r = 0; r < table.Rows; r++)
            if (table.Labels[r] is < 0 or >= NumClasses)
                throw new DataFormatException($"Digits file '{path}', data row {r + 1}: label {table.Labels[r]} is not a digit 0–9.");
        var pixels = table.Features;
        if (scale) for (int i = 0; i < pixels.Length; i++) pixels[i] /= 16f;
        int[] shape = images ? [table.Rows, 1, Side, Side] : [table.Rows, Side * Side];
        using var x = Tensor.FromArray(pixels, shape);
        using var y = Tensor.FromArray(table.Labels, table.Rows);
        return new DigitsDataset(new TensorDataset(x, y));
    }

    /// <summary>
    /// Finds data/digits.csv by walking up from <see cref="AppContext.BaseDirectory"/> and the current directory.
    /// Throws <see cref="FileNotFoundException"/> naming the directories searched.
    /// </summary>
    public static string FindBundled()
    {
        var searched = new List<string>();
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "data", "digits.csv");
                if (File.Exists(candidate)) return candidate;
                searched.Add(dir.FullName);
            }
        }
        throw new FileNotFoundException($"data/digits.csv was not found in any of: {string.Join(", ", searched.Distinct())}.");
    }

    /// <summary>All images, F32 [Count, 1, 8, 8] or [Count, 64] (owned by the dataset).</summary>
    public Tensor Images => _rows.Tensors[0];

    /// <summary>All labels, I64 [Count] (owned by the dataset).</summary>
    public Tensor Labels => _rows.Tensors[1];

    /// <inheritdoc/>
    public override int Count => _rows.Count;

    /// <inheritdoc/>
    protected override Tensor[] Get(int index) => _rows[index];

    /// <summary>Frees the image and label tensors.</summary>
    public void Dispose() => _rows.Dispose();
}
