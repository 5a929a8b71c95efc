using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Viz.Plotly;
using Xunit;

namespace DistillKit.Tests.Viz;

public class PlotlyFigureTests
{
    static JsonElement Parse(Figure f) => JsonDocument.Parse(f.ToJson()).RootElement;

    [Fact]
    public void ScatterFigureSerialisesToPlotlySchema()
    {
        var fig = new Figure(new Layout { Title = "EPE per step", XAxis = new Axis { Title = "step" } })
            .Add(ScatterTrace.Lines([1, 2, 3], [3.5, double.NaN, 1.25], "student") with { Line = new LineStyle { Color = "red", Width = 2 } });
        var json = Parse(fig);
        var trace = json.GetProperty("data")[0];
        Assert.Equal("scatter", trace.GetProperty("type").GetString());
        Assert.Equal("lines", trace.GetProperty("mode").GetString());
        Assert.Equal("student", trace.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, trace.GetProperty("y")[1].ValueKind);   // NaN -> null (a gap)
        Assert.Equal(1.25, trace.GetProperty("y")[2].GetDouble());
        Assert.Equal("red", trace.GetProperty("line").GetProperty("color").GetString());
        Assert.False(trace.TryGetProperty("marker", out _));                     // nulls are left out
        // plotly.js 3+ wants titles as objects
        Assert.Equal("EPE per step", json.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("step", json.GetProperty("layout").GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void SubplotsGetTheirOwnAxesDomainsAndTitles()
    {
        var fig = Figure.Subplots(1, 2, ["left", "right"], horizontalGap: 0.1);
        fig.Add(new BarTrace { X = ["a", "b"], Y = [1, 2] }, 1, 1).Add(ScatterTrace.Markers([0], [0]), 1, 2);
        var json = Parse(fig);
        var data = json.GetProperty("data");
        Assert.Equal("x", data[0].GetProperty("xaxis").GetString());
        Assert.Equal("y2", data[1].GetProperty("yaxis").GetString());
        var layout = json.GetProperty("layout");
        Assert.Equal(2, layout.GetProperty("grid").GetProperty("columns").GetInt32());
        // two columns, gap 0.1: widths 0.45 -> [0, 0.45] and [0.55, 1]
        Assert.Equal(0.45, layout.GetProperty("xaxis").GetProperty("domain")[1].GetDouble(), 9);
        Assert.Equal(0.55, layout.GetProperty("xaxis2").GetProperty("domain")[0].GetDouble(), 9);
        Assert.Equal("y2", layout.GetProperty("xaxis2").GetProperty("anchor").GetString());
        var notes = layout.GetProperty("annotations");
        Assert.Equal("right", notes[1].GetProperty("text").GetString());
        Assert.Equal(0.775, notes[1].GetProperty("x").GetDouble(), 9);
        Assert.Equal("paper", notes[1].GetProperty("xref").GetString());
        Assert.Throws<ArgumentOutOfRangeException>(() => fig.Add(ScatterTrace.Markers([0], [0]), 2, 1));
    }

    [Fact]
    public void ImageAndHeatmapTracesCarryPixels()
    {
        using var img = torch.ones(3, 2, 2);
        var trace = ImageTrace.FromTensor(img);
        Assert.StartsWith("data:image/png;base64,", trace.Source);
        var png = Convert.FromBase64String(trace.Source!["data:image/png;base64,".Length..]);
        var back = DistillKit.Imaging.Png.Decode(png);
        Assert.All(back.Pixels8!, b => Assert.Equal(255, b));

        var z = ImageTrace.FromPixels(DistillKit.Imaging.Image.FromBytes(1, 1, 1, [7]));
        var zjson = JsonDocument.Parse(new Figure().Add(z).ToJson()).RootElement.GetProperty("data")[0];
        Assert.Equal("[[[7,7,7]]]", zjson.GetProperty("z").GetRawText());
        Assert.Equal("rgb", zjson.GetProperty("colormodel").GetString());

        using var values = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var heat = JsonDocument.Parse(Charts.Heatmap(values, "h", zMin: 0).ToJson()).RootElement;
        var h = heat.GetProperty("data")[0];
        Assert.Equal("heatmap", h.GetProperty("type").GetString());
        Assert.Equal("[[1,2,3],[4,5,6]]", h.GetProperty("z").GetRawText());
        Assert.Equal(0, h.GetProperty("zmin").GetDouble());
        Assert.Equal("Viridis", h.GetProperty("colorscale").GetString());
        Assert.Equal("reversed", heat.GetProperty("layout").GetProperty("yaxis").GetProperty("autorange").GetString());
    }

    [Fact]
    public void ChartsBuildLinesImagesAndBars()
    {
        var lines = Parse(Charts.Lines([0, 1], new Dictionary<string, IReadOnlyList<double>> { ["a"] = [1, 2], ["b"] = [3, 4] }, "t", logY: true));
        Assert.Equal(2, lines.GetProperty("data").GetArrayLength());
        Assert.Equal("log", lines.GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());

        using var a = torch.zeros(3, 4, 4);
        var images = Parse(Charts.Images([a, a, a], ["one", "two", "three"], columns: 2));
        Assert.Equal(3, images.GetProperty("data").GetArrayLength());
        Assert.Equal("x3", images.GetProperty("data")[2].GetProperty("xaxis").GetString());
        Assert.Equal("x3", images.GetProperty("layout").GetProperty("yaxis3").GetProperty("scaleanchor").GetString());

        var bars = Parse(Charts.Bars(["teacher", "student"], [2.5, 2.1]));
        Assert.Equal("bar", bars.GetProperty("data")[0].GetProperty("type").GetString());
        Assert.Throws<ArgumentException>(() => Charts.Bars(["a"], [1, 2]));
    }

    [Fact]
    public void HtmlFragmentLoadsPlotlyAndDrawsTheFigure()
    {
        var fig = new Figure(new Layout { Title = "</script><b>x</b>" }).Add(ScatterTrace.Lines([0, 1], [0, 1]));
        var html = fig.ToHtml("plot1");
        Assert.Contains("<div id=\"plot1\"", html);
        Assert.Contains("Plotly.newPlot(id, figure.data, figure.layout", html);
        Assert.Contains("\"plotly.min.js\"", html);
        Assert.DoesNotContain("</script><b>", html); // JSON inside the script is HTML-escaped
        var page = fig.ToHtmlPage("lib/plotly.min.js");
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<script src=\"lib/plotly.min.js\"></script>", page);
    }
}
