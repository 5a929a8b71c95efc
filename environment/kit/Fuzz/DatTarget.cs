using DistillKit.Weights;
using TorchSharp;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// TorchSharp <c>.dat</c> weights (<c>Module.save</c>): <see cref="WeightFiles.Load"/> into the module that wrote them.
/// Corruptions: format-blind, and every LEB128 field (entry count, name lengths, dtypes, ranks, sizes) re-encoded with
/// a value that breaks it.
/// </summary>
public sealed class DatTarget : FileTarget
{
    static torch.nn.Module<torch.Tensor, torch.Tensor> Module() => torch.nn.Sequential(("a", torch.nn.Linear(3, 2)), ("bn", torch.nn.BatchNorm1d(2)));

    public override string Name => "dat";

    public override IReadOnlyList<ReaderCall> Readers { get; } = [new("WeightFiles.Load", p => { using var m = Module(); WeightFiles.Load(m, p); })];

    protected override string Extension => ".dat";

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var path = Path.GetTempFileName() + ".dat";
        try
        {
            using var module = Module();
            WeightFiles.Save(module, path);
            return [File.ReadAllBytes(path)];
        }
        finally { File.Delete(path); }
    }

    /// <summary>The LEB128 fields of a well-formed file: (offset, byte count, value, what).</summary>
    static List<(int At, int Bytes, long Value, string What)> Fields(byte[] b)
    {
        var fields = new List<(int, int, long, string)>();
        int pos = 0;
        long Leb(string what)
        {
            int at = pos;
            long v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte x = b[pos++];
                v |= (long)(x & 0x7f) << shift;
                if ((x & 0x80) == 0) break;
            }
            fields.Add((at, pos - at, v, what));
            return v;
        }
        long entries = Leb("entry count");
        for (long i = 0; i < entries; i++)
        {
            long name = Leb($"name length {i}"); // (not "pos += Leb(…)": that would add to pos as it was before Leb moved it)
            pos += (int)name;
            long dtype = Leb($"dtype {i}");
            long rank = Leb($"rank {i}");
            long bytes = torch.empty(0, (torch.ScalarType)dtype).ElementSize;
            for (long d = 0; d < rank; d++) bytes *= Leb($"size {d} of {i}");
            pos += (int)bytes;
        }
        return fields;
    }

    static byte[] Leb128(ulong v)
    {
        var r = new List<byte>();
        do { byte x = (byte)(v & 0x7f); v >>= 7; r.Add(v == 0 ? x : (byte)(x | 0x80)); } while (v != 0);
        return [.. r];
    }

    static byte[] WithField(byte[] b, (int At, int Bytes, long Value, string What) f, ulong value) => [.. b[..f.At], .. Leb128(value), .. b[(f.At + f.Bytes)..]];

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        if (rng.Next(2) == 0)
        {
            var m = ByteMutations.Any(b, rng);
            return m with { MustFail = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes) };
        }
        var fields = Fields(b);
        var f = fields[rng.Next(fields.Count)];
        ulong v = ByteMutations.Interesting(rng, (ulong)f.Value, 8);
        return new Mutated(WithField(b, f, v), $"{f.What} {f.Value} -> {v}");
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithField(b, Fields(b).First(f => f.What == "rank 0"), 1UL << 28), "entry 0 declares 2^28 dimensions (a 2 GiB array of sizes)", true, "dimensions"),
        b => new Mutated(WithField(b, Fields(b).First(f => f.What == "rank 0"), 1UL << 40), "entry 0 declares 2^40 dimensions", true, "dimensions"),
    ];
}
