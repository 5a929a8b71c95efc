using System.Buffers.Binary;

namespace DistillKit.Cli.Fuzz;

/// <summary>Format-blind corruptions of a file's bytes, and the integer values that break size fields.</summary>
public static class ByteMutations
{
    /// <summary>The file cut at a random length (0 to length − 1).</summary>
    public static Mutated Truncate(byte[] b, Random rng)
    {
        int cut = rng.Next(b.Length);
        return new Mutated(b[..cut], $"truncated to {cut} of {b.Length} bytes");
    }

    /// <summary>1 to 8 random bits flipped at or after <paramref name="from"/>.</summary>
    public static Mutated FlipBits(byte[] b, Random rng, int from = 0)
    {
        int n = rng.Next(1, 9);
        var at = new List<int>();
        for (int k = 0; k < n; k++)
        {
            int i = rng.Next(Math.Min(from, b.Length - 1), b.Length);
            b[i] ^= (byte)(1 << rng.Next(8));
            at.Add(i);
        }
        return new Mutated(b, $"{n} bit(s) flipped at {string.Join(",", at)}");
    }

    /// <summary>1 to 4 random bytes at or after <paramref name="from"/> set to 0x00, 0xFF, 0x7F, 0x80 or a random value.</summary>
    public static Mutated SetBytes(byte[] b, Random rng, int from = 0)
    {
        int n = rng.Next(1, 5);
        var at = new List<string>();
        for (int k = 0; k < n; k++)
        {
            int i = rng.Next(Math.Min(from, b.Length - 1), b.Length);
            b[i] = (byte)(rng.Next(5) switch { 0 => 0x00, 1 => 0xFF, 2 => 0x7F, 3 => 0x80, _ => rng.Next(256) });
            at.Add($"{i}={b[i]:X2}");
        }
        return new Mutated(b, $"byte(s) set: {string.Join(",", at)}");
    }

    /// <summary>A random run of bytes removed, duplicated or replaced by random bytes of another length, or junk appended.</summary>
    public static Mutated Splice(byte[] b, Random rng)
    {
        int start = rng.Next(b.Length), len = Math.Min(b.Length - start, rng.Next(1, 65));
        var junk = new byte[rng.Next(1, 65)];
        rng.NextBytes(junk);
        return rng.Next(4) switch
        {
            0 => new Mutated([.. b[..start], .. b[(start + len)..]], $"{len} bytes removed at {start}"),
            1 => new Mutated([.. b[..(start + len)], .. b[start..]], $"{len} bytes at {start} duplicated"),
            2 => new Mutated([.. b[..start], .. junk, .. b[(start + len)..]], $"{len} bytes at {start} replaced by {junk.Length} random bytes"),
            _ => new Mutated([.. b, .. junk], $"{junk.Length} random bytes appended"),
        };
    }

    /// <summary>One of the format-blind corruptions, with bit flips and byte sets kept at or after <paramref name="from"/>.</summary>
    public static Mutated Any(byte[] b, Random rng, int from = 0) => rng.Next(4) switch
    {
        0 => Truncate(b, rng),
        1 => FlipBits(b, rng, from),
        2 => SetBytes(b, rng, from),
        _ => Splice(b, rng),
    };

    /// <summary>
    /// A value that breaks a size or count field holding <paramref name="original"/>: 0, 1, all ones, the signed and
    /// unsigned maxima of a <paramref name="bytes"/>-byte field, the original ± 1, × 2 or × 1000, or a random value.
    /// </summary>
    public static ulong Interesting(Random rng, ulong original, int bytes)
    {
        ulong max = bytes == 8 ? ulong.MaxValue : (1UL << (8 * bytes)) - 1;
        ulong v = rng.Next(11) switch
        {
            0 => 0,
            1 => 1,
            2 => max,
            3 => max >> 1,
            4 => (max >> 1) + 1,
            5 => original + 1,
            6 => original - 1,
            7 => original * 2,
            8 => original * 1000,
            9 => max >> 4,
            _ => (ulong)rng.NextInt64() & max,
        };
        return v & max;
    }

    /// <summary>Writes <paramref name="value"/> as an unsigned big-endian integer of <paramref name="bytes"/> bytes at <paramref name="at"/>.</summary>
    public static void PutBigEndian(byte[] b, int at, int bytes, ulong value)
    {
        for (int k = bytes - 1; k >= 0; k--, value >>= 8) b[at + k] = (byte)value;
    }

    /// <summary>Reads an unsigned big-endian integer of <paramref name="bytes"/> bytes at <paramref name="at"/>.</summary>
    public static ulong GetBigEndian(byte[] b, int at, int bytes)
    {
        ulong v = 0;
        for (int k = 0; k < bytes; k++) v = v << 8 | b[at + k];
        return v;
    }

    /// <summary>Writes <paramref name="value"/> as a little-endian integer of <paramref name="bytes"/> bytes (4 or 8) at <paramref name="at"/>.</summary>
    public static void PutLittleEndian(byte[] b, int at, int bytes, ulong value)
    {
        if (bytes == 8) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), value);
        else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), (uint)value);
    }
}
