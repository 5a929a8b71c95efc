using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json;
using DistillKit.Viz;
using Plotly.NET;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>Binning (hand-counted) and the histogram chart read back from its plotly.js JSON.</summary>
public class HistogramTests
{
    static JsonElement Json(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;

    static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void FixedWidthBinsSitAtMultiplesOfTheWidth()
    {
        // 0.2 and 0.4 in [0, 0.5); 0.5 and 0.9 in [0.5, 1); none in [1, 1.5); 1.7 in [1.5, 2); NaN and ∞ skipped
        var h = HistogramBins.Compute([0.9, 0.2, 1.7, 0.5, double.NaN, 0.4, double.PositiveInfinity], binWidth: 0.5);
        Assert.Equal((0.0, 0.5), (h.Start, h.Width));
        Assert.Equal([2L, 2, 0, 1], h.Counts);
        Assert.Equal((2L, 5L), (h.Skipped, h.Total));
        Assert.Equal(1.25, h.Centre(2));
        Assert.Equal(1.5, h.Edge(3));
        // negative values: the first bin starts at the multiple of the width below the minimum
        var neg = HistogramBins.Compute([-0.3, 0.1], binWidth: 0.25);
        Assert.Equal((-0.5, 0.25), (neg.Start, neg.Width));
        Assert.Equal([1L, 0, 1], neg.Counts);   // [-0.5,-0.25) [-0.25,0) [0,0.25)
    }

    [Fact]
    public void CountedBinsSpanTheRangeAndKeepTheMaximum()
    {
        var h = HistogramBins.Compute([1, 2, 3, 4, 5], bins: 4);   // width 1: [1,2) [2,3) [3,4) [4,5]
        Assert.Equal((1.0, 1.0), (h.Start, h.Width));
        Assert.Equal([1L, 1, 1, 2], h.Counts);
        var same = HistogramBins.Compute([2, 2, 2], bins: 10);
        Assert.Equal([3L], same.Counts);
        Assert.Equal(2.0, same.Centre(0));
        Assert.Empty(HistogramBins.Compute([double.NaN]).Counts);
        Assert.Throws<ArgumentOutOfRangeException>(() => HistogramBins.Compute([1], binWidth: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => HistogramBins.Compute([1], bins: 0));
    }

    [Fact]
    public void ChartHasOneTouchingBarPerBinAtItsCentreWithItsCount()
    {
        var json = Json(Charts.Histogram([0.9, 0.2, 1.7, 0.5, 0.4], binWidth: 0.5, title: "flow magnitude", xTitle: "px", yTitle: "pixels"));
        var trace = Assert.Single(json.GetProperty("data").EnumerateArray());
        Assert.Equal("bar", trace.GetProperty("type").GetString());
        Assert.Equal([0.25, 0.75, 1.25, 1.75], Numbers(trace.GetProperty("x")));
        Assert.Equal([2, 2, 0, 1], Numbers(trace.GetProperty("y")));
        Assert.Equal(0.5, trace.GetProperty("width").GetDouble());
        var layout = json.GetProperty("layout");
        Assert.Equal(0, layout.GetProperty("bargap").GetDouble());
        Assert.Equal("flow magnitude", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("px", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("pixels", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void TensorHistogramCountsEveryFiniteElement()
    {
        using var values = torch.tensor(new float[] { 0.1f, 0.1f, 2.9f, float.NaN, 1.2f, 0.6f }, [2, 3]);
        var trace = Json(Charts.Histogram(values, bins: 2)).GetProperty("data")[0];   // range [0.1, 2.9]: width 1.4
        Assert.Equal([4, 1], Numbers(trace.GetProperty("y")));   // 0.1, 0.1, 1.2, 0.6 | 2.9
        Assert.Equal(1.4, trace.GetProperty("width").GetDouble(), 6);
        Assert.Equal([0.8, 2.2], Numbers(trace.GetProperty("x")).Select(x => Math.Round(x, 6)));
    }
}
