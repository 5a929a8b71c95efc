using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Kernel display events as nbformat outputs, the way the tool's Jupyter kernel sends them: one mime-bundle entry
/// per formatted value (whatever mime types the kernel's formatters chose), JSON mime types
/// (<c>application/json</c>, <c>application/*+json</c>) embedded as JSON, everything else as text.
/// </summary>
public static class MimeBundle
{
    /// <summary>The nbformat <c>data</c> object of <paramref name="values"/> (values marked SuppressDisplay are left out).</summary>
    public static JsonObject Data(IEnumerable<FormattedValue> values)
    {
        var data = new JsonObject();
        foreach (var v in values)
            if (!v.SuppressDisplay && !data.ContainsKey(v.MimeType)) data[v.MimeType] = Value(v.MimeType, v.Value);
        return data;
    }

    /// <summary>A <c>display_data</c> output (<c>transient.display_id</c> is kept out: nbformat does not store it).</summary>
    public static JsonObject DisplayData(DisplayEvent e) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = Data(e.FormattedValues),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>An <c>execute_result</c> output (a cell's final expression).</summary>
    public static JsonObject ExecuteResult(ReturnValueProduced e, int executionCount) => new()
    {
        ["output_type"] = "execute_result",
        ["execution_count"] = executionCount,
        ["data"] = Data(e.FormattedValues),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>The text of a console event (its <c>text/plain</c> value, else the value itself).</summary>
    public static string Text(DisplayEvent e) =>
        e.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value ?? e.Value?.ToString() ?? "";

    static JsonNode? Value(string mime, string? text)
    {
        if (text is not null && (mime == "application/json" || (mime.StartsWith("application/", StringComparison.Ordinal) && mime.EndsWith("+json", StringComparison.Ordinal))))
        {
            try { return JsonNode.Parse(text); }
            catch (JsonException) { } // not JSON after all: kept as text, which nbformat also accepts for JSON types
        }
        return text ?? "";
    }
}
