using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Builds notebooks in the exact format VS Code Polyglot Notebooks / .NET Interactive writes: kernelspec
/// <c>.net-csharp</c>, <c>polyglot_notebook</c> kernel info, each code cell naming the <c>csharp</c> kernel,
/// nbformat 4.5. Cells carry no outputs (committed notebooks never do).
/// </summary>
/// <example><code>
/// new NotebookWriter()
///     .Markdown("# 01 · Tour")
///     .Parameters("var preset = \"smoke\";\nvar seed = 0;")
///     .Code("#r \"../bin/Lib.dll\"")
///     .Save("notebooks/01-tour.ipynb");
/// </code></example>
public sealed class NotebookWriter
{
    readonly List<NotebookCell> cells = [];

    /// <summary>Appends a markdown cell.</summary>
    public NotebookWriter Markdown(string text)
    {
        var cell = new NotebookCell(new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = NextId(),
            ["metadata"] = new JsonObject(),
            ["source"] = new JsonArray(),
        }) { Source = text };
        cells.Add(cell);
        return this;
    }

    /// <summary>Appends a C# code cell, optionally tagged (e.g. <c>parameters</c>).</summary>
    public NotebookWriter Code(string code, params string[] tags)
    {
        cells.Add(CodeCell(code, NextId(), tags));
        return this;
    }

    /// <summary>Appends the papermill <c>parameters</c> cell holding the defaults the runner may override.</summary>
    public NotebookWriter Parameters(string code) => Code(code, "parameters");

    /// <summary>The notebook built so far (a fresh copy each call).</summary>
    public NotebookDocument Build() => new(new JsonObject
    {
        ["cells"] = new JsonArray(cells.Select(c => (JsonNode)c.Json.DeepClone()).ToArray()),
        ["metadata"] = NotebookMetadata(),
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    });

    /// <summary>Writes the notebook to <paramref name="path"/>.</summary>
    public void Save(string path) => Build().Save(path);

    /// <summary>A C# code cell with .NET Interactive's cell metadata, no outputs and no execution count.</summary>
    public static NotebookCell CodeCell(string code, string id, params string[] tags)
    {
        var metadata = new JsonObject
        {
            ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
        };
        if (tags.Length > 0) metadata["tags"] = new JsonArray(tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray());
        return new NotebookCell(new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = id,
            ["metadata"] = metadata,
            ["outputs"] = new JsonArray(),
            ["source"] = NotebookCell.Lines(code),
        });
    }

    /// <summary>Top-level metadata as .NET Interactive writes it.</summary>
    public static JsonObject NotebookMetadata() => new()
    {
        ["kernelspec"] = new JsonObject
        {
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["name"] = ".net-csharp",
        },
        ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        ["polyglot_notebook"] = new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = "csharp",
                ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
            },
        },
    };

    string NextId() => $"cell-{cells.Count + 1}";
}
