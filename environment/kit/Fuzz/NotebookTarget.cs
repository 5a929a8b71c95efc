using System.Text;
using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using static DistillKit.Cli.Fuzz.JsonMutations;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Notebooks (.ipynb JSON): <see cref="NotebookDocument.Load"/> and everything the runner reads before the first cell
/// runs (parameters, ids, cell types, sources, tags, outputs cleared). Corruptions: format-blind, any JSON node
/// replaced by a value of another type, keys removed or duplicated, odd text (BOM, NUL, lone surrogates), and arrays
/// nested up to 100,000 deep.
/// </summary>
public sealed class NotebookTarget : FileTarget
{
    public override string Name => "ipynb";

    public override IReadOnlyList<ReaderCall> Readers { get; } = [new("NotebookDocument.Load and the runner's reads", ReadLikeTheRunner)];

    static void ReadLikeTheRunner(string path)
    {
        var notebook = NotebookDocument.Load(path);
        NotebookParameters.Inject(notebook, new Dictionary<string, string>(), "fuzz");
        notebook.EnsureIds();
        foreach (var cell in notebook.Cells)
        {
            cell.ClearOutputs();
            _ = CellMagic.Parse(cell.Source);
            _ = (cell.Type, cell.Tags, cell.Id);
        }
    }

    protected override string Extension => ".ipynb";

    protected override IReadOnlyList<byte[]> BuildSeeds()
    {
        var fresh = new NotebookWriter().Markdown("# Fuzz\nA *seed*.").Parameters("var preset = \"smoke\";\nvar seed = 0;").Code("var x = 6 * 7;\nx").Build();
        var executed = new JsonObject
        {
            ["cells"] = new JsonArray(
                new JsonObject { ["cell_type"] = "code", ["execution_count"] = 1, ["metadata"] = new JsonObject { ["tags"] = new JsonArray("injected-parameters") }, ["source"] = "seed = 3;", ["outputs"] = new JsonArray() },
                new JsonObject
                {
                    ["cell_type"] = "code", ["execution_count"] = 2, ["metadata"] = new JsonObject(), ["source"] = new JsonArray("1 + 1\n", "// done"),
                    ["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "execute_result", ["data"] = new JsonObject { ["text/plain"] = new JsonArray("2") }, ["metadata"] = new JsonObject(), ["execution_count"] = 2 }),
                },
                new JsonObject { ["cell_type"] = "raw", ["metadata"] = new JsonObject(), ["source"] = "raw text" }),
            ["metadata"] = NotebookWriter.NotebookMetadata(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 4,
        };
        return [Encoding.UTF8.GetBytes(fresh.Root.ToJsonString()), Encoding.UTF8.GetBytes(executed.ToJsonString())];
    }

    protected override Mutated Mutate(byte[] b, Random rng)
    {
        var root = JsonNode.Parse(b)!;
        switch (rng.Next(5))
        {
            case 0:
            {
                var m = ByteMutations.Any(b, rng);
                bool cut = m.Bytes.Length < b.Length && b.AsSpan().StartsWith(m.Bytes); // JSON cut before its last brace
                return m with { MustFail = cut };
            }
            case 1:
            {
                var (parent, key, node) = Pick(root, rng);
                var (value, where) = (Odd(rng), node.GetPath());
                Replace(parent, key, value);
                return new Mutated(Encoding.UTF8.GetBytes(root.ToJsonString()), $"{where} -> {Shorten(value?.ToJsonString() ?? "null")}");
            }
            case 2:
            {
                var objects = Nodes(root).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
                var o = objects[rng.Next(objects.Count)];
                var key = o.ElementAt(rng.Next(o.Count)).Key;
                o.Remove(key);
                return new Mutated(Encoding.UTF8.GetBytes(root.ToJsonString()), $"key '{key}' removed from {o.GetPath()}");
            }
            case 3:
            {
                var text = Encoding.UTF8.GetString(b);
                var (what, odd) = rng.Next(5) switch
                {
                    0 => ("a duplicate nbformat key", "{\"nbformat\": 3, " + text[1..]),
                    1 => ("a byte-order mark", "\uFEFF" + text),
                    2 => ("a NUL after the last brace", text + "\0"),
                    3 => ("a lone surrogate in a source", text.Replace("\"source\":", "\"source\":\"\\ud800\",\"was\":")),
                    _ => ("a duplicate cell_type key", text.Replace("\"cell_type\":", "\"cell_type\":\"code\",\"cell_type\":")),
                };
                return new Mutated(Encoding.UTF8.GetBytes(odd), what);
            }
            default:
            {
                int depth = new[] { 10, 60, 64, 65, 1000, 100_000 }[rng.Next(6)];
                var (parent, key, node) = Pick(root, rng);
                var where = node.GetPath();
                Replace(parent, key, JsonValue.Create("@@nested@@"));
                var text = root.ToJsonString().Replace("\"@@nested@@\"", new string('[', depth) + new string(']', depth));
                return new Mutated(Encoding.UTF8.GetBytes(text), $"{where} -> arrays nested {depth} deep", MustFail: depth >= 1000);
            }
        }
    }

    static byte[] WithCellsFromJson(string cellsJson)
    {
        var root = new NotebookWriter().Code("1").Build().Root;
        root["cells"] = JsonNode.Parse(cellsJson);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    protected override IReadOnlyList<Func<byte[], Mutated>> Crafted =>
    [
        _ => new Mutated(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(WithCellsFromJson("[{\"cell_type\":\"code\",\"source\":\"1\",\"metadata\":{\"deep\":\"@@\"}}]"))
                .Replace("\"@@\"", new string('[', 100_000) + new string(']', 100_000))),
            "arrays nested 100000 deep in a cell's metadata", true, "maximum configured depth"),
        _ => new Mutated(WithCellsFromJson("[42]"), "a cell that is a number", true, "cell 1"),
        _ => new Mutated(WithCellsFromJson("[{\"cell_type\":\"code\",\"source\":[1,2],\"metadata\":{}}]"), "a source of numbers", true, "source"),
        _ => new Mutated(WithCellsFromJson("[{\"cell_type\":7,\"source\":\"x\",\"metadata\":{}}]"), "a cell_type that is a number", true, "cell_type"),
        _ => new Mutated(WithCellsFromJson("[{\"cell_type\":\"code\",\"source\":\"x\",\"metadata\":{\"tags\":\"parameters\"}}]"), "tags that are a string", true, "tags"),
    ];
}
