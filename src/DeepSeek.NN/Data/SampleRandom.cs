namespace DeepSeek.NN.Data;

/// <summary>
/// The generator random transforms draw from while a <see cref="DataLoader{TItem}"/> builds a batch: seeded from
/// (loader seed, epoch, batch index), so augmentation is reproducible whatever the number or timing of workers.
/// Outside a loader it is null and transforms use their own generator.
/// </summary>
public static class SampleRandom
{
    [ThreadStatic] private static Generator? _current;

    /// <summary>The generator for the batch being built on this thread, or null outside a loader.</summary>
    public static Generator? Current => _current;

    internal static Generator? Swap(Generator? g)
    {
        var old = _current;
        _current = g;
        return old;
    }

    /// <summary>Mixes several values into one 64-bit seed (SplitMix64 finalizer over each).</summary>
    internal static ulong Mix(ulong a, ulong b, ulong c)
    {
        ulong h = Fin(a ^ 0x9E3779B97F4A7C15UL);
        h = Fin(h ^ b);
        return Fin(h ^ c);

        static ulong Fin(ulong z)
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
