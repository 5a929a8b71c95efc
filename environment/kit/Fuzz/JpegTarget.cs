using DistillKit.Imaging;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// JPEG: <see cref="Jpeg.Read"/> (strict and tolerant) and <see cref="ImageIO.Read"/>. Corruptions: format-blind, SOF
/// fields (size, precision, components, sampling), segment lengths and payloads, SOS fields, inserted segments.
/// </summary>
public sealed class JpegTarget : FileTarget
{
    /// <summary>A 24×16 colour progressive JPEG (Pillow 9.4, quality 80): the kit's writer only writes baseline files.</summary>
    const string Progressive =
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wgARCAAQABgDASIAAhEBAxEB/8QAGAABAAMBAAAAAAAAAAAAAAAAAAECAwT/xAAWAQEBAQAAAAAAAAAAAAAAAAADAQL/2gAMAwEAAhADEAAAAedtJUsw3//EABkQAAMBAQEAAAAAAAAAAAAAAAECAwQREv/aAAgBAQABBQKGULnoqqlCFSs0moHas/vT/8QAIBEAAQEIAwAAAAAAAAAAAAAAAQACAwQREyExkUGx8P/aAAgBAwEBPwEmx1vPJTqFrzb90V//xAAdEQEAAQMFAAAAAAAAAAAAAAABAgADETFhscHw/9oACAECAQE/AbUTA+5anGI5ka7PRX//xAAkEAABAwIEBwAAAAAAAAAAAAACAAERAyEEEiJRFDEyQcHh8P/aAAgBAQAGPwJ5wnNo6/SygOGDs7GUuqbPwu7xfyqQFRAHe+o0wzhbfbqGqAOW2kJX/8QAHhABAAEEAgMAAAAAAAAAAAAAAREAIUFRMXFh8PH/2gAIAQEAAT8hdBWBO1JZRYICc5PFWohbKtFjtQguREdPF81FkZy7+KJdhuXGb+tf/9oADAMBAAIAAwAAABDgP//EABsRAQEAAgMBAAAAAAAAAAAAAAERIUEAMXGB/9oACAEDAQE/EEAuADmi5aXVPT3meDLCUwY+3du9c//EAB0RAAIBBAMAAAAAAAAAAAAAAAERACExYYFRcZH/2gAIAQIBAT8QoLS/gWRnY7Qi9mhZKwhzDO5//8QAHRABAQADAAIDAAAAAAAAAAAAAREAITFBUWFxkf/aAAgBAQABPxCH0RD0+3VnmOAwRagXiEQJGbvYboKg/JBS94Hl0YTBLMoBsKBaBO7msZcH0MUCvxkfsyA28STjUu60fIeQ/9k=";

    public override string Name => "jpeg";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        new("Jpeg.Read", p => Jpeg.Read(p)),
        new("ImageIO.Read", p => ImageIO.Read(p)),
        new("Jpeg.Read tolerateWarnings", p => Jpeg.Read(p, tolerateWarnings: true), Lenient: true),
    ];

    protected override string Extension => ".jpg";

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var rgb = Image.Blank(24, 16, 3);
        for (int i = 0; i < rgb.Pixels8!.Length; i++) rgb.Pixels8[i] = (byte)(i * 13 % 256);
        var gray = Image.FromBytes(16, 8, 1, Enumerable.Range(0, 128).Select(i => (byte)(i * 2)).ToArray());
        return [Convert.FromBase64String(Progressive), Jpeg.Encode(rgb, 90), Jpeg.Encode(rgb, 75, chromaSubsampling: false), Jpeg.Encode(gray, 60)];
    }

    /// <summary>The marker segments before the first scan's data and between scans: (marker, offset of FF, length field).</summary>
    static List<(byte Marker, int At, int Length)> Segments(byte[] b)
    {
        var list = new List<(byte, int, int)>();
        for (int i = 2; i + 4 <= b.Length && b[i] == 0xFF;)
        {
            byte m = b[i + 1];
            if (m == 0xD9) break;
            int len = (int)ByteMutations.GetBigEndian(b, i + 2, 2);
            list.Add((m, i, len));
            i += 2 + len;
            if (m == 0xDA) // entropy-coded data runs to the next marker that is not a stuffed byte or a restart
                while (i + 1 < b.Length && !(b[i] == 0xFF && b[i + 1] != 0 && b[i + 1] is < 0xD0 or > 0xD7)) i++;
        }
        return list;
    }

    static (byte Marker, int At, int Length) Sof(List<(byte Marker, int At, int Length)> s) => s.First(x => x.Marker is 0xC0 or 0xC1 or 0xC2);

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var original = (byte[])b.Clone();
        var segs = Segments(b);
        switch (rng.Next(6))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                return m with { MustFail = m.Bytes.Length < original.Length && original.AsSpan().StartsWith(m.Bytes) }; // strict mode: a cut file fails
            }
            case 1:
            {
                var sof = Sof(segs);
                int comps = b[sof.At + 9];
                var fields = new List<(int At, int Size, string Name)> { (4, 1, "precision"), (5, 2, "height"), (7, 2, "width"), (9, 1, "components") };
                for (int k = 0; k < comps; k++) fields.AddRange([(11 + 3 * k, 1, $"sampling {k}"), (12 + 3 * k, 1, $"quant table {k}")]);
                var (at, size, name) = fields[rng.Next(fields.Count)];
                ulong old = ByteMutations.GetBigEndian(b, sof.At + at, size);
                ulong v = ByteMutations.Interesting(rng, old, size);
                ByteMutations.PutBigEndian(b, sof.At + at, size, v);
                return new Mutated(b, $"SOF {name} {old} -> {v}");
            }
            case 2:
            {
                var s = segs[rng.Next(segs.Count)];
                ulong v = ByteMutations.Interesting(rng, (ulong)s.Length, 2);
                ByteMutations.PutBigEndian(b, s.At + 2, 2, v);
                return new Mutated(b, $"segment FF{s.Marker:X2} length {s.Length} -> {v}");
            }
            case 3:
            {
                var s = segs.Where(x => x.Length > 2).ElementAt(rng.Next(segs.Count(x => x.Length > 2)));
                int n = rng.Next(1, 4);
                for (int k = 0; k < n; k++) b[s.At + 4 + rng.Next(s.Length - 2)] = (byte)rng.Next(256);
                return new Mutated(b, $"{n} byte(s) of segment FF{s.Marker:X2} set at random");
            }
            case 4:
            {
                var sos = segs.Where(x => x.Marker == 0xDA).ElementAt(rng.Next(segs.Count(x => x.Marker == 0xDA)));
                int at = sos.At + 4 + rng.Next(sos.Length - 2);
                b[at] = (byte)(rng.Next(2) == 0 ? rng.Next(256) : rng.Next(5));
                return new Mutated(b, $"SOS header byte {at - sos.At} set to {b[at]}");
            }
            default: return Insert(b, segs, rng);
        }
    }

    static Mutated Insert(byte[] b, List<(byte Marker, int At, int Length)> segs, Random rng)
    {
        byte[] Segment(byte marker, byte[] payload) => [0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];
        byte[] Random(int n) { var r = new byte[n]; rng.NextBytes(r); return r; }
        var sof = Sof(segs);
        var (what, bytes) = rng.Next(7) switch
        {
            0 => ("DRI", Segment(0xDD, [(byte)rng.Next(256), (byte)rng.Next(256)])),
            1 => ("APP1 of random bytes", Segment(0xE1, Random(rng.Next(0, 200)))),
            2 => ("COM claiming 65535 bytes", [0xFF, 0xFE, 0xFF, 0xFF, .. Random(8)]),
            3 => ("a second SOF", b[sof.At..(sof.At + 2 + sof.Length)]),
            4 => ("a run of FF fill bytes", Enumerable.Repeat((byte)0xFF, rng.Next(1, 64)).ToArray()),
            5 => ("DHT of random bytes", Segment(0xC4, Random(rng.Next(17, 200)))),
            _ => ("16-bit DQT of random bytes", Segment(0xDB, [0x10, .. Random(128)])),
        };
        var after = segs[rng.Next(segs.Count)];
        int at = after.At + 2 + after.Length;
        return new Mutated([.. b[..at], .. bytes, .. b[at..]], $"{what} inserted after segment FF{after.Marker:X2}");
    }

    static byte[] WithSize(byte[] b, int width, int height)
    {
        var sof = Sof(Segments(b));
        ByteMutations.PutBigEndian(b, sof.At + 5, 2, (ulong)height);
        ByteMutations.PutBigEndian(b, sof.At + 7, 2, (ulong)width);
        return b;
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithSize(b, 65500, 65500), "progressive SOF declares 65500×65500 (12.9 GB of RGB)", true, "too large"),
        b => new Mutated(WithSize(b, 30000, 23000), "progressive SOF declares 30000×23000 (2.07 GB of RGB) in an 818-byte file", true, "holds only"),
        b => new Mutated(WithSize(Seeds[1].ToArray(), 16000, 16000), "baseline SOF declares 16000×16000 in a file of a few hundred bytes", true, "holds only"),
    ];
}
