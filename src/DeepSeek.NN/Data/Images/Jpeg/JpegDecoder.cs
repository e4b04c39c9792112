// Baseline and extended-sequential (8-bit) JPEG decoder after ITU-T T.81 and JFIF 1.02: marker parsing (B.2), DQT,
// DHT, DRI/RSTn, Huffman decoding of DC/AC coefficients (F.2.2), dequantisation, zig-zag (Figure A.6), float IDCT,
// upsampling and YCbCr → RGB. Progressive, lossless, hierarchical, arithmetic-coded and 12-bit files are refused.
namespace DeepSeek.NN.Data.Images.Jpeg;

/// <summary>Decodes sequential Huffman-coded JPEG (SOF0/SOF1, 8-bit samples, 1 or 3 components).</summary>
internal static class JpegDecoder
{
    /// <summary>Zig-zag index → natural (row-major) index.</summary>
    internal static readonly byte[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    /// <summary>FF D8 FF: SOI followed by another marker.</summary>
    internal static bool HasSignature(ReadOnlySpan<byte> d) => d.Length >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;

    /// <summary>Decodes <paramref name="data"/>; <paramref name="name"/> appears in error messages.</summary>
    internal static Image Decode(ReadOnlySpan<byte> data, string name) => new Reader(data.ToArray(), name).Read();

    private sealed class Reader(byte[] data, string name)
    {
        private readonly byte[] _d = data;
        private readonly string _name = name;
        private readonly ushort[]?[] _quant = new ushort[4][];
        private readonly JpegHuffmanTable?[] _dc = new JpegHuffmanTable[4], _ac = new JpegHuffmanTable[4];
        private int _restartInterval, _adobeTransform = -1, _pos;
        private bool _jfif;
        private JpegFrame? _frame;

        private DataFormatException Error(string what) => new($"JPEG '{_name}': {what}.");

        private int U8() => _pos < _d.Length ? _d[_pos++] : throw Error($"data ends at byte {_pos} inside a marker segment (truncated file)");
        private int U16() => (U8() << 8) | U8();

        internal Image Read()
        {
            _pos = 2;
            bool scanned = false;
            while (true)
            {
                int marker = NextMarker();
                if (marker < 0)
                {
                    if (scanned) break; // missing EOI after complete scans: accept, as libjpeg does with a warning
                    throw Error("data ends before any image data (no SOS segment; truncated file)");
                }
                if (marker == 0xD9) break; // EOI
                if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue; // stray RSTn / TEM carry no length
                int start = _pos;
                int length = U16();
                if (length < 2 || start + length > _d.Length)
                    throw Error($"marker FF{marker:X2} at byte {start - 2} has length {length} but {_d.Length - start} bytes remain (truncated or corrupt file)");
                int end = start + length;
                switch (marker)
                {
                    case 0xC0: case 0xC1: ReadFrame(marker, end); break;
                    case 0xC2: case 0xC6: case 0xCA: case 0xCE: throw Error("progressive JPEG is not supported (only baseline/extended sequential)");
                    case 0xC3: case 0xC7: case 0xCB: case 0xCF: throw Error("lossless JPEG is not supported (only baseline/extended sequential)");
                    case 0xC5: throw Error("hierarchical (differential) JPEG is not supported");
                    case 0xC9: throw Error("arithmetic-coded JPEG is not supported (only Huffman coding)");
                    case 0xCC: throw Error("arithmetic-coded JPEG (DAC segment) is not supported");
                    case 0xC4: ReadHuffman(end); break;
                    case 0xDB: ReadQuant(end); break;
                    case 0xDD: if (length != 4) throw Error($"DRI segment has length {length}, expected 4"); _restartInterval = U16(); break;
                    case 0xE0: ReadApp0(end); break;
                    case 0xEE: ReadApp14(end); break;
                    case 0xDA:
                        ReadScan(end);
                        scanned = true;
                        continue; // _pos is already past the entropy-coded data
                    case 0xDC: throw Error("DNL marker (height defined after the first scan) is not supported");
                }
                _pos = end;
            }
            return Output();
        }

        /// <summary>Finds the next marker code from _pos (skipping fill bytes and stray data), or -1 at the end.</summary>
        private int NextMarker()
        {
            while (_pos + 1 < _d.Length)
            {
                if (_d[_pos] == 0xFF && _d[_pos + 1] is not (0x00 or 0xFF))
                {
                    int m = _d[_pos + 1];
                    _pos += 2;
                    return m;
                }
                _pos++;
            }
            _pos = _d.Length;
            return -1;
        }

        private void ReadApp0(int end)
        {
            if (end - _pos >= 5 && _d[_pos] == 'J' && _d[_pos + 1] == 'F' && _d[_pos + 2] == 'I' && _d[_pos + 3] == 'F' && _d[_pos + 4] == 0) _jfif = true;
        }

        private void ReadApp14(int end)
        {
            // "Adobe" + version(2) + flags0(2) + flags1(2) + transform(1)
            if (end - _pos >= 12 && _d.AsSpan(_pos, 5).SequenceEqual("Adobe"u8)) _adobeTransform = _d[_pos + 11];
        }

        private void ReadQuant(int end)
        {
            while (_pos < end)
            {
                int pq = U8();
                int precision = pq >> 4, id = pq & 15;
                if (precision > 1 || id > 3) throw Error($"DQT table with precision {precision} and id {id}; expected precision 0/1 and id 0–3");
                if (_pos + 64 * (precision + 1) > end) throw Error($"DQT table {id} is cut short by its segment length");
                var q = new ushort[64];
                for (int k = 0; k < 64; k++) q[k] = (ushort)(precision == 0 ? U8() : U16());
                _quant[id] = q;
            }
        }

        private void ReadHuffman(int end)
        {
            while (_pos < end)
            {
                int tcth = U8();
                int cls = tcth >> 4, id = tcth & 15;
                if (cls > 1 || id > 3) throw Error($"DHT table with class {cls} and id {id}; expected class 0/1 and id 0–3");
                if (_pos + 16 > end) throw Error("DHT table is cut short by its segment length");
                var counts = _d.AsSpan(_pos, 16);
                int total = 0;
                foreach (var c in counts) total += c;
                _pos += 16;
                if (total > 256 || _pos + total > end) throw Error($"DHT table {cls}/{id} lists {total} codes; more than 256 or more than its segment holds");
                var table = new JpegHuffmanTable(counts, _d.AsSpan(_pos, total), what => Error($"DHT table {(cls == 0 ? "DC" : "AC")} {id}: {what}"));
                _pos += total;
                (cls == 0 ? _dc : _ac)[id] = table;
            }
        }

        private void ReadFrame(int marker, int end)
        {
            if (_frame is not null) throw Error("more than one SOF segment");
            int precision = U8(), height = U16(), width = U16(), n = U8();
            if (precision != 8) throw Error($"{precision}-bit samples are not supported (only 8-bit JPEG)");
            if (height == 0) throw Error("the image height is 0 (defined by a DNL marker), which is not supported");
            if (width == 0) throw Error("the image width is 0");
            if (n is not (1 or 3))
                throw Error(n == 4 ? "4-component (CMYK/YCCK) JPEG is not supported" : $"{n} components; only 1 (gray) or 3 (YCbCr/RGB) are supported");
            if (_pos + 3 * n > end) throw Error($"SOF{marker - 0xC0} segment is shorter than its {n} components need");
            var comps = new JpegComponent[n];
            for (int i = 0; i < n; i++)
            {
                int id = U8(), hv = U8(), tq = U8();
                int h = hv >> 4, v = hv & 15;
                if (h is < 1 or > 4 || v is < 1 or > 4) throw Error($"component {id} has sampling factors {h}×{v}; each must be 1–4");
                if (tq > 3) throw Error($"component {id} uses quantization table {tq}; expected 0–3");
                comps[i] = new JpegComponent { Id = id, H = h, V = v, QuantTable = tq };
            }
            _frame = new JpegFrame { Width = width, Height = height, Components = comps };
            foreach (var c in comps)
                if (_frame.Components.Max(k => k.H) % c.H != 0 || _frame.Components.Max(k => k.V) % c.V != 0)
                    throw Error($"component {c.Id} has sampling factors {c.H}×{c.V} that do not divide the maximum; non-integral subsampling is not supported");
            _frame.Layout();
        }

        private void ReadScan(int end)
        {
            var frame = _frame ?? throw Error("SOS segment before the SOF (frame header)");
            int n = U8();
            if (n is < 1 or > 4 || _pos + 2 * n + 3 > end) throw Error($"SOS segment lists {n} components but has length {end - _pos + 3}");
            var comps = new JpegComponent[n];
            for (int i = 0; i < n; i++)
            {
                int id = U8(), tables = U8();
                var c = frame.Components.FirstOrDefault(k => k.Id == id) ?? throw Error($"SOS refers to component {id}, which is not in the frame");
                if ((tables >> 4) > 3 || (tables & 15) > 3) throw Error($"component {id} uses Huffman table ids {tables >> 4}/{tables & 15}; expected 0–3");
                c.Dc = _dc[tables >> 4] ?? throw Error($"component {id} uses DC Huffman table {tables >> 4}, which was not defined (DHT)");
                c.Ac = _ac[tables & 15] ?? throw Error($"component {id} uses AC Huffman table {tables & 15}, which was not defined (DHT)");
                if (_quant[c.QuantTable] is null) throw Error($"component {id} uses quantization table {c.QuantTable}, which was not defined (DQT)");
                c.Pred = 0;
                comps[i] = c;
            }
            int ss = U8(), se = U8(), a = U8();
            if (ss != 0 || se != 63 || a != 0)
                throw Error($"scan with spectral selection {ss}–{se} and approximation {a >> 4}/{a & 15} is not sequential (progressive JPEG is not supported)");
            if (n > 1 && comps.Sum(c => c.H * c.V) > 10) throw Error("an interleaved MCU has more than 10 blocks");
            new ScanDecoder(this, frame, comps, end).Run();
        }

        private sealed class ScanDecoder(Reader r, JpegFrame frame, JpegComponent[] comps, int start)
        {
            private readonly float[] _coef = new float[64], _samples = new float[64];
            private JpegBitReader _bits = new(r._d, start, r._name);

            internal void Run()
            {
                bool single = comps.Length == 1;
                int bw = single ? (comps[0].Width + 7) / 8 : frame.McusX;
                int bh = single ? (comps[0].Height + 7) / 8 : frame.McusY;
                int total = bw * bh, ri = r._restartInterval, expectedRst = 0;
                for (int m = 0; m < total; m++)
                {
                    if (ri > 0 && m > 0 && m % ri == 0)
                    {
                        if (_bits.Overrun) throw Error(m, total);
                        int rst = _bits.SkipRestartMarker();
                        if (rst != expectedRst) throw _bits.Error($"restart marker RST{rst} found where RST{expectedRst} was expected");
                        expectedRst = (expectedRst + 1) & 7;
                        foreach (var c in comps) c.Pred = 0;
                    }
                    int my = m / bw, mx = m % bw;
                    if (single) Block(comps[0], my, mx);
                    else
                        foreach (var c in comps)
                            for (int v = 0; v < c.V; v++)
                                for (int h = 0; h < c.H; h++) Block(c, my * c.V + v, mx * c.H + h);
                    if (_bits.Overrun) throw Error(m, total);
                }
                foreach (var c in comps) c.Decoded = true;
                r._pos = _bits.Position;
            }

            private DataFormatException Error(int m, int total) =>
                r.Error($"entropy-coded data ends early in MCU {m} of {total} (truncated file or a marker inside the scan)");

            private void Block(JpegComponent c, int row, int col)
            {
                var coef = _coef;
                Array.Clear(coef);
                var q = r._quant[c.QuantTable]!;
                int t = c.Dc!.Decode(ref _bits);
                if (t > 11) throw _bits.Error($"DC difference category {t} is larger than 11");
                c.Pred += _bits.Receive(t);
                coef[0] = c.Pred * q[0];
                var ac = c.Ac!;
                for (int k = 1; k < 64;)
                {
                    int rs = ac.Decode(ref _bits);
                    int run = rs >> 4, s = rs & 15;
                    if (s == 0)
                    {
                        if (run != 15) break; // EOB
                        k += 16;
                        continue;
                    }
                    k += run;
                    if (k > 63) throw _bits.Error("AC coefficients run past position 63 of a block");
                    if (s > 10) throw _bits.Error($"AC coefficient category {s} is larger than 10");
                    coef[ZigZag[k]] = _bits.Receive(s) * q[k];
                    k++;
                }
                JpegIdct.Inverse(coef, _samples);
                int stride = c.Stride;
                JpegIdct.Store(_samples, c.Plane.AsSpan(row * 8 * stride + col * 8), stride);
            }
        }

        private Image Output()
        {
            var frame = _frame ?? throw Error("no SOF (frame header) segment");
            foreach (var c in frame.Components)
                if (!c.Decoded) throw Error($"component {c.Id} has no scan (truncated file?)");
            int w = frame.Width, h = frame.Height;
            if (frame.Components.Length == 1)
                return new Image(w, h, 1, JpegColor.Upsample(frame.Components[0], w, h, 1, 1));
            var planes = frame.Components.Select(c => JpegColor.Upsample(c, w, h, frame.Hmax / c.H, frame.Vmax / c.V)).ToArray();
            var rgb = new byte[(long)w * h * 3];
            bool isRgb = _adobeTransform == 0 ||
                         (_adobeTransform < 0 && !_jfif && frame.Components[0].Id == 'R' && frame.Components[1].Id == 'G' && frame.Components[2].Id == 'B');
            if (isRgb)
                for (int i = 0; i < w * h; i++)
                {
                    rgb[3 * i] = planes[0][i];
                    rgb[3 * i + 1] = planes[1][i];
                    rgb[3 * i + 2] = planes[2][i];
                }
            else JpegColor.YCbCrToRgb(planes[0], planes[1], planes[2], rgb);
            return new Image(w, h, 3, rgb);
        }
    }
}
