using System.IO.Compression;
using DistillKit.Weights;
using TorchSharp;
using static DistillKit.Cli.Fuzz.PickleWriter;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// PyTorch <c>.pth</c> (a <c>torch.save</c> zip): <see cref="WeightFiles.Read"/>, i.e. TorchSharp.PyBridge and
/// Razorvine.Pickle behind the kit's pickle scan. Corruptions: format-blind on the zip and on <c>data.pkl</c>;
/// tensor fields (storage type, key, element count, offset, shape, stride) with odd values; opcodes declaring huge
/// lengths; nesting 100,000 deep; zip layout (missing, renamed, duplicated, cut or inflated entries).
/// </summary>
public sealed class PthTarget : FileTarget
{
    public override string Name => "pth";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
        [new("WeightFiles.Read", p => { foreach (var t in WeightFiles.Read(p).Values) t.Dispose(); })];

    protected override string Extension => ".pth";

    static byte[] Floats(int n) => Enumerable.Range(0, n).SelectMany(i => BitConverter.GetBytes(i * 0.5f)).ToArray();

    static readonly TensorSpec[] Specs =
    [
        new("a.weight", "FloatStorage", "0", 8, 0, [2, 4], [4, 1], Floats(8)),
        new("a.bias", "FloatStorage", "1", 2, 0, [2], [1], Floats(2)),
        new("bn.num_batches_tracked", "LongStorage", "2", 1, 0, [], [], BitConverter.GetBytes(3L)),
        new("half", "HalfStorage", "3", 4, 0, [2, 2], [2, 1], new byte[8]),
    ];

    /// <summary>The zip of <paramref name="specs"/> with <paramref name="pickle"/> (default: their state-dict pickle) as data.pkl.</summary>
    static byte[] Pth(IReadOnlyList<TensorSpec> specs, byte[]? pickle = null, CompressionLevel level = CompressionLevel.NoCompression) =>
        Zip([("archive/data.pkl", pickle ?? StateDict(specs)), ("archive/version", "3\n"u8.ToArray()), .. specs.DistinctBy(s => s.Key).Select(s => ($"archive/data/{s.Key}", s.Data))], level);

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var path = Path.GetTempFileName() + ".pth";
        try
        {
            using var module = torch.nn.Sequential(("a", torch.nn.Linear(3, 2)), ("bn", torch.nn.BatchNorm1d(2)));
            WeightFiles.Save(module, path); // the layout of TorchSharp.PyBridge's own writer
            return [Pth(Specs), File.ReadAllBytes(path)];
        }
        finally { File.Delete(path); }
    }

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        switch (rng.Next(5))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                return m with { MustFail = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes) }; // the zip directory is at the end
            }
            case 1: return Field(rng);
            case 2:
            {
                var m = ByteMutations.Any(StateDict(Specs), rng);
                return new Mutated(Pth(Specs, m.Bytes), $"data.pkl: {m.What}");
            }
            case 3: return Inject(rng);
            default: return Layout(rng);
        }
    }

    static readonly long[] OddInts = [-1, 0, 1, 3, 7, 9, int.MaxValue, 1L << 31, 1L << 40, long.MinValue, 65535];

    static Mutated Field(Random rng)
    {
        var specs = Specs.ToArray();
        int i = rng.Next(specs.Length);
        var t = specs[i];
        long Odd() => OddInts[rng.Next(OddInts.Length)];
        string what;
        switch (rng.Next(6))
        {
            case 0: var st = new[] { "DoubleStorage", "ByteStorage", "BoolStorage", "ComplexFloatStorage", "FooStorage", "", "Storage\nx" }[rng.Next(7)]; specs[i] = t with { Storage = st }; what = $"storage type {st}"; break;
            case 1: var key = new[] { "9", "", "../0", "0/../1", "data.pkl", t.Key + t.Key }[rng.Next(6)]; specs[i] = t with { Key = key }; what = $"storage key '{key}'"; break;
            case 2: var n = Odd(); specs[i] = t with { Numel = n }; what = $"numel {n}"; break;
            case 3: var o = Odd(); specs[i] = t with { Offset = o }; what = $"storage offset {o}"; break;
            case 4:
                var shape = t.Shape.Length > 0 && rng.Next(3) > 0 ? t.Shape.Select((d, k) => k == 0 ? Odd() : d).ToArray() : [.. t.Shape, Odd()];
                specs[i] = t with { Shape = shape };
                what = $"shape ({string.Join(",", shape)})";
                break;
            default:
                var stride = t.Stride.Length > 0 && rng.Next(3) > 0 ? t.Stride.Select((d, k) => k == 0 ? Odd() : d).ToArray() : [.. t.Stride, Odd()];
                specs[i] = t with { Stride = stride };
                what = $"stride ({string.Join(",", stride)})";
                break;
        }
        return new Mutated(Pth(specs), $"{t.Name}: {what}");
    }

    /// <summary>Opcodes no writer produces, inserted after PROTO.</summary>
    static Mutated Inject(Random rng)
    {
        int k = rng.Next(8);
        var (what, inject) = Injections[k];
        return new Mutated(Pth(Specs, StateDict(Specs, inject)), what);
    }

    static readonly (string What, Action<PickleWriter> Inject)[] Injections =
    [
        ("BINUNICODE declaring 1.75 GiB", w => w.Op((byte)'X', 0x00, 0x00, 0x00, 0x70, 65, 65)),
        ("BINBYTES8 declaring 2^40 bytes", w => w.Op(0x8e, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3)),
        ("LONG4 declaring 2^31 − 1 bytes", w => w.Op(0x8b, 0xFF, 0xFF, 0xFF, 0x7F, 1)),
        ("BINSTRING declaring a negative length", w => w.Op((byte)'T', 0xFF, 0xFF, 0xFF, 0xFF, 1)),
        ("100000 nested empty lists", w => { for (int i = 0; i < 100_000; i++) w.Op((byte)']'); for (int i = 1; i < 100_000; i++) w.Op((byte)'a'); w.Op((byte)'0'); }),
        ("100000 MARKs", w => { for (int i = 0; i < 100_000; i++) w.Mark(); }),
        ("GLOBAL os.system called on a string", w => w.Global("os", "system").Mark().Str("true").Tuple().Reduce().Op((byte)'0')),
        ("FRAME of 2^60 bytes and LONG_BINGET of a missing memo", w => w.Op(0x95, 0, 0, 0, 0, 0, 0, 0, 0x10).Op((byte)'j', 0xFF, 0xFF, 0xFF, 0x7F)),
    ];

    static Mutated Layout(Random rng)
    {
        var pickle = StateDict(Specs);
        var storages = Specs.Select(s => ($"archive/data/{s.Key}", s.Data)).ToList();
        (string, byte[]) version = ("archive/version", "3\n"u8.ToArray());
        int k = rng.Next(storages.Count);
        return rng.Next(7) switch
        {
            0 => new Mutated(Zip([version, .. storages]), "no data.pkl"),
            1 => new Mutated(Zip([("archive/data.pk", pickle), version, .. storages]), "data.pkl renamed data.pk"),
            2 => new Mutated(Zip([("archive/data.pkl", pickle), version, .. storages.Where((_, i) => i != k)]), $"storage {k} missing"),
            3 => new Mutated(Zip([("archive/data.pkl", pickle), version, .. storages.Select((s, i) => i == k ? (s.Item1, s.Data[..(s.Data.Length / 2)]) : s)]), $"storage {k} cut in half"),
            4 => new Mutated(Zip([("archive/data.pkl", pickle), version, .. storages.Select((s, i) => i == k ? (s.Item1, (byte[])[.. s.Data, .. s.Data]) : s)]), $"storage {k} twice as long"),
            5 => new Mutated(Zip([("archive/data.pkl", [1, 2, 3]), ("archive/data.pkl", pickle), version, .. storages]), "a broken data.pkl before the real one"),
            _ => new Mutated(Pth(Specs, level: CompressionLevel.Optimal), "every entry deflated"),
        };
    }

    static Mutated Crafted0(Action<PickleWriter> inject, string what, string expect) => new(Pth(Specs, StateDict(Specs, inject)), what, true, expect);

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        _ => Crafted0(Injections[0].Inject, Injections[0].What, "declares"),
        _ => Crafted0(Injections[1].Inject, Injections[1].What, "declares"),
        _ => Crafted0(Injections[2].Inject, Injections[2].What, "declares"),
        _ => Crafted0(Injections[3].Inject, Injections[3].What, "negative length"),
        _ => new Mutated(Pth(Specs, new PickleWriter().Proto().Str(new string('A', 80 << 20)).Stop().ToArray(), CompressionLevel.Fastest),
            "data.pkl of 80 MiB (one string) deflated to a few hundred KiB", true, "over the 64 MiB"),
        _ => new Mutated(Pth([Specs[0] with { Shape = [1L << 20, 1L << 20], Stride = [1L << 20, 1] }]), "a.weight declares 2^40 floats over 32 bytes", true),
        _ => new Mutated(Pth([Specs[0] with { Shape = [int.MaxValue], Stride = [1] }]), "a.weight declares 2^31 − 1 floats (8 GiB) over 32 bytes", true),
        _ => new Mutated(Pth(Specs, StateDict(Specs, Injections[4].Inject)), Injections[4].What),
    ];
}
