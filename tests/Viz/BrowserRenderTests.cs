using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using DistillKit.Tests.Support;
using DistillKit.Tests.Imaging;
using DistillKit.Viz;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>
/// Draws the kit's charts in headless Chromium as the offline HTML report does (the pinned plotly.min.js from
/// node_modules in a script before the outputs, then each chart's display fragment), with every host name unresolvable so
/// nothing can be fetched. Fails (not skips) when Chromium or node_modules is missing: run environment/setup.sh.
/// </summary>
public class BrowserRenderTests
{
    const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void ChartsDrawOfflineWithThePinnedPlotly()
    {
        var plotly = RepoPaths.Under("node_modules", "plotly.js-dist-min", "plotly.min.js");
        Assert.True(File.Exists(plotly), $"{plotly} not found: run environment/setup.sh (npm ci installs the pinned plotly.js-dist-min)");
        using var dir = new TempFolder();
        File.Copy(plotly, dir.File("plotly.min.js"));
        using var img = torch.rand(3, 8, 8);
        using var heat = torch.rand(4, 6);
        var charts = new[]
        {
            ("lines", Charts.Lines([1, 2, 3], new Dictionary<string, IReadOnlyList<double>> { ["epe"] = [2, double.NaN, 1] }, "DistillKit browser test", logY: true)),
            ("images", Charts.Images([img, img], ["first", "second"])),
            ("heatmap", Charts.Heatmap(heat)),
            ("bars", Charts.Bars(["teacher", "student"], [2.5, 2.1])),
        };
        var page = Page("<script src=\"plotly.min.js\"></script>", charts.Select(c => ChartHtml.Fragment(c.Item2, c.Item1)));
        var dom = DumpDom(dir, page);
        foreach (var (id, _) in charts)   // plotly.js marks each div it drew into
            Assert.Matches($"<div id=\"{id}\" class=\"dk-plotly js-plotly-plot\"", dom);
        Assert.Contains("class=\"main-svg\"", dom);
        Assert.Matches("class=\"gtitle\"[^>]*>DistillKit browser test<", dom);   // the title drawn as SVG text
        Assert.Contains("class=\"scatterlayer", dom);
        Assert.Contains("class=\"im\"", dom);       // image traces
        Assert.Contains("class=\"hm\"", dom);       // the heatmap
        Assert.Contains("class=\"trace bars\"", dom);   // the bar trace
        Assert.Matches("class=\"annotation-text[^>]*>second<", dom);   // subplot titles
    }

    [Fact]
    public void WithoutPlotlyOnThePageAndNoNetworkTheChartSaysWhy()
    {
        using var dir = new TempFolder();
        var page = Page("", [ChartHtml.Fragment(Charts.Bars(["a"], [1]), "lonely")]);
        var dom = DumpDom(dir, page);
        Assert.Matches("<div id=\"lonely\" class=\"dk-plotly\">plotly.js is not on this page and could not be loaded", dom);
    }

    static string Page(string head, IEnumerable<string> fragments) =>
        $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">{head}</head><body>\n{string.Join("\n", fragments)}\n</body></html>";

    /// <summary>Writes the page into <paramref name="dir"/>, loads it in headless Chromium and returns the DOM after scripts ran.</summary>
    static string DumpDom(TempFolder dir, string html)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} not found: run environment/setup.sh (installs Debian's chromium)");
        var page = dir.File("page.html");
        File.WriteAllText(page, html);
        var (code, dom) = RepoPaths.Run(Chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--user-data-dir=" + dir.File("profile"),
            "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--dump-dom", new Uri(page).AbsoluteUri,
        ], timeoutMs: 60_000);
        Assert.True(code == 0, $"chromium exited with {code}: {(dom.Length <= 2000 ? dom : dom[^2000..])}");
        return dom;
    }
}
