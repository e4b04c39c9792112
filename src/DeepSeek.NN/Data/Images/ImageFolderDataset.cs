// A labelled image dataset read from a directory tree root/<class>/**/<image>, like torchvision.datasets.ImageFolder:
// classes are the sub-directory names sorted ordinally, samples are the image files found below each (sorted paths).
using DeepSeek.NN.Data.Images;

namespace DeepSeek.NN.Data;

/// <summary>
/// Images in class folders (torchvision ImageFolder): <c>root/cat/001.png</c>, <c>root/dog/x/002.jpg</c>, … Class names
/// are the immediate sub-directories of the root sorted by ordinal name; the label of a class is its index in that order.
/// Item i is <c>[image, label]</c>: image F32 [C, H, W] with values in [0, 1] (after the optional transform) and
/// label an I64 scalar. Files are decoded when an item is read (PNG, baseline JPEG, PGM/PPM).
/// </summary>
public sealed class ImageFolderDataset : Dataset<Tensor[]>
{
    private readonly (string Path, int Label)[] _samples;

    /// <summary>
    /// Scans <paramref name="root"/>. Images are converted to <paramref name="channels"/> channels (3: gray is replicated and
    /// alpha dropped; 1: BT.601 luma). <paramref name="extensions"/> (case-insensitive, with or without the dot) selects the
    /// files; it defaults to <see cref="ImageDecoder.Extensions"/>. Files in the root itself are ignored.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="DataFormatException">The root has no class sub-directory, or a class has no image file.</exception>
    public ImageFolderDataset(string root, ITransform? transform = null, IEnumerable<string>? extensions = null, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "ImageFolderDataset: channels must be 1 (gray) or 3 (RGB).");
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"ImageFolderDataset: root directory '{root}' does not exist.");
        var exts = (extensions ?? ImageDecoder.Extensions)
            .Select(e => (e.StartsWith('.') ? e : "." + e).ToLowerInvariant()).ToHashSet();
        if (exts.Count == 0) throw new ArgumentException("ImageFolderDataset: the extension list is empty.", nameof(extensions));
        Root = root;
        Transform = transform;
        Channels = channels;
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new DataFormatException($"ImageFolderDataset: '{root}' has no class sub-directories (expected root/<class>/<image files>).");
        var samples = new List<(string, int)>();
        for (int label = 0; label < classes.Length; label++)
        {
            var dir = Path.Combine(root, classes[label]);
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => exts.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
                throw new DataFormatException($"ImageFolderDataset: class folder '{dir}' holds no file with extension {string.Join(", ", exts.Order())}.");
            foreach (var f in files) samples.Add((f, label));
        }
        Classes = classes;
        ClassToIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        _samples = samples.ToArray();
    }

    /// <summary>The root directory.</summary>
    public string Root { get; }

    /// <summary>Transform applied to each image tensor, or null.</summary>
    public ITransform? Transform { get; }

    /// <summary>Channels of the image tensors before the transform (1 or 3).</summary>
    public int Channels { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Label of each class name.</summary>
    public IReadOnlyDictionary<string, int> ClassToIndex { get; }

    /// <summary>Every (file path, label) pair in item order: by class, then by path.</summary>
    public IReadOnlyList<(string Path, int Label)> Samples => _samples;

    /// <inheritdoc/>
    public override int Count => _samples.Length;

    /// <summary>Decodes item <paramref name="index"/>'s file (errors name it) and returns <c>[image, label]</c>.</summary>
    protected override Tensor[] Get(int index)
    {
        var (path, label) = _samples[index];
        var image = ImageDecoder.Decode(path).ConvertChannels(Channels);
        var x = image.ToTensor();
        if (Transform is not null)
        {
            try
            {
                var y = Transform.Apply(x);
                x.Dispose();
                x = y;
            }
            catch
            {
                x.Dispose();
                throw;
            }
        }
        return [x, Tensor.Scalar(label, DType.I64)];
    }
}
