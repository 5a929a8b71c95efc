using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Self-contained HTML pages: one per executed notebook (code, markdown, outputs; images inline as data URIs;
/// plotly figures drawn by a <c>plotly.min.js</c> copied beside the page and loaded in the head, before any output)
/// and the run-all index. Nothing is fetched from the internet.
/// </summary>
public static class HtmlReport
{
    /// <summary>The plotly figure mime type (figure JSON, drawn here with <c>Plotly.newPlot</c>).</summary>
    public const string PlotlyMime = "application/vnd.plotly.v1+json";

    /// <summary>The plotly.js bundle's file name beside the page.</summary>
    public const string PlotlyFile = "plotly.min.js";

    /// <summary>What a chart's <c>text/html</c> calls on the global <c>Plotly</c> object.</summary>
    public const string PlotlyCall = "Plotly.newPlot(";

    const string PlotlyMissing = "<p class=\"note\">plotly.js not found (install node_modules/plotly.js-dist-min or set DISTILLKIT_PLOTLYJS): the figure cannot be drawn offline.</p>";

    const string Style = """
        body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        .cell{margin:1em 0}.prompt{color:#888;font:12px monospace}
        pre{background:#f6f8fa;padding:.6em;overflow-x:auto;margin:.3em 0;border-radius:4px}
        pre.source{border-left:3px solid #4a7bd0}.tag{color:#a60;font:12px monospace}
        .output pre{background:#fff;border:1px solid #eee}.output pre.stderr{background:#fff4f4}
        pre.error{background:#fdd;color:#800}img{max-width:100%}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}
        .status{padding:.5em 1em;border-radius:4px}.ok{background:#dfd}.failed{background:#fdd}
        .note{color:#a60}
        """;

    /// <summary>The page for one executed notebook; <paramref name="plotly"/> says whether plotly.min.js sits beside it.</summary>
    public static string Notebook(NotebookDocument nb, RunResult result, bool plotly)
    {
        var html = Page(result.Name, plotly);
        var status = result.Status == RunStatus.Succeeded ? "ok" : "failed";
        html.Append($"<p class=\"status {status}\">{Esc(result.Name)}.ipynb: {Esc(StatusText(result))}, {result.Duration.TotalSeconds:0.0} s</p>\n");
        int plotIndex = 0;
        foreach (var cell in nb.Cells)
        {
            html.Append("<div class=\"cell\">\n");
            var source = cell.Source;
            var magic = CellMagic.Parse(source);
            if (cell.Type == "markdown" || (cell.Type == "code" && magic.IsMarkdown))
                html.Append(MarkdownHtml.ToHtml(cell.Type == "markdown" ? source : magic.Code));
            else if (cell.Type == "code")
            {
                var count = cell.Json["execution_count"]?.ToString() ?? " ";
                var tags = cell.Tags.Count > 0 ? $" <span class=\"tag\">{Esc(string.Join(", ", cell.Tags))}</span>" : "";
                html.Append($"<div class=\"prompt\">In [{count}]:{tags}</div>\n<pre class=\"source\">{Esc(source)}</pre>\n");
                if (cell.Json["outputs"] is JsonArray outputs)
                    foreach (var output in outputs.OfType<JsonObject>()) Output(html, output, plotly, ref plotIndex);
            }
            else html.Append($"<pre>{Esc(source)}</pre>\n");
            html.Append("</div>\n");
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    /// <summary>The tag of a notebook's headline cell: its table (or text) output is repeated on the report index.</summary>
    public const string HeadlineTag = "headline";

    /// <summary>
    /// The run-all index: one row per notebook linking its page, with status and run time, the total, and under the
    /// table each notebook's headline (the outputs of its cells tagged <see cref="HeadlineTag"/>: HTML tables as they are,
    /// other text as plain text).
    /// </summary>
    public static string Index(IReadOnlyList<RunResult> results, IReadOnlyList<string> notRun, TimeSpan wall, int jobs)
    {
        var html = Page("DistillKit notebooks", plotly: false);
        int passed = results.Count(r => r.Status == RunStatus.Succeeded);
        var cls = passed == results.Count && notRun.Count == 0 ? "ok" : "failed";
        var total = TimeSpan.FromTicks(results.Sum(r => r.Duration.Ticks));
        var parallel = jobs > 1 ? $" ({jobs} at a time; their run times add up to {Minutes(total)})" : "";
        html.Append($"<p class=\"status {cls}\">{passed} of {results.Count + notRun.Count} notebooks passed in {Minutes(wall)}{parallel}</p>\n");
        html.Append("<table>\n<thead><tr><th>Notebook</th><th>Status</th><th>Run time</th><th>Notebook file</th></tr></thead>\n<tbody>\n");
        foreach (var r in results)
        {
            var page = Uri.EscapeDataString(Path.GetFileName(r.HtmlPath));
            var ipynb = Uri.EscapeDataString(Path.GetFileName(r.NotebookPath));
            html.Append($"<tr><td><a href=\"{page}\">{Esc(r.Name)}</a></td><td class=\"{(r.Status == RunStatus.Succeeded ? "ok" : "failed")}\">{Esc(StatusText(r))}</td>")
                .Append($"<td>{Minutes(r.Duration)}</td><td><a href=\"{ipynb}\">{Esc(Path.GetFileName(r.NotebookPath))}</a></td></tr>\n");
        }
        foreach (var name in notRun) html.Append($"<tr><td>{Esc(name)}</td><td class=\"failed\">not run</td><td></td><td></td></tr>\n");
        html.Append($"<tr><th>total</th><td></td><td>{Minutes(total)}</td><td></td></tr>\n");
        html.Append("</tbody>\n</table>\n");
        foreach (var r in results)
        {
            var headline = Headline(r.NotebookPath);
            if (headline.Count == 0) continue;
            html.Append($"<h2><a href=\"{Uri.EscapeDataString(Path.GetFileName(r.HtmlPath))}\">{Esc(r.Name)}</a> <small>({Minutes(r.Duration)})</small></h2>\n");
            foreach (var part in headline) html.Append("<div class=\"output\">").Append(part).Append("</div>\n");
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    /// <summary>The HTML of the outputs of an executed notebook's <see cref="HeadlineTag"/> cells (none when the file is
    /// missing or unreadable: the index is written even after a failure).</summary>
    public static IReadOnlyList<string> Headline(string executedNotebook)
    {
        var parts = new List<string>();
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(executedNotebook)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { return parts; }
        if (root?["cells"] is not JsonArray cells) return parts;
        foreach (var cell in cells.OfType<JsonObject>())
        {
            if (cell["metadata"]?["tags"] is not JsonArray tags || !tags.Any(t => t?.GetValue<string>() == HeadlineTag)) continue;
            if (cell["outputs"] is not JsonArray outputs) continue;
            foreach (var output in outputs.OfType<JsonObject>())
            {
                if (output["data"] is JsonObject data)
                {
                    if (data["text/html"] is JsonNode h && Text(h) is var table && table.Contains("<table", StringComparison.Ordinal)) parts.Add(table);
                    else if (data["text/plain"] is JsonNode t) parts.Add($"<pre>{Esc(Text(t))}</pre>");
                }
                else if (output["output_type"]?.GetValue<string>() == "stream" && output["text"] is JsonNode text) parts.Add($"<pre>{Esc(Text(text))}</pre>");
            }
        }
        return parts;
    }

    static string Minutes(TimeSpan t) => t.TotalSeconds < 60 ? $"{t.TotalSeconds:0.0} s" : $"{(int)t.TotalMinutes} min {t.Seconds:00} s";


    /// <summary>The plotly.js bundle: <c>DISTILLKIT_PLOTLYJS</c>, else <c>node_modules/plotly.js-dist-min/plotly.min.js</c> under the repository root (the folder above <paramref name="startDir"/> holding Lib.csproj); null when absent.</summary>
    public static string? FindPlotly(string startDir)
    {
        if (Environment.GetEnvironmentVariable("DISTILLKIT_PLOTLYJS") is { Length: > 0 } env && File.Exists(env)) return env;
        for (var dir = new DirectoryInfo(startDir); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lib.csproj")))
            {
                var js = Path.Combine(dir.FullName, "node_modules", "plotly.js-dist-min", "plotly.min.js");
                return File.Exists(js) ? js : null;
            }
        return null;
    }

    /// <summary>True when a mime bundle needs plotly.js: a plotly figure, or HTML calling <see cref="PlotlyCall"/>.</summary>
    public static bool NeedsPlotly(JsonObject data) =>
        data.ContainsKey(PlotlyMime) || (data["text/html"] is JsonNode h && Text(h).Contains(PlotlyCall, StringComparison.Ordinal));

    static string StatusText(RunResult r) => r.Status switch
    {
        RunStatus.Succeeded => "ok",
        RunStatus.TimedOut => $"timed out in cell {r.FailedCell}",
        _ => r.Message?.Replace($"notebook {r.Name}: ", "") ?? "failed",
    };

    static StringBuilder Page(string title, bool plotly)
    {
        var html = new StringBuilder($"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{Esc(title)}</title>\n<style>{Style}</style>\n");
        if (plotly) html.Append($"<script src=\"{PlotlyFile}\"></script>\n");
        return html.Append($"</head>\n<body>\n<h1>{Esc(title)}</h1>\n");
    }

    static void Output(StringBuilder html, JsonObject output, bool plotly, ref int plotIndex)
    {
        html.Append("<div class=\"output\">");
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                var name = output["name"]?.GetValue<string>() ?? "stdout";
                html.Append($"<pre class=\"{Esc(name)}\">{Esc(Text(output["text"]))}</pre>");
                break;
            case "error":
                var trace = output["traceback"] is JsonArray t ? string.Join("\n", t.Select(l => l?.GetValue<string>())) : "";
                html.Append($"<pre class=\"error\">{Esc(Text(output["ename"]))}: {Esc(Text(output["evalue"]))}\n{Esc(trace)}</pre>");
                break;
            default:
                if (output["data"] is JsonObject data) Bundle(html, data, plotly, ref plotIndex);
                break;
        }
        html.Append("</div>\n");
    }

    /// <summary>Renders the richest mime type of a bundle, in nbconvert's order (a plotly figure first when plotly.js is there).</summary>
    static void Bundle(StringBuilder html, JsonObject data, bool plotly, ref int plotIndex)
    {
        if (data[PlotlyMime] is JsonNode fig && (plotly || data["text/html"] is null))
        {
            if (plotly)
            {
                var id = $"plot-{++plotIndex}";
                // The default encoder escapes '<', '>' and '&', so the JSON cannot close the script element.
                html.Append($"<div id=\"{id}\"></div><script>(function(){{var fig={fig.ToJsonString()};Plotly.newPlot(\"{id}\",fig.data,fig.layout||{{}});}})();</script>");
            }
            else
                html.Append(PlotlyMissing).Append($"<details><summary>{PlotlyMime}</summary><pre>{Esc(fig.ToJsonString())}</pre></details>");
            return;
        }
        if (data["text/html"] is JsonNode h)
        {
            var text = Text(h);
            if (!plotly && text.Contains(PlotlyCall, StringComparison.Ordinal)) html.Append(PlotlyMissing);
            html.Append(text);
            return;
        }
        if (data["image/svg+xml"] is JsonNode svg) { html.Append(Text(svg)); return; }
        foreach (var mime in new[] { "image/png", "image/jpeg", "image/gif" })
            if (data[mime] is JsonNode img) { html.Append($"<img src=\"data:{mime};base64,{Esc(Text(img))}\">"); return; }
        if (data["text/markdown"] is JsonNode md) { html.Append(MarkdownHtml.ToHtml(Text(md))); return; }
        if (data["application/json"] is JsonNode json) { html.Append($"<pre>{Esc(json.ToJsonString())}</pre>"); return; }
        html.Append($"<pre>{Esc(Text(data["text/plain"]))}</pre>");
    }

    /// <summary>An nbformat multiline string (a string or a list of lines).</summary>
    static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValue<string>())),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        null => "",
        _ => node.ToJsonString(),
    };

    static string Esc(string? s) => WebUtility.HtmlEncode(s ?? "");
}
