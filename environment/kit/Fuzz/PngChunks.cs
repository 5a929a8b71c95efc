using System.IO.Compression;
using System.Text;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// The chunk layer of PNG (ISO/IEC 15948: 8-byte signature, then chunks of 4-byte big-endian length, 4-byte type,
/// data, CRC-32 of type and data), enough to corrupt a field and re-seal its CRC so the decoder acts on the value.
/// </summary>
public static class PngChunks
{
    /// <summary>One chunk: <see cref="Offset"/> is where its length field starts; data at Offset + 8, CRC at Offset + 8 + Length.</summary>
    public sealed record Chunk(int Offset, int Length, string Type)
    {
        public int DataOffset => Offset + 8;
        public int End => Offset + 12 + Length;
    }

    public static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The chunks of a well-formed file (the seeds), in order.</summary>
    public static List<Chunk> Parse(byte[] b)
    {
        var chunks = new List<Chunk>();
        for (int at = 8; at + 12 <= b.Length;)
        {
            int len = (int)ByteMutations.GetBigEndian(b, at, 4);
            chunks.Add(new Chunk(at, len, Encoding.ASCII.GetString(b, at + 4, 4)));
            at += 12 + len;
        }
        return chunks;
    }

    /// <summary>Recomputes the CRC of <paramref name="c"/> after its type or data changed.</summary>
    public static void Reseal(byte[] b, Chunk c) =>
        ByteMutations.PutBigEndian(b, c.DataOffset + c.Length, 4, Crc(b.AsSpan(c.Offset + 4, 4 + c.Length)));

    /// <summary>A sealed chunk: length, type, data, CRC.</summary>
    public static byte[] Make(string type, byte[] data)
    {
        var b = new byte[12 + data.Length];
        ByteMutations.PutBigEndian(b, 0, 4, (ulong)data.Length);
        Encoding.ASCII.GetBytes(type, b.AsSpan(4, 4));
        data.CopyTo(b, 8);
        ByteMutations.PutBigEndian(b, 8 + data.Length, 4, Crc(b.AsSpan(4, 4 + data.Length)));
        return b;
    }

    /// <summary>
    /// A PNG built by hand (for variants the kit's writer does not produce): IHDR, the <paramref name="extra"/> chunks,
    /// one IDAT holding <paramref name="filtered"/> (the filter-byte-prefixed rows) deflated, IEND.
    /// </summary>
    public static byte[] Build(uint width, uint height, byte bitDepth, byte colorType, byte[] filtered, byte interlace = 0, params byte[][] extra)
    {
        var ihdr = new byte[13];
        ByteMutations.PutBigEndian(ihdr, 0, 4, width);
        ByteMutations.PutBigEndian(ihdr, 4, 4, height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        ihdr[12] = interlace;
        var parts = new List<byte[]> { Signature, Make("IHDR", ihdr) };
        parts.AddRange(extra);
        parts.Add(Make("IDAT", Deflate(filtered)));
        parts.Add(Make("IEND", []));
        return parts.SelectMany(p => p).ToArray();
    }

    /// <summary><paramref name="raw"/> as a zlib stream (RFC 1950), as IDAT, zTXt and iCCP hold it.</summary>
    public static byte[] Deflate(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize)) z.Write(raw);
        return ms.ToArray();
    }

    /// <summary>CRC-32 as PNG defines it (polynomial 0xEDB88320, reflected, initial and final XOR 0xFFFFFFFF).</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (var x in data)
        {
            c ^= x;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
