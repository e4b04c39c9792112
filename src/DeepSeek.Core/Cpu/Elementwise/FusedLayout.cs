// Broadcast plan of a fused elementwise kernel: numpy broadcasting aligns every input to the output shape (stride 0
// on broadcast dims), dims that all operands traverse contiguously are merged (as StridedLoop does), and the output is
// cut into blocks — pieces of one row when rows are long, whole rows when they are short — so that each input of a
// block is a direct pointer, a scalar, or (rarely) a small gather into an L1-resident buffer.
namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>How a fused kernel reads one input inside a block.</summary>
internal enum FusedSource : byte
{
    /// <summary>One element for the whole tensor (a scalar or all-broadcast input): a scalar operand everywhere.</summary>
    Uniform,
    /// <summary>Laid out like the output: a pointer at the block's start.</summary>
    Dense,
    /// <summary>Constant along each row (inner stride 0, e.g. a per-channel scale): a scalar per block.</summary>
    RowUniform,
    /// <summary>Unit stride along rows but broadcast across them (e.g. a bias over the last dim): a pointer into the row.</summary>
    RowDirect,
    /// <summary>Anything else: copied into a block buffer row by row.</summary>
    Gather,
}

/// <summary>Coalesced iteration space, per-input sources and block geometry for concrete shapes and strides.</summary>
internal sealed class FusedLayout
{
    /// <summary>Rows at least this long are cut into segments (inputs constant along a row become scalars).</summary>
    public const int RowModeMinLength = 256;

    private FusedLayout(int[] dims, long[][] strides, long numel)
    {
        Dims = dims;
        Strides = strides;
        Numel = numel;
        RowLength = dims[^1];
        Rows = numel / Math.Max(1, RowLength);
        RowMode = dims.Length == 1 || RowLength >= RowModeMinLength;
        Sources = new FusedSource[strides.Length];
        for (int j = 0; j < strides.Length; j++) Sources[j] = Classify(strides[j]);
    }

    /// <summary>Coalesced dimensions (at least one).</summary>
    public int[] Dims { get; }

    /// <summary>Per input, element strides over <see cref="Dims"/> (0 on broadcast dims).</summary>
    public long[][] Strides { get; }

    /// <summary>Per input, how it is read.</summary>
    public FusedSource[] Sources { get; }

    /// <summary>Output elements.</summary>
    public long Numel { get; }

    /// <summary>Length of the innermost coalesced dim.</summary>
    public int RowLength { get; }

    /// <summary>Number of rows (product of the outer coalesced dims).</summary>
    public long Rows { get; }

    /// <summary>True when blocks are segments of one row; false when a block holds several whole rows.</summary>
    public bool RowMode { get; }

    /// <summary>Elements in a full row segment (row mode).</summary>
    public int SegmentLength { get; private set; }

    /// <summary>Segments per row (row mode).</summary>
    public int SegmentsPerRow { get; private set; }

    /// <summary>Whole rows per block (multi-row mode).</summary>
    public int RowsPerBlock { get; private set; }

    /// <summary>Elements of the largest block: the size of each block buffer.</summary>
    public int BufferLength { get; private set; }

    /// <summary>Number of blocks.</summary>
    public long Blocks { get; private set; }

    /// <summary>True when some input needs the row cursor (its address depends on the outer index).</summary>
    public bool NeedsCursor => Sources.Any(s => s is FusedSource.RowUniform or FusedSource.RowDirect or FusedSource.Gather);

    /// <summary>
    /// Aligns <paramref name="strides"/> (element strides of inputs with <paramref name="shapes"/>) to
    /// <paramref name="outShape"/> and merges dims; <paramref name="outShape"/> must be the inputs' broadcast.
    /// </summary>
    public static FusedLayout Build(Shape outShape, IReadOnlyList<Shape> shapes, IReadOnlyList<long[]> strides)
    {
        int r = outShape.Rank, n = shapes.Count;
        var dims = new List<int>();
        var st = new List<long>[n];
        for (int j = 0; j < n; j++) st[j] = new List<long>();
        var outSt = new List<long>();
        var outStrides = outShape.ContiguousStrides();
        for (int i = 0; i < r; i++)
        {
            int d = outShape.Dims[i];
            if (d == 1) continue;
            bool merge = dims.Count > 0 && outSt[^1] == outStrides[i] * d;
            var aligned = new long[n];
            for (int j = 0; j < n; j++)
            {
                int k = i - (r - shapes[j].Rank);
                aligned[j] = k >= 0 && shapes[j].Dims[k] != 1 ? strides[j][k] : 0;
                if (merge && st[j][^1] != aligned[j] * d) merge = false;
            }
            if (merge)
            {
                dims[^1] *= d;
                outSt[^1] = outStrides[i];
                for (int j = 0; j < n; j++) st[j][^1] = aligned[j];
                continue;
            }
            dims.Add(d);
            outSt.Add(outStrides[i]);
            for (int j = 0; j < n; j++) st[j].Add(aligned[j]);
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            for (int j = 0; j < n; j++) st[j].Add(0);
        }
        return new FusedLayout(dims.ToArray(), st.Select(s => s.ToArray()).ToArray(), outShape.Numel);
    }

    private FusedSource Classify(long[] s)
    {
        if (s.All(v => v == 0)) return FusedSource.Uniform;
        long expect = 1;
        bool dense = true;
        for (int i = Dims.Length - 1; i >= 0; i--)
        {
            if (s[i] != expect) { dense = false; break; }
            expect *= Dims[i];
        }
        if (dense) return FusedSource.Dense;
        if (!RowMode) return FusedSource.Gather;
        return s[^1] switch { 0 => FusedSource.RowUniform, 1 => FusedSource.RowDirect, _ => FusedSource.Gather };
    }

    /// <summary>Cuts the iteration space into blocks of at most <paramref name="maxBlock"/> elements (a multiple of 16; short rows may exceed it).</summary>
    public void SetBlocks(int maxBlock)
    {
        if (Numel == 0)
        {
            SegmentLength = SegmentsPerRow = RowsPerBlock = BufferLength = 1;
            Blocks = 0;
            return;
        }
        if (RowMode)
        {
            int segs = (int)Math.Max(1, (RowLength + (long)maxBlock - 1) / maxBlock);
            int len = (RowLength + segs - 1) / segs;
            len = Math.Min(RowLength, (len + 15) & ~15);
            SegmentLength = Math.Max(1, len);
            SegmentsPerRow = (RowLength + SegmentLength - 1) / SegmentLength;
            RowsPerBlock = 1;
            BufferLength = SegmentLength;
            Blocks = Rows * SegmentsPerRow;
        }
        else
        {
            RowsPerBlock = Math.Max(1, maxBlock / RowLength);
            SegmentLength = RowLength;
            SegmentsPerRow = 1;
            BufferLength = RowsPerBlock * RowLength;
            Blocks = (Rows + RowsPerBlock - 1) / RowsPerBlock;
        }
    }

    /// <summary>True when <paramref name="actual"/> strides match <paramref name="planned"/> on every dim of size above 1.</summary>
    public static bool SameStrides(Shape shape, ReadOnlySpan<long> planned, ReadOnlySpan<long> actual)
    {
        for (int i = 0; i < shape.Rank; i++)
            if (shape.Dims[i] != 1 && planned[i] != actual[i]) return false;
        return true;
    }
}
