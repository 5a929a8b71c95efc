using System.Text;
using DistillKit.Imaging;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Binary Netpbm (FlyingChairs frames): <see cref="Ppm.Read"/> and <see cref="ImageIO.Read"/>. Corruptions:
/// format-blind, header fields replaced by odd text (signs, overflows, letters, non-ASCII digits), separators and
/// comments, magic numbers. The pixel data must match the header exactly, so a cut or lengthened file must fail.
/// </summary>
public sealed class PpmTarget : FileTarget
{
    sealed record Parts(string Magic, string Width, string Height, string MaxVal, byte[] Pixels, string Sep = "\n", string End = "\n")
    {
        public byte[] Bytes => [.. Encoding.UTF8.GetBytes($"{Magic}{Sep}{Width} {Height}{Sep}{MaxVal}{End}"), .. Pixels];
    }

    static readonly Parts[] Originals =
    [
        new("P6", "3", "2", "255", Enumerable.Range(0, 18).Select(i => (byte)(i * 14)).ToArray()),
        new("P5", "4", "3", "255", Enumerable.Range(0, 12).Select(i => (byte)(i * 21)).ToArray(), "\n# a comment\n"),
        new("P6", "2", "2", "15", Enumerable.Range(0, 12).Select(i => (byte)i).ToArray(), " "),
    ];

    public override string Name => "ppm";

    public override IReadOnlyList<ReaderCall> Readers { get; } = [new("Ppm.Read", p => Ppm.Read(p)), new("ImageIO.Read", p => ImageIO.Read(p))];

    protected override string Extension => ".ppm";

    protected override IReadOnlyList<byte[]> BuildSeeds() => Originals.Select(p => p.Bytes).ToList();

    static readonly string[] OddNumbers =
        ["0", "-1", "+3", "4294967296", "2147483647", "2147483648", "99999999999999999999", "", "abc", "1e3", "0x10", "٣", "65535", "256", "1000000000"];

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var p = Originals.First(o => o.Bytes.AsSpan().SequenceEqual(b));
        switch (rng.Next(4))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                bool cut = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes), grown = m.Bytes.Length > b.Length && m.Bytes.AsSpan().StartsWith(b);
                return m with { MustFail = cut || grown };
            }
            case 1:
            {
                var odd = OddNumbers[rng.Next(OddNumbers.Length)];
                var (q, field) = rng.Next(3) switch { 0 => (p with { Width = odd }, "width"), 1 => (p with { Height = odd }, "height"), _ => (p with { MaxVal = odd }, "maxval") };
                return new Mutated(q.Bytes, $"{field} written as '{odd}'");
            }
            case 2:
            {
                var sep = new[] { "\t", "\r\n", "#c\n", "", "\0", "# no newline", " #\n#\n " }[rng.Next(7)];
                var q = rng.Next(2) == 0 ? p with { Sep = sep } : p with { End = sep };
                return new Mutated(q.Bytes, $"separator '{sep.ReplaceLineEndings("\\n")}'");
            }
            default:
            {
                var magic = new[] { "P1", "P2", "P3", "P4", "P7", "P0", "P8", "p6", "P", "P66" }[rng.Next(10)];
                return new Mutated((p with { Magic = magic }).Bytes, $"magic '{magic}'");
            }
        }
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        _ => new Mutated((Originals[0] with { Width = "1000000000", Height = "1000000000" }).Bytes, "header declares 10^9×10^9 with 18 bytes of pixels", true, "size mismatch"),
        _ => new Mutated((Originals[0] with { Width = "99999999999999999999" }).Bytes, "width of 20 digits", true, "too large"),
    ];
}
