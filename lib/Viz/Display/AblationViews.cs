using System.Net;
using System.Text;
using DistillKit.Training.Ablation;
using DistillKit.Viz.Plots;
using Plotly.NET;

namespace DistillKit.Viz.Display;

/// <summary>An ablation's results as a notebook shows them: the table (one row per variant) and the bar chart.</summary>
public static class AblationViews
{
    /// <summary>The runs a spec asks for, before any runs: one row per variant (<see cref="AblationSpec.Expand"/>) with its
    /// settings; the title names the recipe, preset, base settings, seeds and steps.</summary>
    public static ResultsTable Table(this AblationSpec spec)
    {
        var variants = spec.Expand();
        var title = $"{spec.Recipe} ({spec.Preset.ToString().ToLowerInvariant()}): {variants.Count} variant(s) × seeds {string.Join(", ", spec.Seeds)}" +
            (spec.Steps is { } s ? $", {s} steps each" : "") + (spec.Base.Count > 0 ? $"; every run: {string.Join("; ", spec.Base)}" : "");
        var table = new ResultsTable(title);
        foreach (var v in variants) table.Add(v.Name, ("settings", v.Settings.Count == 0 ? "(base)" : string.Join("; ", v.Settings)));
        return table;
    }

    /// <summary>
    /// One row per variant: its settings, <c>n</c> (finished seeds) and each metric as "mean ± std" over those seeds
    /// (sample standard deviation; the mean alone for one seed; "–" for none). <paramref name="labels"/> renames metric
    /// columns (path → label, e.g. <c>Pck.student.Values[1]</c> → "PCK@0.1").
    /// </summary>
    public static ResultsTable Table(this AblationResult result, string numberFormat = "0.####", bool settings = true,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        var title = $"ablation of {result.Spec.Recipe} ({result.Spec.Preset.ToString().ToLowerInvariant()}, seeds {string.Join(", ", result.Spec.Seeds)}" +
            (result.Spec.Steps is { } s ? $", {s} steps" : "") + (result.Completed ? ")" : "; incomplete: run again to resume)");
        var table = new ResultsTable(title);
        foreach (var row in result.Summary)
        {
            var cells = new List<(string, object?)>();
            if (settings) cells.Add(("settings", row.Settings.Count == 0 ? "(base)" : string.Join("; ", row.Settings)));
            cells.Add(("n", row.Finished));
            cells.AddRange(row.Metrics.Select(kv => (labels?.GetValueOrDefault(kv.Key) ?? kv.Key, (object?)kv.Value.Format(numberFormat))));
            table.Add(row.Variant, cells.ToArray());
        }
        return table;
    }

    /// <summary>One bar panel per metric (or the <paramref name="metrics"/> given): a bar per variant at the mean over its
    /// seeds, the error bar ± one standard deviation; <paramref name="labels"/> renames the panels (path → label).</summary>
    public static GenericChart Chart(this AblationResult result, IReadOnlyList<string>? metrics = null, int columns = 2, string? title = null,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        metrics ??= result.Metrics;
        var unknown = metrics.Except(result.Metrics).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"not a metric of this ablation: {string.Join(", ", unknown)}; its metrics: {string.Join(", ", result.Metrics)}");
        var summary = result.Summary;
        var variants = summary.Select(s => s.Variant).ToList();
        var panels = metrics.Select(m => Charts.BarsWithErrors(variants, summary.Select(s => s.Metrics[m].Mean).ToList(),
            summary.Select(s => s.Metrics[m].Std).ToList(), yTitle: labels?.GetValueOrDefault(m) ?? m)).ToList();
        var seeds = result.Spec.Seeds.Count;
        return Charts.Panels(panels, metrics.Select(m => labels?.GetValueOrDefault(m) ?? m).ToList(), columns,
            title ?? $"{result.Spec.Recipe}: mean{(seeds > 1 ? $" ± std over {seeds} seeds" : "")}");
    }

    /// <summary>A standalone HTML page with the table and the chart; <paramref name="plotlyScript"/> names a plotly.js file
    /// beside the page to load (offline), else the chart fetches plotly.js from its CDN (<see cref="ChartHtml"/>).</summary>
    public static string Html(this AblationResult result, string? plotlyScript = null)
    {
        var sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
        sb.Append(WebUtility.HtmlEncode($"ablation of {result.Spec.Recipe}")).Append("</title>");
        if (plotlyScript is not null) sb.Append("<script src=\"").Append(WebUtility.HtmlEncode(plotlyScript)).Append("\"></script>");
        sb.Append("<style>body{font-family:sans-serif} table{border-collapse:collapse} td,th{padding:2px 8px;border-bottom:1px solid #ddd}</style></head><body>\n");
        sb.Append(result.Table().ToHtml()).Append('\n');
        if (result.Metrics.Count > 0 && result.Summary.Any(s => s.Finished > 0)) sb.Append(ChartHtml.Fragment(result.Chart()));
        return sb.Append("\n</body></html>\n").ToString();
    }
}
