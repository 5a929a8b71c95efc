using System.Text;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Corruptions of PNG files, format-blind and at the chunk layer: IHDR fields and chunk data changed with the CRC
/// re-sealed (so libpng acts on the values), chunk lengths, chunk order, inserted chunks (palettes, transparency,
/// compressed-text bombs, unknown critical chunks). Every chunk is CRC-checked, so a change that is not re-sealed must
/// fail, unless it only touches an ancillary chunk (which a decoder may drop).
/// </summary>
public abstract class PngTargetBase : FileTarget
{
    protected override string Extension => ".png";

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var original = (byte[])b.Clone();
        var chunks = PngChunks.Parse(b);
        switch (rng.Next(6))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                return m with { MustFail = !m.Bytes.AsSpan().StartsWith(original) && !OnlyAncillary(original, m.Bytes, chunks) };
            }
            case 1: return Ihdr(b, chunks[0], rng);
            case 2:
            {
                var c = chunks[rng.Next(chunks.Count)];
                ulong v = ByteMutations.Interesting(rng, (ulong)c.Length, 4);
                if (v == (ulong)c.Length) v++;
                ByteMutations.PutBigEndian(b, c.Offset, 4, v & 0xFFFFFFFF);
                return new Mutated(b, $"{c.Type} length {c.Length} -> {v & 0xFFFFFFFF}", MustFail: true);
            }
            case 3:
            {
                var c = chunks.Where(x => x.Length > 0).ElementAt(rng.Next(chunks.Count(x => x.Length > 0)));
                int n = rng.Next(1, 5);
                for (int k = 0; k < n; k++) b[c.DataOffset + rng.Next(c.Length)] ^= (byte)(1 << rng.Next(8));
                PngChunks.Reseal(b, c);
                return new Mutated(b, $"{n} bit(s) flipped in {c.Type} data, CRC re-sealed");
            }
            case 4: return Reorder(b, chunks, rng);
            default: return Insert(b, chunks, rng);
        }
    }

    /// <summary>
    /// True when every changed byte lies in the type, data or CRC of an ancillary chunk (lower-case first letter): the PNG
    /// specification lets a decoder drop such a chunk with a warning, as libpng does. Bytes after IEND are ignored too.
    /// </summary>
    static bool OnlyAncillary(byte[] original, byte[] changed, List<PngChunks.Chunk> chunks)
    {
        if (changed.Length != original.Length) return false;
        for (int i = 0; i < original.Length; i++)
            if (original[i] != changed[i] && !chunks.Any(c => char.IsLower(c.Type[0]) && i >= c.Offset + 4 && i < c.End)) return false;
        return true;
    }

    static readonly (int At, int Size, string Name)[] IhdrFields =
        [(0, 4, "width"), (4, 4, "height"), (8, 1, "bit depth"), (9, 1, "colour type"), (10, 1, "compression"), (11, 1, "filter"), (12, 1, "interlace")];

    static Mutated Ihdr(byte[] b, PngChunks.Chunk ihdr, Random rng)
    {
        var (at, size, name) = IhdrFields[rng.Next(IhdrFields.Length)];
        ulong old = ByteMutations.GetBigEndian(b, ihdr.DataOffset + at, size);
        ulong v = size == 1 && rng.Next(2) == 0 ? (ulong)new[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 32 }[rng.Next(11)] : ByteMutations.Interesting(rng, old, size);
        ByteMutations.PutBigEndian(b, ihdr.DataOffset + at, size, v);
        PngChunks.Reseal(b, ihdr);
        return new Mutated(b, $"IHDR {name} {old} -> {v}, CRC re-sealed");
    }

    static Mutated Reorder(byte[] b, List<PngChunks.Chunk> chunks, Random rng)
    {
        var parts = chunks.Select(c => b[c.Offset..c.End]).ToList();
        int i = rng.Next(parts.Count);
        string what;
        switch (rng.Next(3))
        {
            case 0: parts.RemoveAt(i); what = $"chunk {chunks[i].Type} removed"; break;
            case 1: parts.Insert(i, parts[i]); what = $"chunk {chunks[i].Type} duplicated"; break;
            default:
                int j = rng.Next(parts.Count);
                (parts[i], parts[j]) = (parts[j], parts[i]);
                what = $"chunks {chunks[i].Type} and {chunks[j].Type} swapped";
                break;
        }
        return new Mutated([.. PngChunks.Signature, .. parts.SelectMany(p => p)], what);
    }

    /// <summary>A chunk a crafted file might carry, inserted after IHDR.</summary>
    static Mutated Insert(byte[] b, List<PngChunks.Chunk> chunks, Random rng)
    {
        byte[] Random(int n) { var r = new byte[n]; rng.NextBytes(r); return r; }
        var (type, data) = rng.Next(10) switch
        {
            0 => ("PLTE", Random(3 * new[] { 0, 1, 255, 256, 257, 1000 }[rng.Next(6)])),
            1 => ("tRNS", Random(rng.Next(0, 300))),
            2 => ("gAMA", Random(rng.Next(0, 9))),
            3 => ("sBIT", Random(rng.Next(0, 6))),
            4 => ("zTXt", [.. "Comment"u8, 0, 0, .. PngChunks.Deflate(new byte[1 << rng.Next(10, 25)])]), // up to 16 MiB of text
            5 => ("iCCP", [.. "icc"u8, 0, 0, .. PngChunks.Deflate(Random(rng.Next(0, 4096)))]),
            6 => ("tEXt", Random(rng.Next(0, 100))),
            7 => ("FUZZ", Random(rng.Next(0, 100))), // unknown critical chunk
            8 => ("IHDR", b[chunks[0].DataOffset..(chunks[0].DataOffset + 13)]),
            _ => ("fuZz", Random(rng.Next(0, 100))),
        };
        int at = chunks[0].End;
        return new Mutated([.. b[..at], .. PngChunks.Make(type, data), .. b[at..]], $"{type} chunk of {data.Length} bytes inserted after IHDR");
    }

    /// <summary>The first seed with IHDR width and height replaced (CRC re-sealed).</summary>
    protected static byte[] WithSize(byte[] b, uint width, uint height)
    {
        var ihdr = PngChunks.Parse(b)[0];
        ByteMutations.PutBigEndian(b, ihdr.DataOffset, 4, width);
        ByteMutations.PutBigEndian(b, ihdr.DataOffset + 4, 4, height);
        PngChunks.Reseal(b, ihdr);
        return b;
    }
}

/// <summary>Images: <see cref="Png.Read(string)"/>, <see cref="ImageIO.Read"/> and <see cref="ImageIO.ReadTensor"/>.</summary>
public sealed class PngTarget : PngTargetBase
{
    public override string Name => "png";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
        [new("Png.Read", p => Png.Read(p)), new("ImageIO.Read", p => ImageIO.Read(p)), new("ImageIO.ReadTensor", p => ImageIO.ReadTensor(p).Dispose())];

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        byte[] Pattern(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 37 % 251)).ToArray();
        var rgba16 = Enumerable.Range(0, 9 * 7 * 4).Select(i => (ushort)(i * 997 % 65536)).ToArray();
        var fewColours = Enumerable.Range(0, 6 * 5 * 4).Select(i => (byte)(i % 4 == 3 ? (i / 4 % 2) * 255 : i / 4 % 3 * 100)).ToArray();
        var oneBit = new byte[3 * 3]; // 10×3, 1-bit gray: per row a filter byte and two bytes
        for (int y = 0; y < 3; y++) (oneBit[3 * y + 1], oneBit[3 * y + 2]) = ((byte)(0xA5 >> y), 0xC0);
        return
        [
            Png.Encode(Image.FromBytes(8, 8, 3, Pattern(8 * 8 * 3))),
            Png.Encode(Image.FromUInt16(9, 7, 4, rgba16), new PngWriteOptions { Interlaced = true }),
            Png.Encode(Image.FromBytes(6, 5, 4, fewColours), new PngWriteOptions { Palette = true }),
            Png.Encode(Image.FromBytes(5, 5, 2, Pattern(5 * 5 * 2))),
            PngChunks.Build(10, 3, 1, 0, oneBit),
        ];
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithSize(b, 1_000_000, 1_000_000), "IHDR declares 1000000×1000000 RGB (3 TB of pixels)", true, "too large"),
        b => new Mutated(WithSize(b, 0x7FFFFFFF, 8), "IHDR declares a width of 2^31 − 1", true),
        b => new Mutated(WithSize(b, 20_000, 20_000), "IHDR declares 20000×20000 RGB (1.2 GB of pixels) in a file of a few hundred bytes", true),
        _ => new Mutated(PngChunks.Build(8, 8, 8, 0, new byte[9 * 8], 0, PngChunks.Make("zTXt", [.. "Comment"u8, 0, 0, .. PngChunks.Deflate(new byte[64 << 20])])),
            "zTXt chunk inflating to 64 MiB"),
        _ => new Mutated(PngChunks.Build(8, 8, 8, 0, new byte[64 << 20]), "IDAT inflating to 64 MiB for an 8×8 image"),
    ];
}

/// <summary>KITTI flow ground truth: <see cref="KittiFlowPng.Read"/> and <see cref="FlowFile.Read"/> (16-bit RGB PNG).</summary>
public sealed class KittiFlowPngTarget : PngTargetBase
{
    public override string Name => "kitti-flow-png";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
        [new("KittiFlowPng.Read", p => KittiFlowPng.Read(p).Dispose()), new("FlowFile.Read", p => FlowFile.Read(p).Dispose())];

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        const int h = 4, w = 6;
        var f = Enumerable.Range(0, 2 * h * w).Select(i => (i % 7 - 3) * 1.25f).ToArray();
        var v = Enumerable.Range(0, h * w).Select(i => i % 5 == 0 ? 0f : 1f).ToArray();
        using var flow = torch.tensor(f, [2, h, w]);
        using var valid = torch.tensor(v, [1, h, w]);
        var image = KittiFlowPng.ToImage(flow, valid);
        return [Png.Encode(image), Png.Encode(image, new PngWriteOptions { Interlaced = true, CompressionLevel = 0 })];
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithSize(b, 1_000_000, 1_000_000), "IHDR declares 1000000×1000000 16-bit RGB", true, "too large"),
        _ => new Mutated(Png.Encode(Image.Blank(6, 4, 3)), "an 8-bit RGB PNG instead of 16-bit", true, "16-bit RGB"),
    ];
}
