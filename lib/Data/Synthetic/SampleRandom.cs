namespace DistillKit.Data.Synthetic;

/// <summary>
/// A small deterministic pseudo-random generator (SplitMix64) for data generation. Its stream depends only on its
/// seed, never on libtorch's global generator or on thread scheduling, so a sample derived from
/// (seed, index) — or (seed, epoch, index) — is identical on every machine and in any order of generation.
/// Not thread-safe: use one instance per sample.
/// </summary>
public sealed class SampleRandom
{
    const ulong Golden = 0x9E3779B97F4A7C15UL;
    ulong _state;

    /// <summary>A generator started from a 64-bit state.</summary>
    public SampleRandom(ulong seed) => _state = seed;

    /// <summary>The generator for the sample identified by <paramref name="keys"/> (e.g. index, or epoch and index)
    /// under the run seed <paramref name="seed"/>.</summary>
    public static SampleRandom For(long seed, params long[] keys) => new(DeriveSeed(seed, keys));

    /// <summary>Mixes a run seed and sample keys into an independent 64-bit stream seed.</summary>
    public static ulong DeriveSeed(long seed, params long[] keys)
    {
        ulong h = Mix((ulong)seed ^ 0xD1B54A32D192ED03UL);
        foreach (var k in keys) h = Mix(h ^ Mix((ulong)k + Golden));
        return h;
    }

    /// <summary>SplitMix64's finaliser: a bijective avalanche of 64 bits.</summary>
    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextULong() => Mix(_state += Golden);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform in [−a, a).</summary>
    public double Symmetric(double a) => Uniform(-a, a);

    /// <summary>Log-uniform in [lo, hi) (lo, hi &gt; 0).</summary>
    public double LogUniform(double lo, double hi) => Math.Exp(Uniform(Math.Log(lo), Math.Log(hi)));

    /// <summary>Uniform integer in [lo, hiExclusive).</summary>
    public int NextInt(int lo, int hiExclusive)
    {
        if (hiExclusive <= lo) throw new ArgumentException($"NextInt: empty range [{lo}, {hiExclusive})");
        return lo + (int)(NextULong() % (ulong)(hiExclusive - lo));
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>A standard normal sample (Box–Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
