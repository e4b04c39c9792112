// Block-wise interpretation of a fused elementwise program (the scheme of XLA's/TVM's loop fusion, done by an
// interpreter): for each block of ≤ 1024 output elements, every instruction runs as a SIMD loop over L1-resident
// block buffers, so memory is touched once per input and output. Temporaries share buffers by liveness; blocks are
// split over the kernel worker pool when the work is large.
namespace DeepSeek.Backends.Cpu.Elementwise;

/// <summary>
/// A <see cref="FusedProgram"/> prepared for concrete input shapes (and strides): broadcast plan, block geometry,
/// buffer assignment. <see cref="Run"/> may be called from several threads at once.
/// </summary>
public sealed unsafe class FusedKernel
{
    /// <summary>Default largest block, in elements (measured best on AVX-512 and AVX2 for 1–8 instruction chains).</summary>
    public const int DefaultBlock = 1024;

    private const int BufferBudgetFloats = 16 * 1024; // 64 KB of block buffers per thread at most (before the minimum)

    private readonly FusedLayout _layout;
    private readonly FusedStep[] _steps;
    private readonly float[] _constants;
    private readonly long[][] _plannedStrides;
    private readonly int[] _gatherBuffer;
    private readonly int _registers;
    private readonly int _maxBlock;
    private readonly long _costPerElement;

    private FusedKernel(FusedProgram program, Shape[] shapes, long[][] strides, int maxBlock)
    {
        Program = program;
        InputShapes = shapes;
        _plannedStrides = strides;
        _constants = program.Constants.ToArray();
        var outShape = Shape.Scalar;
        foreach (var s in shapes) outShape = Shape.Broadcast(outShape, s, "FusedElementwise");
        OutputShape = outShape;
        _layout = FusedLayout.Build(outShape, shapes, strides);
        _steps = FusedCompiler.Compile(program, _layout, out _registers, out _costPerElement);
        _gatherBuffer = new int[shapes.Length];
        int gathers = 0;
        for (int j = 0; j < shapes.Length; j++)
            _gatherBuffer[j] = _layout.Sources[j] == FusedSource.Gather ? _registers + gathers++ : -1;
        int buffers = _registers + gathers;
        int block = maxBlock > 0 ? maxBlock : DefaultBlock;
        if (buffers > 0) block = Math.Min(block, Math.Max(256, BufferBudgetFloats / buffers));
        _maxBlock = Math.Max(16, block & ~15);
        _layout.SetBlocks(_maxBlock);
    }

    /// <summary>The program.</summary>
    public FusedProgram Program { get; }

    /// <summary>Input shapes this kernel was prepared for.</summary>
    public IReadOnlyList<Shape> InputShapes { get; }

    /// <summary>Shape of every output: the broadcast of the input shapes.</summary>
    public Shape OutputShape { get; }

    /// <summary>Elements per block buffer (diagnostics and benchmarks).</summary>
    public int BlockLength => _layout.BufferLength;

    /// <summary>Block buffers per thread (registers for temporaries plus gather buffers).</summary>
    public int BufferCount
    {
        get
        {
            int n = _registers;
            foreach (var g in _gatherBuffer) if (g >= 0) n++;
            return n;
        }
    }

    /// <summary>
    /// Prepares <paramref name="program"/> for inputs of <paramref name="inputShapes"/> laid out contiguously.
    /// <paramref name="maxBlock"/> overrides the block size (0 = <see cref="DefaultBlock"/>), for tuning.
    /// </summary>
    public static FusedKernel Create(FusedProgram program, IReadOnlyList<Shape> inputShapes, int maxBlock = 0)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckCount(program, inputShapes.Count);
        return new FusedKernel(program, inputShapes.ToArray(), inputShapes.Select(s => s.ContiguousStrides()).ToArray(), maxBlock);
    }

    /// <summary>Prepares <paramref name="program"/> for these tensors' shapes and strides (they are not kept).</summary>
    public static FusedKernel Create(FusedProgram program, ReadOnlySpan<Tensor> inputs, int maxBlock = 0)
    {
        ArgumentNullException.ThrowIfNull(program);
        CheckCount(program, inputs.Length);
        var shapes = new Shape[inputs.Length];
        var strides = new long[inputs.Length][];
        for (int j = 0; j < inputs.Length; j++)
        {
            CheckInput(program, j, inputs[j]);
            shapes[j] = new Shape(inputs[j].Shape.ToArray());
            strides[j] = inputs[j].Strides.ToArray();
        }
        return new FusedKernel(program, shapes, strides, maxBlock);
    }

    /// <summary>Runs <paramref name="program"/> on <paramref name="inputs"/> into new contiguous outputs (the caller owns them).</summary>
    public static Tensor[] Evaluate(FusedProgram program, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var k = Create(program, inputs);
        var outs = new Tensor[program.OutputCount];
        for (int o = 0; o < outs.Length; o++) outs[o] = Tensor.Empty(k.OutputShape, DType.F32, inputs.Length > 0 ? inputs[0].Device : null);
        k.Run(inputs, outs);
        return outs;
    }

    /// <summary>
    /// An input whose memory output 0 may share (same shape as the output, read only by instructions at or before
    /// the one defining y0), or −1. <paramref name="sameAs"/>(j, k) says whether inputs j and k are one tensor.
    /// </summary>
    public int InPlaceInput(Func<int, int, bool>? sameAs = null)
    {
        int def = Program.DefinitionOf(0);
        for (int j = 0; j < InputShapes.Count; j++)
        {
            if (InputShapes[j] != OutputShape || _layout.Sources[j] != FusedSource.Dense && _layout.Numel > 1) continue;
            bool safe = true;
            for (int k = 0; k < InputShapes.Count && safe; k++)
                if ((k == j || sameAs?.Invoke(j, k) == true) && Program.LastReadOf(k) > def) safe = false;
            if (safe) return j;
        }
        return -1;
    }

    /// <summary>
    /// Computes the outputs. Inputs are F32 tensors of <see cref="InputShapes"/> (any strides); outputs are contiguous
    /// F32 tensors of <see cref="OutputShape"/>, one per program output. Output 0 may share memory with
    /// <see cref="InPlaceInput"/>.
    /// </summary>
    public void Run(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> outputs)
    {
        CheckCount(Program, inputs.Length);
        if (outputs.Length != Program.OutputCount)
            throw new ArgumentException($"FusedElementwise: the program has {Program.OutputCount} output(s) but {outputs.Length} tensor(s) were given ({Program}).");
        var layout = _layout;
        for (int j = 0; j < inputs.Length; j++)
        {
            CheckInput(Program, j, inputs[j]);
            if (inputs[j].Shape != InputShapes[j])
                throw new ShapeMismatchException($"FusedElementwise: input x{j} has shape {inputs[j].Shape} but the kernel was prepared for {InputShapes[j]} ({Program}).");
            if (!FusedLayout.SameStrides(InputShapes[j], _plannedStrides[j], inputs[j].Strides))
            {
                // a view with other strides than planned: plan this call separately (slow path, allocates)
                Create(Program, inputs, _maxBlock).Run(inputs, outputs);
                return;
            }
        }
        for (int o = 0; o < outputs.Length; o++)
        {
            var t = outputs[o];
            t.CheckAlive("FusedElementwise");
            if (t.DType != DType.F32 || t.Shape != OutputShape || !t.IsContiguous)
                throw new ShapeMismatchException($"FusedElementwise: output y{o} must be a contiguous f32 tensor of shape {OutputShape}, got {t.DType.Name()}{t.Shape}{(t.IsContiguous ? "" : " (strided)")} ({Program}).");
        }
        if (layout.Blocks == 0) return;
        // operand addresses live on this stack frame, which outlasts the fan-out: no per-call arrays
        nint* ins = stackalloc nint[Math.Max(1, inputs.Length)];
        nint* outs = stackalloc nint[Math.Max(1, outputs.Length)];
        int nIn = inputs.Length;
        for (int j = 0; j < nIn; j++) ins[j] = (nint)((float*)inputs[j].Storage.Handle + inputs[j].Offset);
        for (int o = 0; o < outputs.Length; o++) outs[o] = (nint)((float*)outputs[o].Storage.Handle + outputs[o].Offset);
        long blocks = layout.Blocks;
        long work = layout.Numel * _costPerElement;
        int chunks = (int)Math.Min(Math.Min(DeepSeekOptions.Threads, blocks), Math.Max(1, work / CpuParallel.DefaultMinWork));
        var level = SimdInfo.Level;
        if (chunks <= 1)
        {
            RunBlocks(0, blocks, ins, nIn, outs, level);
            return;
        }
        var body = new BlockChunks { Kernel = this, Ins = ins, NIn = nIn, Outs = outs, Blocks = blocks, Chunks = chunks, Level = level };
        Threading.WorkerPool.Shared.Run(chunks, ref body);
    }

    // Chunk c runs blocks [blocks·c/chunks, blocks·(c+1)/chunks).
    private struct BlockChunks : Threading.IChunkBody
    {
        public FusedKernel Kernel;
        public nint* Ins, Outs;
        public int NIn, Chunks;
        public long Blocks;
        public SimdLevel Level;

        public readonly void Run(int c) => Kernel.RunBlocks(Blocks * c / Chunks, Blocks * (c + 1) / Chunks, Ins, NIn, Outs, Level);
    }

    private static void CheckCount(FusedProgram program, int count)
    {
        if (count != program.InputCount)
            throw new ArgumentException($"FusedElementwise: the program reads {program.InputCount} input(s) but {count} were given ({program}).");
    }

    private static void CheckInput(FusedProgram program, int j, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        t.CheckAlive("FusedElementwise");
        if (t.DType != DType.F32)
            throw new DTypeMismatchException($"FusedElementwise: input x{j} is {t.DType.Name()}{t.Shape}; fused elementwise programs take f32 tensors ({program}).");
        if (t.Device.Type != DeviceType.Cpu)
            throw new DeviceMismatchException($"FusedElementwise: input x{j} is on {t.Device}; the fused kernel runs on the CPU ({program}).");
    }

    private void RunBlocks(long b0, long b1, nint* ins, int nIn, nint* outs, SimdLevel level)
    {
        var L = _layout;
        int nC = _constants.Length, buf = L.BufferLength;
        int nBuffers = BufferCount;
        float* buffers = stackalloc float[Math.Max(1, nBuffers * buf)];
        FusedSlot* slots = stackalloc FusedSlot[nIn + nC + _steps.Length];
        for (int c = 0; c < nC; c++) slots[nIn + c] = FusedSlot.Scalar(_constants[c]);
        for (int j = 0; j < nIn; j++)
            if (L.Sources[j] == FusedSource.Uniform) slots[j] = FusedSlot.Scalar(*(float*)ins[j]);
        int outer = L.Dims.Length - 1;
        Span<int> idx = stackalloc int[Math.Max(1, outer)];
        Span<long> rowOff = stackalloc long[Math.Max(1, nIn)];
        bool cursor = L.NeedsCursor;
        long row = L.RowMode ? b0 / L.SegmentsPerRow : b0 * L.RowsPerBlock;
        if (cursor) SeekRow(row, idx, rowOff);
        for (long b = b0; b < b1; b++)
        {
            long start;
            int n;
            if (L.RowMode)
            {
                int seg = (int)(b % L.SegmentsPerRow);
                int c0 = seg * L.SegmentLength;
                n = Math.Min(L.SegmentLength, L.RowLength - c0);
                start = row * L.RowLength + c0;
                for (int j = 0; j < nIn; j++)
                {
                    float* p = (float*)ins[j];
                    switch (L.Sources[j])
                    {
                        case FusedSource.Dense: slots[j] = FusedSlot.Ptr(p + start); break;
                        case FusedSource.RowUniform: slots[j] = FusedSlot.Scalar(p[rowOff[j]]); break;
                        case FusedSource.RowDirect: slots[j] = FusedSlot.Ptr(p + rowOff[j] + c0); break;
                        case FusedSource.Gather:
                            {
                                float* g = buffers + (long)_gatherBuffer[j] * buf;
                                long s = L.Strides[j][^1];
                                float* src = p + rowOff[j] + c0 * s;
                                for (int i = 0; i < n; i++) g[i] = src[i * s];
                                slots[j] = FusedSlot.Ptr(g);
                                break;
                            }
                    }
                }
                if (seg == L.SegmentsPerRow - 1)
                {
                    row++;
                    if (cursor && b + 1 < b1) NextRow(idx, rowOff);
                }
            }
            else
            {
                int rows = (int)Math.Min(L.RowsPerBlock, L.Rows - row);
                n = rows * L.RowLength;
                start = row * L.RowLength;
                for (int j = 0; j < nIn; j++)
                    if (L.Sources[j] == FusedSource.Dense) slots[j] = FusedSlot.Ptr((float*)ins[j] + start);
                    else if (L.Sources[j] == FusedSource.Gather) slots[j] = FusedSlot.Ptr(buffers + (long)_gatherBuffer[j] * buf);
                if (cursor)
                    for (int r = 0; r < rows; r++)
                    {
                        GatherRow(r, ins, nIn, buffers, buf, rowOff);
                        if (row + r + 1 < L.Rows) NextRow(idx, rowOff);
                    }
                row += rows;
            }
            Execute(slots, buffers, buf, outs, start, n, level);
        }
    }

    private void GatherRow(int r, nint* ins, int nIn, float* buffers, int buf, Span<long> rowOff)
    {
        var L = _layout;
        int len = L.RowLength;
        for (int j = 0; j < nIn; j++)
        {
            if (L.Sources[j] != FusedSource.Gather) continue;
            float* dst = buffers + (long)_gatherBuffer[j] * buf + (long)r * len;
            float* src = (float*)ins[j] + rowOff[j];
            long s = L.Strides[j][^1];
            if (s == 0) new Span<float>(dst, len).Fill(*src);
            else if (s == 1) new ReadOnlySpan<float>(src, len).CopyTo(new Span<float>(dst, len));
            else for (int i = 0; i < len; i++) dst[i] = src[i * s];
        }
    }

    private void Execute(FusedSlot* slots, float* buffers, int buf, nint* outs, long start, int n, SimdLevel level)
    {
        for (int i = 0; i < _steps.Length; i++)
        {
            ref readonly var s = ref _steps[i];
            if (s.Uniform)
            {
                float v = FusedBlock.RunScalar(s, slots[s.A].S, s.B >= 0 ? slots[s.B].S : 0);
                slots[s.Result] = FusedSlot.Scalar(v);
                if (s.Output >= 0) new Span<float>((float*)outs[s.Output] + start, n).Fill(v);
                continue;
            }
            float* d = s.Output >= 0 ? (float*)outs[s.Output] + start : buffers + (long)s.Register * buf;
            FusedBlock.Run(s, slots[s.A], s.B >= 0 ? slots[s.B] : default, d, n, level);
            slots[s.Result] = FusedSlot.Ptr(d);
        }
    }

    // Row cursor: the multi-index over the outer coalesced dims and each input's element offset of that row.
    private void SeekRow(long row, Span<int> idx, Span<long> rowOff)
    {
        var L = _layout;
        rowOff.Clear();
        for (int d = L.Dims.Length - 2; d >= 0; d--)
        {
            idx[d] = (int)(row % L.Dims[d]);
            row /= L.Dims[d];
            for (int j = 0; j < L.Strides.Length; j++) rowOff[j] += idx[d] * L.Strides[j][d];
        }
    }

    private void NextRow(Span<int> idx, Span<long> rowOff)
    {
        var L = _layout;
        for (int d = L.Dims.Length - 2; d >= 0; d--)
        {
            idx[d]++;
            for (int j = 0; j < L.Strides.Length; j++) rowOff[j] += L.Strides[j][d];
            if (idx[d] < L.Dims[d]) return;
            for (int j = 0; j < L.Strides.Length; j++) rowOff[j] -= L.Strides[j][d] * L.Dims[d];
            idx[d] = 0;
        }
    }
}
