using DistillKit.Tests.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Viz.Plotly;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>
/// Renders a kit figure in headless Chromium, fully offline, with the pinned plotly.js from node_modules, and checks
/// that plotly.js drew its SVG. Fails (not skips) when Chromium or node_modules is missing: run environment/setup.sh.
/// </summary>
public class BrowserRenderTests
{
    const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void FigureRendersInHeadlessChromium()
    {
        var plotly = RepoPaths.Under("node_modules", "plotly.js-dist-min", "plotly.min.js");
        Assert.True(File.Exists(Chromium), $"{Chromium} not found: run environment/setup.sh (installs Debian's chromium)");
        Assert.True(File.Exists(plotly), $"{plotly} not found: run environment/setup.sh (npm ci installs the pinned plotly.js-dist-min)");

        using var dir = new TempFolder();
        File.Copy(plotly, dir.File("plotly.min.js"));
        using var img = torch.rand(3, 8, 8);
        var fig = Figure.Subplots(1, 2, ["curve", "image"], "DistillKit browser test");
        fig.Add(ScatterTrace.Lines([0, 1, 2], [2, 1, 3], "epe"), 1, 1).Add(ImageTrace.FromTensor(img), 1, 2);
        var page = dir.File("figure.html");
        fig.SaveHtml(page, "plotly.min.js");

        var (code, dom) = RepoPaths.Run(Chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--user-data-dir=" + dir.File("profile"),
            "--virtual-time-budget=5000", "--dump-dom", new Uri(page).AbsoluteUri,
        ], timeoutMs: 60_000);
        Assert.True(code == 0, $"chromium exited with {code}: {Tail(dom)}");
        // only plotly.js writes these: the page itself holds just a div and the figure JSON
        Assert.Contains("class=\"main-svg\"", dom);
        Assert.Matches("class=\"gtitle\"[^>]*>DistillKit browser test<", dom); // the title drawn as SVG text
        Assert.Contains("class=\"scatterlayer", dom);
        Assert.Contains("class=\"im\"", dom);                                  // the image trace
    }

    static string Tail(string s) => s.Length <= 2000 ? s : s[^2000..];
}
