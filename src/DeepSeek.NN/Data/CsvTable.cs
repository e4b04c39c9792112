// Minimal numeric CSV reader: one header row, comma (or chosen) separated numbers, optional double quotes around
// fields. Every bad value or ragged row is reported with file, 1-based line and column so the data can be fixed.
using System.Globalization;

namespace DeepSeek.NN.Data;

/// <summary>A parsed numeric CSV: features row-major [Rows, Columns] plus one integer label per row.</summary>
internal sealed record CsvTable(string[] FeatureNames, string LabelName, float[] Features, long[] Labels)
{
    public int Rows => Labels.Length;
    public int Columns => FeatureNames.Length;

    /// <summary>
    /// Reads <paramref name="path"/>; the label column is <paramref name="labelName"/> when given, else <paramref name="labelIndex"/>
    /// (negative counts from the end). <paramref name="check"/> may reject a feature value (returns an error text or null).
    /// </summary>
    public static CsvTable Read(string path, string? labelName, int labelIndex, char delimiter, Func<float, string?>? check = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var reader = new StreamReader(path);
        int lineNo = 0;
        string? headerLine;
        do { headerLine = reader.ReadLine(); lineNo++; } while (headerLine is not null && string.IsNullOrWhiteSpace(headerLine));
        if (headerLine is null) throw Error(path, 1, null, "the file is empty; expected a header row");
        var header = Split(headerLine, delimiter);
        int label;
        if (labelName is not null)
        {
            label = Array.IndexOf(header, labelName);
            if (label < 0)
                throw Error(path, lineNo, null, $"the header has no column \"{labelName}\" for the label (columns: {string.Join(", ", header.Take(10))}{(header.Length > 10 ? ", ..." : "")})");
        }
        else
        {
            label = labelIndex < 0 ? labelIndex + header.Length : labelIndex;
            if (label < 0 || label >= header.Length)
                throw Error(path, lineNo, null, $"label column index {labelIndex} is out of range for {header.Length} columns");
        }
        var names = header.Where((_, i) => i != label).ToArray();
        var features = new List<float>();
        var labels = new List<long>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = Split(line, delimiter);
            if (fields.Length != header.Length)
                throw Error(path, lineNo, null, $"the row has {fields.Length} fields but the header has {header.Length}");
            for (int c = 0; c < fields.Length; c++)
            {
                if (c == label)
                {
                    labels.Add(ParseLabel(fields[c], path, lineNo, c + 1, header[c]));
                    continue;
                }
                if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                    throw Error(path, lineNo, (c + 1, header[c]), $"\"{fields[c]}\" is not a number");
                float f = (float)v;
                if (check?.Invoke(f) is string bad) throw Error(path, lineNo, (c + 1, header[c]), $"value {fields[c]} {bad}");
                features.Add(f);
            }
        }
        return new CsvTable(names, header[label], features.ToArray(), labels.ToArray());
    }

    private static long ParseLabel(string s, string path, int line, int col, string name)
    {
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) return l;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        throw Error(path, line, (col, name), $"label \"{s}\" is not an integer class index");
    }

    private static string[] Split(string line, char delimiter)
    {
        var parts = line.Split(delimiter);
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i].Trim();
            if (p.Length >= 2 && p[0] == '"' && p[^1] == '"') p = p[1..^1].Trim();
            parts[i] = p;
        }
        return parts;
    }

    private static DataFormatException Error(string path, int line, (int Col, string Name)? column, string what) =>
        new($"CSV file '{path}', line {line}{(column is { } c ? $", column {c.Col} (\"{c.Name}\")" : "")}: {what}.");
}
