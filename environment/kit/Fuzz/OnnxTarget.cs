using DistillKit.Weights;
using Google.Protobuf;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// ONNX models: <see cref="OnnxFile.Read"/>. Seeds: a one-convolution graph with a packed float_data weight, a raw_data
/// bias and int, ints, float and string attributes; and the same written unpacked (one tag per dim and per float).
/// Corruptions: format-blind, and an initializer's dims, data type or raw data changed so that they disagree.
/// </summary>
public sealed class OnnxTarget : FileTarget
{
    public override string Name => "onnx";

    public override IReadOnlyList<ReaderCall> Readers { get; } = [new("OnnxFile.Read", p => OnnxFile.Read(p))];

    protected override string Extension => ".onnx";

    protected override IReadOnlyList<byte[]> BuildSeeds() => [Model(packed: true), Model(packed: false)];

    /// <summary>A model whose graph is its last field, so that every cut of the file is invalid.</summary>
    static byte[] Model(bool packed, long[]? weightDims = null, int weightType = 1, int biasRawBytes = 8) => Message(m =>
    {
        Str(m, 2, "distillkit-fuzz");
        Str(m, 3, "1");
        Sub(m, 7, g =>
        {
            Sub(g, 1, n =>
            {
                Str(n, 1, "x"); Str(n, 1, "w"); Str(n, 1, "b"); Str(n, 2, "y"); Str(n, 3, "conv"); Str(n, 4, "Conv");
                Sub(n, 5, a => { Str(a, 1, "kernel_shape"); Int64s(a, 8, [3, 3], packed); });
                Sub(n, 5, a => { Str(a, 1, "group"); a.WriteTag(3, WireFormat.WireType.Varint); a.WriteInt64(1); });
                Sub(n, 5, a => { Str(a, 1, "epsilon"); a.WriteTag(2, WireFormat.WireType.Fixed32); a.WriteFloat(1e-5f); });
                Sub(n, 5, a => { Str(a, 1, "auto_pad"); a.WriteTag(4, WireFormat.WireType.LengthDelimited); a.WriteBytes(ByteString.CopyFromUtf8("NOTSET")); });
            });
            Sub(g, 5, t =>
            {
                Int64s(t, 1, weightDims ?? [2, 1, 3, 3], packed);
                t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt64(weightType);
                var values = Enumerable.Range(0, 18).Select(i => i * 0.25f - 2).ToArray();
                if (packed)
                {
                    t.WriteTag(4, WireFormat.WireType.LengthDelimited);
                    t.WriteBytes(ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()));
                }
                else foreach (var v in values) { t.WriteTag(4, WireFormat.WireType.Fixed32); t.WriteFloat(v); }
                Str(t, 8, "w");
            });
            Sub(g, 5, t =>
            {
                Int64s(t, 1, [2], packed);
                t.WriteTag(2, WireFormat.WireType.Varint); t.WriteInt64(1);
                Str(t, 8, "b");
                t.WriteTag(9, WireFormat.WireType.LengthDelimited);
                t.WriteBytes(ByteString.CopyFrom(Enumerable.Range(0, biasRawBytes).Select(i => (byte)(i * 29)).ToArray()));
            });
            foreach (var name in new[] { "x", "w", "b" }) Sub(g, 11, v => Str(v, 1, name));
            Sub(g, 12, v => Str(v, 1, "y"));
        });
    });

    static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var o = new CodedOutputStream(ms);
        write(o);
        o.Flush();
        return ms.ToArray();
    }

    static void Sub(CodedOutputStream o, int field, Action<CodedOutputStream> write)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(write)));
    }

    static void Str(CodedOutputStream o, int field, string s)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(s);
    }

    static void Int64s(CodedOutputStream o, int field, long[] values, bool packed)
    {
        if (!packed)
        {
            foreach (var v in values) { o.WriteTag(field, WireFormat.WireType.Varint); o.WriteInt64(v); }
            return;
        }
        Sub(o, field, p => { foreach (var v in values) p.WriteInt64(v); });
    }

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        if (rng.Next(4) > 0)
        {
            var m = ByteMutations.Any(b, rng);
            return m with { MustFail = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes) }; // the graph is the last field
        }
        bool packed = rng.Next(2) == 0;
        return rng.Next(3) switch
        {
            0 => Dims(packed, [2, 1, 3, (long)ByteMutations.Interesting(rng, 3, 8)]),
            1 => new Mutated(Model(packed, weightType: rng.Next(17)), "weight data type changed"),
            _ => new Mutated(Model(packed, biasRawBytes: (int)(ByteMutations.Interesting(rng, 8, 1))), "bias raw_data length changed"),
        };
    }

    static Mutated Dims(bool packed, long[] dims) => new(Model(packed, dims), $"weight dims -> [{string.Join(",", dims)}]");

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        _ => Dims(true, [1L << 20, 1L << 20, 1L << 20]) with { MustFail = true, Expect = "has dims" }, // 2^60 elements: refused before any allocation
        _ => Dims(false, [2, 1, 3, -3]) with { MustFail = true, Expect = "has dims" },
        _ => new Mutated(Model(true, weightType: 11), "weight as float64", true, "data type 11"),
        _ => new Mutated(Model(false, biasRawBytes: 7), "bias raw_data 7 bytes for 2 floats", true, "raw bytes"),
    ];
}
