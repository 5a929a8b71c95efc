using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using DistillKit.Weights;
using TorchSharp;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// safetensors: <see cref="WeightFiles.Read"/> (TorchSharp.PyBridge behind the kit's layout check) and the kit's own
/// header reader <see cref="SafetensorsHeader"/>. Corruptions: format-blind, the 8-byte header length, dtypes, shapes
/// and data offsets of the JSON entries (negative, huge, of the wrong type, missing), metadata, and deep nesting.
/// </summary>
public sealed class SafetensorsTarget : FileTarget
{
    public override string Name => "safetensors";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        new("WeightFiles.Read", p => { foreach (var t in WeightFiles.Read(p).Values) t.Dispose(); }),
        new("SafetensorsHeader.ReadMetadata", p => SafetensorsHeader.ReadMetadata(p), Lenient: true), // the header only
        new("SafetensorsHeader.HasMetadata", p => SafetensorsHeader.HasMetadata(p), Lenient: true),
    ];

    protected override string Extension => ".safetensors";

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["step"] = "40", ["format"] = "distillkit" } };
        var data = new List<byte>();
        void Add(string name, string dtype, long[] shape, int bytes)
        {
            header[name] = new JsonObject { ["dtype"] = dtype, ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()), ["data_offsets"] = new JsonArray(data.Count, data.Count + bytes) };
            data.AddRange(Enumerable.Range(0, bytes).Select(i => (byte)(i * 7 + 1)));
        }
        Add("a.weight", "F32", [2, 4], 32);
        Add("a.bias", "F32", [2], 8);
        Add("bn.num_batches_tracked", "I64", [], 8);
        Add("mask", "BOOL", [3], 3);
        Add("half", "F16", [2], 4);
        var path = Path.GetTempFileName() + ".safetensors";
        try
        {
            using var module = torch.nn.Linear(3, 2);
            WeightFiles.Save(module, path);
            return [Build(header, [.. data]), File.ReadAllBytes(path)];
        }
        finally { File.Delete(path); }
    }

    static byte[] Build(JsonNode header, byte[] data) => Build(Encoding.UTF8.GetBytes(header.ToJsonString()), data);

    static byte[] Build(byte[] json, byte[] data)
    {
        var b = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(b, json.Length);
        json.CopyTo(b, 8);
        data.CopyTo(b, 8 + json.Length);
        return b;
    }

    static (JsonObject Header, byte[] Json, byte[] Data) Split(byte[] b)
    {
        int n = (int)BinaryPrimitives.ReadInt64LittleEndian(b);
        var json = b[8..(8 + n)];
        return ((JsonObject)JsonNode.Parse(json)!, json, b[(8 + n)..]);
    }

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var (header, json, data) = Split(b);
        switch (rng.Next(5))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                return m with { MustFail = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes) }; // every byte is header or tensor data
            }
            case 1:
            {
                ulong v = ByteMutations.Interesting(rng, (ulong)json.Length, 8);
                ByteMutations.PutLittleEndian(b, 0, 8, v);
                return new Mutated(b, $"header length {json.Length} -> {v}");
            }
            case 2: return Entry(header, data, rng);
            case 3:
            {
                var m = ByteMutations.FlipBits(json, rng);
                return new Mutated(Build(m.Bytes, data), $"JSON header: {m.What}");
            }
            default:
            {
                int depth = new[] { 32, 63, 65, 1000, 100_000 }[rng.Next(5)];
                var nested = new string('[', depth) + new string(']', depth);
                var original = header.ToJsonString();
                var text = rng.Next(2) == 0 ? original.Replace("\"shape\":[2,4]", $"\"shape\":[2,{nested}]") : original;
                var where = "a.weight's shape";
                if (text == original) (text, where) = ("{\"nested\":" + nested + "," + original[1..], "a new root key");
                return new Mutated(Build(Encoding.UTF8.GetBytes(text), data), $"arrays nested {depth} deep at {where}", MustFail: depth >= 1000);
            }
        }
    }

    static readonly JsonNode?[] OddDims = [-1, 0, 1, 1L << 31, 1L << 40, 1L << 62, 9.5, "3", null, 1e300];

    static Mutated Entry(JsonObject header, byte[] data, Random rng)
    {
        var names = header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        var name = names[rng.Next(names.Count)];
        var e = header[name]!.AsObject();
        var shape = e["shape"]!.AsArray();
        var offsets = e["data_offsets"]!.AsArray();
        long begin = (long)offsets[0]!, end = (long)offsets[1]!;
        JsonNode? Odd() { var v = OddDims[rng.Next(OddDims.Length)]; return v is null ? null : JsonNode.Parse(v.ToJsonString()); }
        string what;
        switch (rng.Next(8))
        {
            case 0:
                var dtype = new JsonNode?[] { "F32", "F64", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "U16", "X", "", 5, null }[rng.Next(16)];
                e["dtype"] = dtype?.DeepClone();
                what = $"dtype -> {dtype?.ToJsonString() ?? "null"}";
                break;
            case 1:
                if (shape.Count > 0 && rng.Next(2) == 0) { int i = rng.Next(shape.Count); shape[i] = Odd(); what = $"shape[{i}] -> {shape[i]?.ToJsonString() ?? "null"}"; }
                else { shape.Add(Odd()); what = $"shape gains a dimension {shape[^1]?.ToJsonString() ?? "null"}"; }
                break;
            case 2:
                var replacement = new JsonNode?[] { new JsonArray(), null, "2", new JsonObject(), new JsonArray(-2, -2) }[rng.Next(5)];
                e["shape"] = replacement;
                what = $"shape -> {replacement?.ToJsonString() ?? "null"}";
                break;
            case 3:
                var o = new JsonNode?[]
                {
                    new JsonArray(end, begin), new JsonArray(begin, end + 1), new JsonArray(begin, data.Length + 1), new JsonArray(-1, end),
                    new JsonArray(begin, 1L << 62), new JsonArray(begin), new JsonArray(begin, end, end), new JsonArray("0", end), null,
                    new JsonArray(long.MaxValue, long.MaxValue), new JsonArray(begin + 1, end + 1),
                }[rng.Next(11)];
                e["data_offsets"] = o;
                what = $"data_offsets [{begin},{end}] -> {o?.ToJsonString() ?? "null"}";
                break;
            case 4:
                var key = new[] { "dtype", "shape", "data_offsets" }[rng.Next(3)];
                e.Remove(key);
                what = $"{key} removed";
                break;
            case 5:
                var value = new JsonNode?[] { 5, "x", new JsonArray(), null }[rng.Next(4)];
                header[name] = value;
                what = $"entry -> {value?.ToJsonString() ?? "null"}";
                break;
            case 6:
                header["alias"] = e.DeepClone();
                what = "a second entry over the same bytes";
                break;
            default:
                var meta = new JsonNode?[] { 5, new JsonArray(1, 2), new JsonObject { ["step"] = new JsonObject { ["a"] = 1 } }, null }[rng.Next(4)];
                header["__metadata__"] = meta;
                what = $"__metadata__ -> {meta?.ToJsonString() ?? "null"}";
                break;
        }
        return new Mutated(Build(header, data), $"{name}: {what}");
    }

    static byte[] WithLength(byte[] b, ulong n)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(b, n);
        return b;
    }

    static byte[] WithEntry(byte[] b, string field, JsonNode value)
    {
        var (header, _, data) = Split(b);
        header["a.weight"]![field] = value;
        return Build(header, data);
    }

    /// <summary>The seed with its metadata value "40" turned into the bytes FF 30: a JSON string that is not UTF-8.</summary>
    static byte[] NotUtf8(byte[] b)
    {
        var (_, json, data) = Split(b);
        int at = json.AsSpan().IndexOf("\"step\":\"40\""u8) + 8;
        json[at] = 0xFF;
        return Build(json, data);
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        b => new Mutated(WithLength(b, 0x70000000), "header length 1.75 GiB in a file of a few hundred bytes", true, "does not fit the file"),
        b => new Mutated(WithLength(b, 1UL << 63), "header length 2^63", true, "does not fit the file"),
        b => new Mutated(WithEntry(b, "shape", new JsonArray(1L << 20, 1L << 20)), "a.weight declares 2^40 floats over 32 bytes", true, "more than the file holds"),
        b => new Mutated(WithEntry(b, "shape", new JsonArray(1L << 28)), "a.weight declares 2^28 floats (1 GiB) over 32 bytes", true, "more than the file holds"),
        b => new Mutated(WithEntry(b, "data_offsets", new JsonArray(0, 1L << 40)), "a.weight data_offsets end 1 TiB past the data", true, "inside the"),
        b => new Mutated(Build(Encoding.UTF8.GetBytes(Split(b).Header.ToJsonString().Replace("\"step\":\"40\"", "\"step\":" + new string('[', 100_000) + new string(']', 100_000))), Split(b).Data),
            "arrays nested 100000 deep in __metadata__", true, "not valid JSON"),
        b => new Mutated(NotUtf8(b), "a metadata string that is not UTF-8 (the tensors still read)", false, "not valid UTF-8"),
    ];
}
