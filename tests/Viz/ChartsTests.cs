using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json;
using DistillKit.Imaging;
using DistillKit.Viz;
using Plotly.NET;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>The ready-made charts, read back from the plotly.js JSON Plotly.NET writes for them.</summary>
public class ChartsTests
{
    static JsonElement Json(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;

    static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>The PNG an image trace carries as its <c>source</c> data URI.</summary>
    static Image Png(JsonElement imageTrace)
    {
        var source = imageTrace.GetProperty("source").GetString()!;
        Assert.StartsWith("data:image/png;base64,", source);
        return DistillKit.Imaging.Png.Decode(Convert.FromBase64String(source["data:image/png;base64,".Length..]));
    }

    [Fact]
    public void LinesDrawOneNamedLinePerSeriesWithTitles()
    {
        var json = Json(Charts.Lines([0, 1, 2], new Dictionary<string, IReadOnlyList<double>> { ["teacher"] = [3, 2, 1], ["student"] = [4, 2, 0.5] },
            "EPE per step", "step", "EPE (px)"));
        var data = json.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.All(data.EnumerateArray(), t => Assert.Equal(("scatter", "lines"), (t.GetProperty("type").GetString(), t.GetProperty("mode").GetString())));
        Assert.Equal("student", data[1].GetProperty("name").GetString());
        Assert.Equal([0, 1, 2], Numbers(data[1].GetProperty("x")));
        Assert.Equal([4, 2, 0.5], Numbers(data[1].GetProperty("y")));
        var layout = json.GetProperty("layout");
        Assert.Equal("EPE per step", layout.GetProperty("title").GetProperty("text").GetString()); // plotly.js 3+ wants title objects
        Assert.Equal("step", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("EPE (px)", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.False(layout.GetProperty("yaxis").TryGetProperty("type", out _)); // linear unless asked
    }

    [Fact]
    public void LinesOnALogAxis()
    {
        var json = Json(Charts.Lines([1, 2], new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [10, 0.1] }, logY: true));
        Assert.Equal("log", json.GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());
        Assert.False(json.GetProperty("layout").TryGetProperty("title", out _));
    }

    [Fact]
    public void LinesCheckSeriesLengthsAndAllowAnEmptyCurve()
    {
        var e = Assert.Throws<ArgumentException>(() => Charts.Lines([0, 1], new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [1] }));
        Assert.Contains("series 'loss' has 1 values for 2 x values", e.Message);
        // a live loss curve is displayed before the first step
        var empty = Json(Charts.Lines([], new Dictionary<string, IReadOnlyList<double>> { ["loss"] = [] })).GetProperty("data")[0];
        Assert.Equal(0, empty.GetProperty("y").GetArrayLength());
    }

    [Fact]
    public void ImagesAreSubplotsWithHiddenAxesAndSquarePixels()
    {
        using var redImage = torch.zeros(3, 4, 5);
        redImage[0] = torch.ones(4, 5);
        using var grayImage = torch.full(1, 4, 5, 0.5f);
        var json = Json(Charts.Images([redImage, grayImage, redImage], ["one", "two", "three"], columns: 2, title: "frames"));
        var data = json.GetProperty("data");
        Assert.Equal(3, data.GetArrayLength());
        Assert.All(data.EnumerateArray(), t => Assert.Equal("image", t.GetProperty("type").GetString()));
        Assert.Equal(("x3", "y3"), (data[2].GetProperty("xaxis").GetString(), data[2].GetProperty("yaxis").GetString()));
        var red = Png(data[0]);
        Assert.Equal((5, 4, 3), (red.Width, red.Height, red.Channels));
        Assert.Equal(new byte[] { 255, 0, 0 }, red.Pixels8![..3]);
        var gray = Png(data[1]);
        Assert.Equal((1, (byte)128), (gray.Channels, gray.Pixels8![0]));   // 0.5 -> 128: gray stays one channel

        var layout = json.GetProperty("layout");
        Assert.Equal((2, 2), (layout.GetProperty("grid").GetProperty("rows").GetInt32(), layout.GetProperty("grid").GetProperty("columns").GetInt32()));
        foreach (var (x, y) in new[] { ("xaxis", "yaxis"), ("xaxis3", "yaxis3") })   // the first subplot's axes have no number
        {
            Assert.False(layout.GetProperty(x).GetProperty("visible").GetBoolean());
            Assert.False(layout.GetProperty(y).GetProperty("visible").GetBoolean());
        }
        Assert.Equal("x", layout.GetProperty("yaxis").GetProperty("scaleanchor").GetString());
        Assert.Equal("x3", layout.GetProperty("yaxis3").GetProperty("scaleanchor").GetString());
        Assert.Equal(["one", "two", "three"], layout.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()));
        Assert.False(layout.GetProperty("showlegend").GetBoolean());
        Assert.Equal(80 + 2 * 260, layout.GetProperty("height").GetInt32());
        Assert.Equal("frames", layout.GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void ImagesCheckTheirArguments()
    {
        using var img = torch.zeros(3, 2, 2);
        Assert.Throws<ArgumentException>(() => Charts.Images([]));
        Assert.Throws<ArgumentException>(() => Charts.Images([img, img], ["a", "b", "c"]));   // 3 titles for 2 cells
        using var twoChannels = torch.zeros(2, 2, 2);
        Assert.Throws<ArgumentException>(() => Charts.Images([twoChannels]));
        // one row unless columns is given
        var oneRow = Json(Charts.Images([img, img, img])).GetProperty("layout");
        Assert.Equal(3, oneRow.GetProperty("grid").GetProperty("columns").GetInt32());
        Assert.False(oneRow.TryGetProperty("annotations", out var notes) && notes.GetArrayLength() > 0);   // no titles, no annotations
    }

    [Fact]
    public void HeatmapPutsRowZeroAtTheTop()
    {
        using var values = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [1, 2, 3]);
        var json = Json(Charts.Heatmap(values, "h", colorScale: "Hot", zMin: 0));
        var trace = json.GetProperty("data")[0];
        Assert.Equal("heatmap", trace.GetProperty("type").GetString());
        Assert.Equal([[1, 2, 3], [4, 5, 6]], trace.GetProperty("z").EnumerateArray().Select(Numbers));
        Assert.Equal("Hot", trace.GetProperty("colorscale").GetString());
        Assert.Equal(0, trace.GetProperty("zmin").GetDouble());
        Assert.False(trace.TryGetProperty("zmax", out _));
        var yaxis = json.GetProperty("layout").GetProperty("yaxis");
        Assert.Equal("reversed", yaxis.GetProperty("autorange").GetString());
        Assert.Equal("x", yaxis.GetProperty("scaleanchor").GetString());

        using var twoChannels = torch.zeros(2, 2, 2);
        Assert.Throws<ArgumentException>(() => Charts.Heatmap(twoChannels));
    }

    [Fact]
    public void BarsAreVerticalOnePerLabel()
    {
        var json = Json(Charts.Bars(["teacher", "student"], [2.5, 2.1], "Sintel EPE", "px"));
        var trace = json.GetProperty("data")[0];
        Assert.Equal(("bar", "v"), (trace.GetProperty("type").GetString(), trace.GetProperty("orientation").GetString()));
        Assert.Equal(["teacher", "student"], trace.GetProperty("x").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([2.5, 2.1], Numbers(trace.GetProperty("y")));
        Assert.Equal("px", json.GetProperty("layout").GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Throws<ArgumentException>(() => Charts.Bars(["a"], [1, 2]));
    }
}
