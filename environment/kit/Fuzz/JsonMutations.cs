using System.Text.Json.Nodes;

namespace DistillKit.Cli.Fuzz;

/// <summary>Structure-aware corruptions of JSON documents, shared by the JSON fuzz targets (notebooks, SPair-71k annotations).</summary>
public static class JsonMutations
{
    /// <summary>Every node of the tree under <paramref name="n"/>, itself first (JSON nulls are not nodes).</summary>
    public static IEnumerable<JsonNode> Nodes(JsonNode n)
    {
        yield return n;
        var children = n switch { JsonObject o => o.Select(kv => kv.Value), JsonArray a => a.AsEnumerable(), _ => [] };
        foreach (var c in children)
            if (c is not null)
                foreach (var d in Nodes(c)) yield return d;
    }

    /// <summary>A random node other than the root, with its parent and its key (string) or index (int).</summary>
    public static (JsonNode Parent, object Key, JsonNode Node) Pick(JsonNode root, Random rng)
    {
        var all = Nodes(root).Where(n => n.Parent is not null).ToList();
        var node = all[rng.Next(all.Count)];
        var parent = node.Parent!;
        object key = parent is JsonObject o ? o.First(kv => ReferenceEquals(kv.Value, node)).Key : ((JsonArray)parent).IndexOf(node);
        return (parent, key, node);
    }

    /// <summary>Sets child <paramref name="key"/> (a name or an index) of <paramref name="parent"/>.</summary>
    public static void Replace(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject o) o[(string)key] = value;
        else ((JsonArray)parent)[(int)key] = value;
    }

    /// <summary>A value of a random other type or an extreme one: null, 0, −1, 1e400, text, true, empty and small arrays and objects, 4.5, 100,000 characters.</summary>
    public static JsonNode? Odd(Random rng) => rng.Next(12) switch
    {
        0 => null,
        1 => 0,
        2 => -1,
        3 => JsonNode.Parse("1e400"),
        4 => "text",
        5 => true,
        6 => new JsonArray(),
        7 => new JsonObject(),
        8 => new JsonArray(1, 2),
        9 => new JsonObject { ["a"] = 1 },
        10 => 4.5,
        _ => new string('x', 100_000),
    };

    /// <summary>At most 40 characters of <paramref name="s"/>, for the log.</summary>
    public static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
