namespace DeepSeek.NN.Data;

/// <summary>
/// A numeric CSV with a header row and an integer label column: item i is <c>[features, label]</c> with features an
/// F32 tensor [NumFeatures] and label an I64 scalar (both views; the caller disposes them). Dispose the dataset to
/// free its tensors.
/// </summary>
public sealed class CsvDataset : Dataset<Tensor[]>, IDisposable
{
    private readonly TensorDataset _rows;

    private CsvDataset(CsvTable table, string path)
    {
        Path = path;
        FeatureNames = table.FeatureNames;
        LabelName = table.LabelName;
        using var features = Tensor.FromArray(table.Features, table.Rows, table.Columns);
        using var labels = Tensor.FromArray(table.Labels, table.Rows);
        _rows = new TensorDataset(features, labels);
        NumClasses = table.Labels.Length == 0 ? 0 : (int)Math.Min(int.MaxValue, table.Labels.Max() + 1);
    }

    /// <summary>Reads <paramref name="path"/>, taking the label from the column named <paramref name="labelColumn"/>.</summary>
    /// <exception cref="DataFormatException">A bad number, a ragged row or a missing label column (message names file, line and column).</exception>
    public static CsvDataset Load(string path, string labelColumn = "label", char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(labelColumn);
        return new CsvDataset(CsvTable.Read(path, labelColumn, 0, delimiter), path);
    }

    /// <summary>Reads <paramref name="path"/>, taking the label from column <paramref name="labelColumnIndex"/> (0-based; negative counts from the end).</summary>
    /// <exception cref="DataFormatException">A bad number, a ragged row or a label index out of range.</exception>
    public static CsvDataset Load(string path, int labelColumnIndex, char delimiter = ',') =>
        new(CsvTable.Read(path, null, labelColumnIndex, delimiter), path);

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Header names of the feature columns, in order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Header name of the label column.</summary>
    public string LabelName { get; }

    /// <summary>Number of feature columns.</summary>
    public int NumFeatures => FeatureNames.Count;

    /// <summary>Largest label + 1 (0 for an empty file).</summary>
    public int NumClasses { get; }

    /// <summary>All features, F32 [Count, NumFeatures] (owned by the dataset).</summary>
    public Tensor Features => _rows.Tensors[0];

    /// <summary>All labels, I64 [Count] (owned by the dataset).</summary>
    public Tensor Labels => _rows.Tensors[1];

    /// <inheritdoc/>
    public override int Count => _rows.Count;

    /// <inheritdoc/>
    protected override Tensor[] Get(int index) => _rows[index];

    /// <summary>Frees the feature and label tensors.</summary>
    public void Dispose() => _rows.Dispose();
}
