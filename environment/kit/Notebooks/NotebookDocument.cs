using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// An nbformat 4 notebook held as its JSON tree, so that metadata the kit does not know about
/// (kernelspec, <c>polyglot_notebook</c>, tags) survives a read/write round trip untouched.
/// </summary>
public sealed class NotebookDocument
{
    static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        IndentSize = 1, // Jupyter writes one-space indents
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // file, not HTML: keep "<" and "é" readable
    };

    /// <summary>The whole notebook object (<c>cells</c>, <c>metadata</c>, <c>nbformat</c>, <c>nbformat_minor</c>).</summary>
    public JsonObject Root { get; }

    public NotebookDocument(JsonObject root)
    {
        if (root["nbformat"]?.GetValue<int>() != 4)
            throw new InvalidDataException($"only nbformat 4 notebooks are supported (found {root["nbformat"]?.ToJsonString() ?? "none"})");
        if (root["cells"] is not JsonArray cells) throw new InvalidDataException("notebook has no 'cells' array");
        if (root["nbformat_minor"] is { } minor && !(minor is JsonValue m && m.TryGetValue<int>(out _)))
            throw new InvalidDataException($"nbformat_minor {minor.ToJsonString()} is not an integer");
        if (root["metadata"] is { } meta && meta is not JsonObject) throw new InvalidDataException("the notebook's metadata is not an object");
        CheckCells(cells);
        root["metadata"] ??= new JsonObject();
        Root = root;
    }

    /// <summary>
    /// Checks, as the nbformat 4 schema says, what the kit reads from every cell (type, source, metadata, tags), so that
    /// a crafted notebook fails on loading, naming its file, instead of at a cast deep in the runner.
    /// </summary>
    static void CheckCells(JsonArray cells)
    {
        for (int i = 0; i < cells.Count; i++)
        {
            string Bad(string what) => $"cell {i + 1}: {what}";
            if (cells[i] is not JsonObject cell) throw new InvalidDataException(Bad($"is {cells[i]?.GetValueKind().ToString() ?? "null"}, not an object"));
            if (cell["cell_type"] is { } type && !IsString(type)) throw new InvalidDataException(Bad("cell_type is not a string"));
            if (cell["source"] is { } source && !IsString(source) && !(source is JsonArray lines && lines.All(IsString)))
                throw new InvalidDataException(Bad("source is neither a string nor a list of strings"));
            if (cell["metadata"] is { } meta && meta is not JsonObject) throw new InvalidDataException(Bad("metadata is not an object"));
            if (cell["metadata"]?["tags"] is { } tags && !(tags is JsonArray list && list.All(IsString)))
                throw new InvalidDataException(Bad("metadata.tags is not a list of strings"));
        }
    }

    /// <summary>A JSON string that decodes (a lone UTF-16 surrogate escape throws <see cref="InvalidOperationException"/>).</summary>
    static bool IsString(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is not null;

    /// <summary>The cells, in order; each is a live view of its JSON object.</summary>
    public IReadOnlyList<NotebookCell> Cells => ((JsonArray)Root["cells"]!).Select(c => new NotebookCell((JsonObject)c!)).ToList();

    /// <summary>Inserts a cell at <paramref name="index"/> (0-based).</summary>
    public void Insert(int index, NotebookCell cell) => ((JsonArray)Root["cells"]!).Insert(index, cell.Json);

    /// <summary>Removes the cell at <paramref name="index"/> (0-based).</summary>
    public void RemoveAt(int index) => ((JsonArray)Root["cells"]!).RemoveAt(index);

    /// <summary>Reads a notebook; throws <see cref="InvalidDataException"/> naming the file when it is not nbformat 4 JSON.</summary>
    public static NotebookDocument Load(string path)
    {
        var text = File.ReadAllText(path);
        try
        {
            var node = JsonNode.Parse(text) as JsonObject
                ?? throw new InvalidDataException("top level is not a JSON object");
            return new NotebookDocument(node);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException or ArgumentException) // ArgumentException: a duplicate key
        {
            throw new InvalidDataException($"{path}: not a valid .ipynb notebook: {e.Message}", e);
        }
    }

    /// <summary>Writes the notebook as Jupyter does (one-space indent, trailing newline).</summary>
    public void Save(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, Root.ToJsonString(WriteOptions) + "\n", new UTF8Encoding(false));
    }

    /// <summary>
    /// Makes the notebook valid nbformat 4.5: every cell gets a unique id matching <c>[A-Za-z0-9-_]{1,64}</c>
    /// (existing valid ids are kept), and <c>nbformat_minor</c> is raised to 5 when lower.
    /// </summary>
    public void EnsureIds()
    {
        if ((Root["nbformat_minor"]?.GetValue<int>() ?? 0) < 5) Root["nbformat_minor"] = 5;
        var seen = new HashSet<string>();
        var cells = Cells;
        for (int i = 0; i < cells.Count; i++)
        {
            var id = cells[i].Id;
            if (id is null || !ValidId.IsMatch(id) || !seen.Add(id))
            {
                int k = i + 1;
                while (!seen.Add(id = $"cell-{k}")) k += cells.Count;
                cells[i].Json["id"] = id;
            }
        }
    }

    static readonly Regex ValidId = new("^[A-Za-z0-9_-]{1,64}$");
}

/// <summary>One notebook cell: a view over its JSON object (<c>cell_type</c>, <c>source</c>, <c>metadata</c>, ...).</summary>
public readonly record struct NotebookCell(JsonObject Json)
{
    /// <summary><c>code</c>, <c>markdown</c> or <c>raw</c>.</summary>
    public string Type => Json["cell_type"]?.GetValue<string>() ?? "code";

    public string? Id => Json["id"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The source text; nbformat allows a string or a list of lines, both are read.</summary>
    public string Source
    {
        get => Json["source"] switch
        {
            JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
            JsonValue v => v.GetValue<string>(),
            _ => "",
        };
        set => Json["source"] = Lines(value);
    }

    /// <summary>The cell's <c>metadata.tags</c> (papermill: <c>parameters</c>, <c>injected-parameters</c>).</summary>
    public IReadOnlyList<string> Tags =>
        Json["metadata"]?["tags"] is JsonArray tags ? tags.Select(t => t?.GetValue<string>() ?? "").ToList() : [];

    /// <summary>Clears a code cell's outputs and execution count (a cell that was not run).</summary>
    public void ClearOutputs()
    {
        if (Type != "code") return;
        Json["outputs"] = new JsonArray();
        Json["execution_count"] = null;
    }

    /// <summary>Splits text into nbformat source lines, each but the last keeping its "\n".</summary>
    public static JsonArray Lines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { lines.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }
}
