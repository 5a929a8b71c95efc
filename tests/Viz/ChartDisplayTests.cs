using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistillKit.Viz;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>How a chart shows in .NET Interactive: the kit's offline-first text/html fragment.</summary>
public class ChartDisplayTests
{
    static GenericChart Curve(string? title = "loss") =>
        Charts.Lines([0, 1], new Dictionary<string, IReadOnlyList<double>> { ["train"] = [1, 0.5] }, title);

    [Fact]
    public void FragmentDrawsWithThePagesPlotlyBeforeAnyFetch()
    {
        var html = ChartHtml.Fragment(Curve(), "plot1");
        Assert.StartsWith("<div id=\"plot1\"", html);
        Assert.Contains("Plotly.newPlot(id, figure.data, figure.layout, figure.config)", html);
        Assert.Contains("var id = \"plot1\"", html);
        int usesGlobal = html.IndexOf("if (window.Plotly) { draw(); return; }", StringComparison.Ordinal);
        Assert.True(usesGlobal > 0, "the fragment must draw with window.Plotly when the page has it");
        // the CDN appears only on the path taken without a global Plotly, and never as a <script src>
        Assert.True(html.IndexOf("cdn.plot.ly", StringComparison.Ordinal) > usesGlobal);
        Assert.DoesNotContain("<script src", html);
        Assert.Equal($"https://cdn.plot.ly/plotly-{Globals.PLOTLYJS_VERSION}.min.js", ChartHtml.CdnUrl);
    }

    /// <summary>The object literal the fragment's script draws from.</summary>
    static string FigureIn(string html) => Regex.Match(html, @"figure = (\{.*\});").Groups[1].Value;

    [Fact]
    public void FragmentCarriesThePlotlyNetDataLayoutAndConfig()
    {
        var chart = Curve();
        var figure = FigureIn(ChartHtml.Fragment(chart, "p"));
        Assert.Equal(GenericChart.toJson(chart), figure);
        var json = JsonDocument.Parse(figure).RootElement;
        Assert.Equal("train", json.GetProperty("data")[0].GetProperty("name").GetString());
        Assert.True(json.GetProperty("config").GetProperty("responsive").GetBoolean());
    }

    [Fact]
    public void FragmentKeepsScriptTagsInTextOutOfTheHtml()
    {
        var html = ChartHtml.Fragment(Curve("</script><b>x</b>"));
        Assert.Single(Regex.Matches(html, "</script>"));   // only the fragment's own
        Assert.Equal("</script><b>x</b>", JsonDocument.Parse(FigureIn(html)).RootElement.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void ChartsFormatAsTheFragmentInDotNetInteractive()
    {
        using var img = TorchSharp.torch.zeros(3, 2, 2);
        foreach (var chart in new[] { Curve(), Charts.Images([img, img]), Charts.Bars(["a"], [1]) })   // single and multi charts
        {
            var html = chart.ToDisplayString(HtmlFormatter.MimeType);
            Assert.Contains("class=\"dk-plotly\"", html);
            Assert.Contains("Plotly.newPlot(", html);
        }
    }

    [Fact]
    public void KitFormatterWinsOverAGenericChartFormatterRegisteredLater()
    {
        // what Plotly.NET.Interactive's kernel extension does when it loads (it writes require.js + CDN code)
        Formatter.Register<GenericChart>((chart, writer) => writer.Write("<script>requirejs(...)</script>"), HtmlFormatter.MimeType);
        var html = Curve().ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("class=\"dk-plotly\"", html);
        Assert.DoesNotContain("requirejs(...)", html);
    }

    [Fact]
    public void FSharpCoreRequestsOfAnyVersionGetTheLoadedOne()
    {
        var loaded = typeof(Microsoft.FSharp.Core.FSharpOption<int>).Assembly;
        var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(loaded)!;
        Assert.Same(loaded, HostFSharpCore.Resolve(context, new System.Reflection.AssemblyName("FSharp.Core, Version=99.0.0.0")));
        Assert.Null(HostFSharpCore.Resolve(context, new System.Reflection.AssemblyName("Giraffe.ViewEngine")));
    }
}
