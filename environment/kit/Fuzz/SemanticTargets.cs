using System.Text;
using System.Text.Json.Nodes;
using DistillKit.Data.Semantic;
using DistillKit.Imaging;
using static DistillKit.Cli.Fuzz.JsonMutations;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// SPair-71k pair annotations (JSON) inside a valid tiny SPair-71k tree: <see cref="SpairAnnotation.Read"/> and
/// <see cref="Spair71k.Open"/> of the test split with every pair's images loaded. Each case corrupts one test annotation:
/// format-blind bytes; any node replaced by a value of another type; keys removed; keypoint lists and boxes made
/// inconsistent; odd text (BOM, NUL, duplicate keys, lone surrogates, invalid UTF-8); arrays nested up to 100,000 deep.
/// The first cases are crafted ones that prove a guard. An error must name the annotation (or, when it is gone, its folder).
/// </summary>
public sealed class SpairJsonTarget : FuzzTarget
{
    string? _template;
    static readonly string[] Names = ["000001-2008_000001-2008_000002:aeroplane", "000002-2009_000001-2009_000002:cat"];

    public override string Name => "spair-json";

    static string DatasetFolder(string json) => Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(json)!)!)!;

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        new("SpairAnnotation.Read", p => SpairAnnotation.Read(p)),
        new("Spair71k.Open(test) + SemanticPairLoader.Load", p =>
        {
            foreach (var pair in Spair71k.Open(DatasetFolder(p), SemanticSplit.Test)) SemanticPairLoader.Load(pair).Dispose();
        }),
    ];

    static JsonObject Annotation(string src, string trg, string category, int keypoints) => new()
    {
        ["pair_id"] = 1,
        ["src_imname"] = src,
        ["trg_imname"] = trg,
        ["src_imsize"] = new JsonArray(6, 4, 3),
        ["category"] = category,
        ["src_bndbox"] = new JsonArray(0, 0, 5, 3),
        ["trg_bndbox"] = new JsonArray(1, 0, 4, 4),
        ["src_kps"] = new JsonArray(Enumerable.Range(0, keypoints).Select(i => (JsonNode)new JsonArray(i, 1.5)).ToArray()),
        ["trg_kps"] = new JsonArray(Enumerable.Range(0, keypoints).Select(i => (JsonNode)new JsonArray(2, i + 0.25)).ToArray()),
        ["kps_ids"] = new JsonArray(Enumerable.Range(0, keypoints).Select(i => (JsonNode)$"{i}").ToArray()),
        ["viewpoint_variation"] = 1,
        ["scale_variation"] = 0,
        ["truncation"] = 2,
        ["occlusion"] = 0,
        ["mirror"] = 0,
    };

    public override IReadOnlyList<string> WriteSeeds(string dir)
    {
        _template = Path.Combine(dir, "dataset");
        var d = Path.Combine(_template, "SPair-71k");
        foreach (var (category, image, w, h) in new[] { ("aeroplane", "2008_000001", 6, 4), ("aeroplane", "2008_000002", 5, 5), ("cat", "2009_000001", 4, 6), ("cat", "2009_000002", 3, 3) })
        {
            var path = Path.Combine(d, "JPEGImages", category, image + ".jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Jpeg.Write(path, Image.FromBytes(w, h, 3, Enumerable.Range(0, w * h * 3).Select(i => (byte)(i * 31 + w)).ToArray()));
        }
        var annotations = Path.Combine(d, "PairAnnotation", "test");
        Directory.CreateDirectory(annotations);
        File.WriteAllText(Path.Combine(annotations, Names[0] + ".json"), Annotation("2008_000001.jpg", "2008_000002.jpg", "aeroplane", 3).ToJsonString());
        File.WriteAllText(Path.Combine(annotations, Names[1] + ".json"), Annotation("2009_000001.jpg", "2009_000002.jpg", "cat", 1).ToJsonString());
        Directory.CreateDirectory(Path.Combine(d, "Layout", "large"));
        File.WriteAllText(Path.Combine(d, "Layout", "large", "test.txt"), string.Join("\n", Names) + "\n");
        return Names.Select(n => Path.Combine(annotations, n + ".json")).ToList();
    }

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        if (_template is null) WriteSeeds(Directory.CreateTempSubdirectory("dk-fuzz-template-").FullName);
        var root = Path.Combine(dir, "dataset");
        FolderMutations.Copy(_template!, root);
        var path = Path.Combine(root, "SPair-71k", "PairAnnotation", "test", Names[index < Crafted.Count ? 0 : rng.Next(Names.Length)] + ".json");
        var m = index < Crafted.Count ? Crafted[index](File.ReadAllBytes(path)) : Mutate(path, rng);
        if (m is not null) File.WriteAllBytes(path, m.Bytes);
        var folder = Path.GetDirectoryName(path)!;
        return new FuzzCase(path, m?.What ?? "annotation gone", m?.MustFail ?? false,
            message => message.Contains(path) || !File.Exists(path) && message.Contains(folder), m?.Expect);
    }

    static byte[] Json(JsonNode root) => Encoding.UTF8.GetBytes(root.ToJsonString());

    /// <summary>A seeded corruption of the annotation at <paramref name="path"/> (null when the file itself was removed or replaced).</summary>
    static Mutated? Mutate(string path, Random rng)
    {
        var b = File.ReadAllBytes(path);
        var root = JsonNode.Parse(b)!;
        switch (rng.Next(7))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                return m with { MustFail = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes) }; // cut before the last brace
            }
            case 1:
            {
                var (parent, key, node) = Pick(root, rng);
                var (value, where) = (Odd(rng), node.GetPath());
                Replace(parent, key, value);
                return new Mutated(Json(root), $"{where} -> {Shorten(value?.ToJsonString() ?? "null")}");
            }
            case 2:
            {
                var objects = Nodes(root).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
                var o = objects[rng.Next(objects.Count)];
                var key = o.ElementAt(rng.Next(o.Count)).Key;
                o.Remove(key);
                return new Mutated(Json(root), $"key '{key}' removed from {o.GetPath()}");
            }
            case 3:
            {
                var o = (JsonObject)root;
                var list = new[] { "src_kps", "trg_kps", "kps_ids" }[rng.Next(3)];
                var a = (JsonArray)o[list]!;
                switch (rng.Next(4))
                {
                    case 0: a.RemoveAt(a.Count - 1); return new Mutated(Json(root), $"{list}: last entry removed", MustFail: true);
                    case 1: a.Add(a[0]!.DeepClone()); return new Mutated(Json(root), $"{list}: first entry repeated at the end", MustFail: true);
                    case 2:
                        var box = (JsonArray)o[rng.Next(2) == 0 ? "src_bndbox" : "trg_bndbox"]!;
                        (box[0], box[2]) = (box[2]!.DeepClone(), box[0]!.DeepClone());
                        return new Mutated(Json(root), $"{box.GetPath()}: x1 and x2 swapped", MustFail: true);
                    default: o[list] = new JsonArray(); return new Mutated(Json(root), $"{list} emptied", MustFail: true);
                }
            }
            case 4:
            {
                var text = Encoding.UTF8.GetString(b);
                var (what, odd, fails) = rng.Next(6) switch
                {
                    0 => ("a byte-order mark", Encoding.UTF8.GetBytes("\uFEFF" + text), false),
                    1 => ("a NUL after the last brace", Encoding.UTF8.GetBytes(text + "\0"), true),
                    2 => ("a duplicate category key", Encoding.UTF8.GetBytes(text.Replace("\"category\":", "\"category\":\"cat\",\"category\":")), true),
                    3 => ("a lone surrogate in category", Encoding.UTF8.GetBytes(text.Replace("\"category\":\"", "\"category\":\"\\ud800")), true),
                    4 => ("UTF-16", Encoding.Unicode.GetBytes(text), true),
                    _ => ("invalid UTF-8 in src_imname", [.. Encoding.UTF8.GetBytes(text.Replace("\"src_imname\":\"", "\"src_imname\":\"@@")).SelectMany(x => x == (byte)'@' ? new byte[] { 0xC3 } : [x])], true),
                };
                return new Mutated(odd, what, fails);
            }
            case 5:
            {
                int depth = new[] { 10, 60, 64, 65, 1000, 100_000 }[rng.Next(6)];
                var (parent, key, node) = Pick(root, rng);
                var where = node.GetPath();
                Replace(parent, key, JsonValue.Create("@@nested@@"));
                var text = root.ToJsonString().Replace("\"@@nested@@\"", new string('[', depth) + new string(']', depth));
                return new Mutated(Encoding.UTF8.GetBytes(text), $"{where} -> arrays nested {depth} deep", MustFail: depth >= 1000);
            }
            default:
                File.Delete(path);
                switch (rng.Next(4))
                {
                    case 0: return null;
                    case 1: return new Mutated([], "empty", MustFail: true);
                    case 2: Directory.CreateDirectory(path); return null;
                    default: File.CreateSymbolicLink(path, path + ".gone"); return null;
                }
        }
    }

    static readonly IReadOnlyList<Func<byte[], Mutated>> Crafted =
    [
        b => new Mutated(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("\"mirror\":0", "\"mirror\":" + new string('[', 100_000) + new string(']', 100_000))),
            "arrays nested 100000 deep in mirror", true, "maximum configured depth"),
        b =>
        {
            var root = JsonNode.Parse(b)!;
            ((JsonArray)root["trg_kps"]!).RemoveAt(0);
            return new Mutated(Json(root), "trg_kps one keypoint short", true, "keypoint count mismatch");
        },
        b => new Mutated(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("{\"pair_id\":1,", "{\"pair_id\":1,\"src_kps\":[],")), "a duplicate src_kps key", true, "Duplicate property"),
        b => new Mutated([.. b[..^1], .. ",\"note\":\""u8, 0xFF, .. "\"}"u8], "invalid UTF-8 in an ignored string", true, "invalid UTF-8"),
        b => new Mutated(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(b).Replace("\"occlusion\":0", "\"occlusion\":-2")), "a negative occlusion level", true, "occlusion is -2"),
    ];
}

/// <summary>TSS: three group folders of pair folders (image1/2.png of different sizes, flow1/2.flo, mask1/2.png).</summary>
public sealed class TssTarget : DatasetTarget
{
    public override string Name => "tss";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        new("Tss.Open + Tss.Load", root =>
        {
            foreach (var pair in Tss.Open(root)) Tss.Load(pair).Dispose();
        }),
    ];

    protected override void Build(string root)
    {
        int seed = 0;
        foreach (var (group, pair) in new[] { ("FG3DCar", "001"), ("FG3DCar", "002"), ("JODS", "001"), ("PASCAL", "001") })
        {
            var dir = Path.Combine(root, group, pair);
            WritePng(Path.Combine(dir, "image1.png"), Frame(5, 4, seed));
            WritePng(Path.Combine(dir, "image2.png"), Frame(6, 3, seed + 1));
            WriteFlo(Path.Combine(dir, "flow1.flo"), 5, 4, seed);
            WriteFlo(Path.Combine(dir, "flow2.flo"), 6, 3, -seed);
            WritePng(Path.Combine(dir, "mask1.png"), Image.Blank(5, 4, 1));
            WritePng(Path.Combine(dir, "mask2.png"), Image.FromBytes(6, 3, 1, Enumerable.Repeat((byte)255, 18).ToArray()));
            seed += 2;
        }
    }
}
