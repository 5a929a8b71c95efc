using System.Text.Json;

namespace DistillKit.Data.Semantic;

/// <summary>
/// One SPair-71k pair annotation file (<c>PairAnnotation/{trn,val,test}/NAME.json</c>), the fields the kit uses.
/// Keypoints <c>float[N,2]</c> (x, y) in pixels of the original images, row i of the source matching row i of the target
/// (SPair lists only keypoints visible in both); boxes are <c>[x1, y1, x2, y2]</c>.
/// </summary>
/// <param name="Path">The JSON file.</param>
/// <param name="SourceImage"><c>src_imname</c>, a file name in <c>JPEGImages/&lt;category&gt;/</c>.</param>
/// <param name="TargetImage"><c>trg_imname</c>.</param>
/// <param name="Category"><c>category</c>, e.g. <c>aeroplane</c>.</param>
/// <param name="SourceKeypoints"><c>src_kps</c>.</param>
/// <param name="TargetKeypoints"><c>trg_kps</c>.</param>
/// <param name="SourceBox"><c>src_bndbox</c>.</param>
/// <param name="TargetBox"><c>trg_bndbox</c>.</param>
/// <param name="Difficulty"><c>viewpoint_variation</c>, <c>scale_variation</c>, <c>truncation</c>, <c>occlusion</c>.</param>
/// <param name="KeypointIds"><c>kps_ids</c> as text (the category's keypoint numbers), or null when the file has none.</param>
public sealed record SpairAnnotation(string Path, string SourceImage, string TargetImage, string Category, float[,] SourceKeypoints,
    float[,] TargetKeypoints, BoundingBox SourceBox, BoundingBox TargetBox, SpairDifficulty Difficulty, IReadOnlyList<string>? KeypointIds)
{
    static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>
    /// Reads and checks one pair JSON: an object with the string fields <c>src_imname</c>, <c>trg_imname</c>,
    /// <c>category</c> (plain names, no path separators), <c>src_kps</c>/<c>trg_kps</c> (arrays of [x, y] pairs of finite
    /// numbers, as many in both, at least one), <c>src_bndbox</c>/<c>trg_bndbox</c> (4 finite numbers, x2 ≥ x1, y2 ≥ y1),
    /// the non-negative integers <c>viewpoint_variation</c>, <c>scale_variation</c>, <c>truncation</c>, <c>occlusion</c>,
    /// and optionally <c>kps_ids</c> (one per keypoint). Other fields are ignored. Nesting deeper than 64 levels, duplicate
    /// keys and invalid UTF-8 are refused. Every error is an <see cref="InvalidDataException"/> naming the file and the field
    /// (<see cref="FileNotFoundException"/> when it is missing).
    /// </summary>
    public static SpairAnnotation Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: SPair-71k pair annotation not found" + (Directory.Exists(path) ? " (the path is a directory)" : ""), path);
        var bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        if (!System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(start))) // checked first: a string of invalid UTF-8 would fail only when read
            throw new InvalidDataException($"{path}: not a valid JSON pair annotation (invalid UTF-8)");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(bytes.AsMemory(start), Options); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid JSON pair annotation ({e.Message})", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad(path, "the top level", $"is {Kind(root)}, expected an object");
            var src = Keypoints(root, "src_kps", path);
            var trg = Keypoints(root, "trg_kps", path);
            if (src.GetLength(0) != trg.GetLength(0))
                throw Bad(path, "trg_kps", $"has {trg.GetLength(0)} keypoints but src_kps has {src.GetLength(0)}: keypoint count mismatch");
            if (src.GetLength(0) == 0) throw Bad(path, "src_kps", "is empty; a pair needs at least one keypoint");
            IReadOnlyList<string>? ids = null;
            if (root.TryGetProperty("kps_ids", out var idsElement))
            {
                if (idsElement.ValueKind != JsonValueKind.Array) throw Bad(path, "kps_ids", $"is {Kind(idsElement)}, expected an array");
                ids = idsElement.EnumerateArray().Select(e => e.ValueKind switch
                {
                    JsonValueKind.String => Text(e, "kps_ids", path),
                    JsonValueKind.Number => e.GetRawText(),
                    _ => throw Bad(path, "kps_ids", $"holds {Kind(e)}, expected strings or numbers"),
                }).ToList();
                if (ids.Count != src.GetLength(0)) throw Bad(path, "kps_ids", $"has {ids.Count} entries for {src.GetLength(0)} keypoints: keypoint count mismatch");
            }
            return new SpairAnnotation(path, Name(root, "src_imname", path), Name(root, "trg_imname", path), Name(root, "category", path),
                src, trg, Box(root, "src_bndbox", path), Box(root, "trg_bndbox", path),
                new SpairDifficulty(Level(root, "viewpoint_variation", path), Level(root, "scale_variation", path),
                    Level(root, "truncation", path), Level(root, "occlusion", path)), ids);
        }
    }

    static InvalidDataException Bad(string path, string field, string what) => new($"{path}: {field} {what}");

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object", JsonValueKind.Array => "an array", JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number", JsonValueKind.Null => "null", _ => "a boolean",
    };

    static JsonElement Field(JsonElement root, string name, JsonValueKind kind, string path)
    {
        if (!root.TryGetProperty(name, out var e)) throw Bad(path, name, "is missing");
        if (e.ValueKind != kind) throw Bad(path, name, $"is {Kind(e)}, expected {kind.ToString().ToLowerInvariant()}");
        return e;
    }

    static string Name(JsonElement root, string name, string path)
    {
        var s = Text(Field(root, name, JsonValueKind.String, path), name, path);
        if (s.Length == 0 || s.Length > 255 || s is "." or ".." || s.IndexOfAny(['/', '\\']) >= 0 || s.Any(char.IsControl))
            throw Bad(path, name, $"is \"{CsvTable.Shorten(s)}\", not a plain file or folder name");
        return s;
    }

    /// <summary>A string's value; an escaped lone surrogate (valid JSON, invalid text) is an error naming the field.</summary>
    static string Text(JsonElement e, string name, string path)
    {
        try { return e.GetString()!; }
        catch (InvalidOperationException ex) { throw Bad(path, name, $"is not valid text ({ex.Message})"); }
    }

    static float Number(JsonElement e, string name, string path)
    {
        if (e.ValueKind != JsonValueKind.Number) throw Bad(path, name, $"holds {Kind(e)} where a number belongs");
        double v = e.GetDouble();
        if (!double.IsFinite(v) || Math.Abs(v) > 1e7) throw Bad(path, name, $"holds {e.GetRawText()}, not a finite pixel coordinate");
        return (float)v;
    }

    static float[,] Keypoints(JsonElement root, string name, string path)
    {
        var list = Field(root, name, JsonValueKind.Array, path);
        var k = new float[list.GetArrayLength(), 2];
        int i = 0;
        foreach (var p in list.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 2)
                throw Bad(path, $"{name}[{i}]", $"is {(p.ValueKind == JsonValueKind.Array ? $"an array of {p.GetArrayLength()}" : Kind(p))}, expected [x, y]");
            (k[i, 0], k[i, 1]) = (Number(p[0], $"{name}[{i}]", path), Number(p[1], $"{name}[{i}]", path));
            i++;
        }
        return k;
    }

    static BoundingBox Box(JsonElement root, string name, string path)
    {
        var b = Field(root, name, JsonValueKind.Array, path);
        if (b.GetArrayLength() != 4) throw Bad(path, name, $"has {b.GetArrayLength()} values, expected [x1, y1, x2, y2]");
        var v = b.EnumerateArray().Select(e => Number(e, name, path)).ToArray();
        if (v[2] < v[0] || v[3] < v[1]) throw Bad(path, name, $"is [{string.Join(", ", v)}]: x2 < x1 or y2 < y1");
        return new BoundingBox(v[0], v[1], v[2], v[3]);
    }

    static int Level(JsonElement root, string name, string path)
    {
        var e = Field(root, name, JsonValueKind.Number, path);
        if (!e.TryGetInt32(out int v) || v < 0) throw Bad(path, name, $"is {e.GetRawText()}, expected a non-negative integer");
        return v;
    }
}
