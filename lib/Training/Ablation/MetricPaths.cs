using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training.Ablation;

/// <summary>
/// Metrics of a run record by path: dot-separated names into the record's <c>metrics</c> object, <c>[i]</c> for a list
/// element (e.g. <c>Model.EpeAll</c>, <c>Networks.student.Model.EpeNoc</c>, <c>Curve[2]</c>); names match
/// case-insensitively; a leading <c>metrics.</c> is allowed. Values are JSON numbers or the named literals NaN and ±Infinity.
/// </summary>
public static class MetricPaths
{
    /// <summary>The value at <paramref name="path"/>; null when the path leads nowhere or to something not a number.</summary>
    public static double? Get(JsonNode? metrics, string path)
    {
        var node = metrics;
        foreach (var (name, index) in Parse(path))
        {
            if (node is not JsonObject o) return null;
            node = o.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            if (index is { } i)
            {
                if (node is not JsonArray a || i < 0 || i >= a.Count) return null;
                node = a[i];
            }
        }
        return Number(node);
    }

    /// <summary>Every path to a number in <paramref name="metrics"/>, in record order (lists longer than 8 shown as <c>name[0..N-1]</c>).</summary>
    public static IReadOnlyList<string> All(JsonNode? metrics)
    {
        var paths = new List<string>();
        void Walk(JsonNode? node, string prefix)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o) Walk(value, prefix.Length == 0 ? key : prefix + "." + key);
                    break;
                case JsonArray a when a.Count > 8:
                    paths.Add($"{prefix}[0..{a.Count - 1}]");
                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++) Walk(a[i], $"{prefix}[{i}]");
                    break;
                default:
                    if (Number(node) is not null && prefix.Length > 0) paths.Add(prefix);
                    break;
            }
        }
        Walk(metrics, "");
        return paths;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every path of <paramref name="paths"/> that is not a number
    /// in <paramref name="metrics"/>, with the paths that are; <paramref name="source"/> names the record.</summary>
    public static void Check(JsonNode? metrics, IEnumerable<string> paths, string source)
    {
        var bad = paths.Where(p => Get(metrics, p) is null).ToList();
        if (bad.Count == 0) return;
        throw new ArgumentException($"unknown metric path{(bad.Count > 1 ? "s" : "")} {string.Join(", ", bad.Select(b => $"'{b}'"))}: not a number in the metrics of {source}; " +
            $"available: {string.Join(", ", All(metrics))}");
    }

    static IEnumerable<(string Name, int? Index)> Parse(string path)
    {
        var parts = path.Trim().Split('.');
        int start = parts.Length > 1 && parts[0].Equals("metrics", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        foreach (var part in parts.Skip(start))
        {
            int bracket = part.IndexOf('[');
            if (bracket < 0) { yield return (part, null); continue; }
            var inside = part.EndsWith(']') ? part[(bracket + 1)..^1] : "";
            yield return (part[..bracket], int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1);
        }
    }

    static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v) return null;
        if (v.GetValueKind() == JsonValueKind.Number) return v.GetValue<double>();
        if (v.GetValueKind() == JsonValueKind.String)
            return v.GetValue<string>() switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, _ => null };
        return null;
    }
}
