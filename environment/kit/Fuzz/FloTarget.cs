using System.Buffers.Binary;
using DistillKit.Data.Formats;
using TorchSharp;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Middlebury <c>.flo</c>: <see cref="MiddleburyFlo.Read"/> and <see cref="FlowFile.Read"/>. The format is fully
/// determined by its 12-byte header, so whether a corrupted file is still valid is known exactly.
/// </summary>
public sealed class FloTarget : FileTarget
{
    public override string Name => "flo";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
        [new("MiddleburyFlo.Read", p => MiddleburyFlo.Read(p).Dispose()), new("FlowFile.Read", p => FlowFile.Read(p).Dispose())];

    protected override string Extension => ".flo";

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        using var small = torch.tensor(Enumerable.Range(0, 12).Select(i => i * 0.5f - 2).ToArray(), [2, 2, 3]);
        using var flow = torch.tensor(Enumerable.Range(0, 40).Select(i => i * 1.5f).ToArray(), [2, 4, 5]);
        using var valid = torch.tensor(Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? 0f : 1f).ToArray(), [1, 4, 5]);
        return [MiddleburyFlo.Encode(small), MiddleburyFlo.Encode(flow, valid)];
    }

    /// <summary>What the format allows: the magic, a positive size of at most 2^28 pixels, and exactly 12 + 8·w·h bytes.</summary>
    static bool Valid(byte[] b) =>
        b.Length >= 12 && BinaryPrimitives.ReadSingleLittleEndian(b) == MiddleburyFlo.Magic && Width(b) > 0 && Height(b) > 0 &&
        (long)Width(b) * Height(b) <= 1L << 28 && b.Length == 12 + 8L * Width(b) * Height(b);

    static int Width(byte[] b) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(4));

    static int Height(byte[] b) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(8));

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var m = rng.Next(4) switch
        {
            0 => ByteMutations.Any(b, rng),
            1 => Field(b, rng, rng.Next(2) == 0 ? 4 : 8),
            2 => Field(b, rng, 0),
            _ => Value(b, rng),
        };
        return m with { MustFail = !Valid(m.Bytes) };
    }

    static Mutated Field(byte[] b, Random rng, int at)
    {
        ulong old = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
        ulong v = ByteMutations.Interesting(rng, old, 4);
        ByteMutations.PutLittleEndian(b, at, 4, v);
        return new Mutated(b, $"{(at == 0 ? "magic" : at == 4 ? "width" : "height")} {old} -> {(int)(uint)v}");
    }

    static Mutated Value(byte[] b, Random rng)
    {
        int at = 12 + 4 * rng.Next((b.Length - 12) / 4);
        float v = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e10f, -1e9f, -0f, float.Epsilon, float.MaxValue }[rng.Next(8)];
        BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(at), v);
        return new Mutated(b, $"flow value at {at} set to {v}");
    }

    static byte[] WithSize(byte[] b, int width, int height)
    {
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), width);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), height);
        return b;
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithSize(b, 65536, 65536), "header declares 65536×65536 (32 GiB of flow)", true, "bad .flo size"),
        b => new Mutated(WithSize(b, 16384, 16384), "header declares 16384×16384 (2 GiB of flow) in a 60-byte file", true, "size mismatch"),
        b => new Mutated(WithSize(b, -1, 3), "header declares a width of −1", true, "bad .flo size"),
    ];
}
