// Huffman tables and the entropy-coded bit reader of ITU-T T.81: canonical code generation (Annex C), a 9-bit
// look-up table with the MAXCODE/VALPTR fallback of F.2.2.3 for longer codes, and byte stuffing (FF 00) / markers (F.1.2.3).
namespace DeepSeek.NN.Data.Images.Jpeg;

/// <summary>One DHT table: canonical Huffman codes of length 1–16 bits.</summary>
internal sealed class JpegHuffmanTable
{
    internal const int FastBits = 9;
    private readonly byte[] _values;
    private readonly int[] _maxCode = new int[18];   // largest code of each length, -1 when none
    private readonly int[] _valPtr = new int[17];    // index of the first value of each length minus its first code
    private readonly ushort[] _fast = new ushort[1 << FastBits]; // (length << 8) | value, 0 when longer than FastBits

    /// <summary>Builds the table from the 16 code counts and the values (throws <see cref="DataFormatException"/> via the caller's message when invalid).</summary>
    internal JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, Func<string, Exception> error)
    {
        _values = values.ToArray();
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            _valPtr[len] = k - code;
            for (int i = 0; i < n; i++, k++, code++)
            {
                if (code >= 1 << len || k >= _values.Length) throw error($"Huffman table is invalid: {(k >= _values.Length ? "fewer values than codes" : $"more codes of length ≤ {len} than fit in {len} bits")}");
                if (len <= FastBits)
                {
                    int shift = FastBits - len;
                    for (int j = 0; j < 1 << shift; j++) _fast[(code << shift) | j] = (ushort)((len << 8) | _values[k]);
                }
            }
            _maxCode[len] = n > 0 ? code - 1 : -1;
            code <<= 1;
        }
        _maxCode[17] = int.MaxValue;
    }

    /// <summary>Decodes one symbol from <paramref name="bits"/>.</summary>
    internal int Decode(ref JpegBitReader bits)
    {
        bits.Fill();
        int peek = (int)(bits.Buffer >> (64 - FastBits));
        int e = _fast[peek];
        if (e != 0)
        {
            bits.Consume(e >> 8);
            return e & 0xFF;
        }
        for (int len = FastBits + 1; len <= 16; len++)
        {
            int code = (int)(bits.Buffer >> (64 - len));
            if (code <= _maxCode[len])
            {
                bits.Consume(len);
                return _values[_valPtr[len] + code];
            }
        }
        throw bits.Error("bad Huffman code in the entropy-coded data");
    }
}

/// <summary>
/// Reads the entropy-coded segment MSB first. Stuffed FF 00 pairs give FF; at a marker (or the end of the data) it
/// supplies zero bits and counts them, so reading past the real data is detected as truncation.
/// </summary>
internal struct JpegBitReader
{
    private readonly byte[] _data;
    private readonly string _name;
    internal ulong Buffer;       // next bits, left-aligned
    private int _count;          // valid bits in Buffer
    private int _fakeBits;       // zero bits supplied past the data
    internal int Position;       // next byte to read

    internal JpegBitReader(byte[] data, int position, string name)
    {
        _data = data;
        _name = name;
        Position = position;
        Buffer = 0;
        _count = 0;
        _fakeBits = 0;
    }

    /// <summary>True when more bits were consumed than the segment held (data truncated or a marker came too early).</summary>
    internal readonly bool Overrun => _fakeBits > _count;

    internal readonly Exception Error(string what) => new DataFormatException($"JPEG '{_name}': {what} (near byte {Position}).");

    /// <summary>Tops the buffer up to at least 57 bits.</summary>
    internal void Fill()
    {
        while (_count <= 56)
        {
            int b = 0;
            if (Position < _data.Length)
            {
                b = _data[Position];
                if (b == 0xFF)
                {
                    int next = Position + 1 < _data.Length ? _data[Position + 1] : -1;
                    if (next == 0x00) Position += 2;
                    else { b = 0; _fakeBits += 8; } // a marker: stay on it
                }
                else Position++;
            }
            else _fakeBits += 8;
            Buffer |= (ulong)b << (56 - _count);
            _count += 8;
        }
    }

    internal void Consume(int n)
    {
        Buffer <<= n;
        _count -= n;
    }

    /// <summary>Reads <paramref name="n"/> (0–16) bits as an unsigned value.</summary>
    internal int Bits(int n)
    {
        if (n == 0) return 0;
        Fill();
        int v = (int)(Buffer >> (64 - n));
        Consume(n);
        return v;
    }

    /// <summary>Reads an <paramref name="s"/>-bit magnitude and sign-extends it (EXTEND of F.2.2.1).</summary>
    internal int Receive(int s)
    {
        if (s == 0) return 0;
        int v = Bits(s);
        return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
    }

    /// <summary>Drops the buffered bits and moves past the next marker, which must be RSTn; returns n.</summary>
    internal int SkipRestartMarker()
    {
        Buffer = 0;
        _count = 0;
        _fakeBits = 0;
        while (Position + 1 < _data.Length)
        {
            if (_data[Position] == 0xFF && _data[Position + 1] is not (0x00 or 0xFF))
            {
                int m = _data[Position + 1];
                if (m is < 0xD0 or > 0xD7) throw Error($"expected a restart marker RSTn, found marker FF{m:X2}");
                Position += 2;
                return m - 0xD0;
            }
            Position++;
        }
        throw Error("data ends where a restart marker RSTn was expected (truncated file)");
    }
}
