namespace DeepSeek;

/// <summary>
/// Seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64; Blackman and Vigna 2018).
/// Same seed, same sequence, on every machine. Normal samples use the Box–Muller transform.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;
    private readonly Lock _lock = new();

    /// <summary>Creates a generator from a seed.</summary>
    public Generator(ulong seed = 0x5EED) => Reseed(seed);

    /// <summary>The process-wide generator used when none is passed.</summary>
    public static Generator Default { get; } = new();

    /// <summary>Reseeds <see cref="Default"/>, like torch.manual_seed.</summary>
    public static void ManualSeed(ulong seed) => Default.Reseed(seed);

    /// <summary>Restarts the sequence from <paramref name="seed"/>.</summary>
    public void Reseed(ulong seed)
    {
        lock (_lock)
        {
            ulong x = seed;
            _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
            _spareNormal = null;
        }
    }

    /// <summary>The full generator state (for replaying a random sequence, e.g. dropout under checkpointing).</summary>
    public GeneratorState GetState()
    {
        lock (_lock) return new GeneratorState(_s0, _s1, _s2, _s3, _spareNormal);
    }

    /// <summary>Restores a state from <see cref="GetState"/>; the sequence continues exactly from there.</summary>
    public void SetState(GeneratorState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0) throw new ArgumentException("Generator.SetState: an all-zero xoshiro state is invalid.");
        lock (_lock)
        {
            (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
            _spareNormal = state.SpareNormal;
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private ulong NextUInt64Unlocked()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        lock (_lock) return NextUInt64Unlocked();
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble()
    {
        lock (_lock) return (NextUInt64Unlocked() >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Fills <paramref name="dst"/> with uniform samples in [low, high).</summary>
    public void FillUniform(Span<double> dst, double low, double high)
    {
        lock (_lock)
        {
            double scale = high - low;
            for (int i = 0; i < dst.Length; i++)
                dst[i] = low + scale * ((NextUInt64Unlocked() >> 11) * (1.0 / (1UL << 53)));
        }
    }

    /// <summary>Fills <paramref name="dst"/> with normal samples N(mean, std²).</summary>
    public void FillNormal(Span<double> dst, double mean, double std)
    {
        lock (_lock)
        {
            int i = 0;
            if (_spareNormal is double spare && dst.Length > 0) { dst[i++] = mean + std * spare; _spareNormal = null; }
            while (i < dst.Length)
            {
                // u1 in (0, 1] so the log is finite.
                double u1 = ((NextUInt64Unlocked() >> 11) + 1) * (1.0 / (1UL << 53));
                double u2 = (NextUInt64Unlocked() >> 11) * (1.0 / (1UL << 53));
                double r = Math.Sqrt(-2.0 * Math.Log(u1));
                double z0 = r * Math.Cos(2 * Math.PI * u2), z1 = r * Math.Sin(2 * Math.PI * u2);
                dst[i++] = mean + std * z0;
                if (i < dst.Length) dst[i++] = mean + std * z1;
                else _spareNormal = z1;
            }
        }
    }
}

/// <summary>A snapshot of a <see cref="Generator"/> (xoshiro256** words and the cached Box–Muller sample).</summary>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
