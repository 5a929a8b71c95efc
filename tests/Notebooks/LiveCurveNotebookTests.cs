using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistillKit.Cli.Notebooks;
using DistillKit.Viz;
using Xunit;
using static DistillKit.Tests.Notebooks.NotebookTestKit;

namespace DistillKit.Tests.Notebooks;

/// <summary><see cref="LossCurve.Show"/> on the real kernel: one chart output, redrawn in place, also from a later cell.</summary>
public sealed class LiveCurveNotebookTests
{
    /// <summary>The plotly.js figure a chart's HTML fragment draws.</summary>
    static JsonElement Figure(string html) => JsonDocument.Parse(Regex.Match(html, @"figure = (\{.*\});").Groups[1].Value).RootElement;

    [Fact]
    public async Task ShownCurveIsOneOutputUpdatedWithEveryTermUntilTheLastRefresh()
    {
        var dir = TempDir("live-curve");
        new NotebookWriter()
            .Code($"#r \"{typeof(LossCurve).Assembly.Location}\"")
            .Code("using DistillKit.Viz.Plots;\nvar curve = LossCurve.Show(\"live\", updateEvery: 2, minInterval: TimeSpan.Zero);\nfor (int s = 0; s < 5; s++) curve.Add(s, (\"loss\", 10.0 - s));\n$\"shown {curve.IsShown}, {curve.Updates} updates\"")
            .Code("curve.Add(5, new Dictionary<string, double> { [\"loss\"] = 4.5, [\"EPE\"] = 7.25 });\ncurve.Refresh();")
            .Save(Path.Combine(dir, "live.ipynb"));
        var result = await NotebookRunner.RunAsync(Path.Combine(dir, "live.ipynb"), new RunOptions { OutDir = Path.Combine(dir, "out") });
        Assert.True(result.Succeeded, result.Message);
        var cells = NotebookDocument.Load(result.NotebookPath).Cells;

        var shown = Assert.Single(Outputs(cells[1], "display_data"));
        Assert.Equal("shown True, 2 updates", Text(Assert.Single(Outputs(cells[1], "execute_result"))["data"]!["text/plain"]));
        var data = Figure(Text(shown["data"]!["text/html"])).GetProperty("data");   // the redraw made by cell 3
        Assert.Equal(["loss", "EPE"], data.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([10, 9, 8, 7, 6, 4.5], data[0].GetProperty("y").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([5.0], data[1].GetProperty("x").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Empty(Outputs(cells[2]));
    }
}
