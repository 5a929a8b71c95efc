using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Text.Json;
using DistillKit.Viz;
using Plotly.NET;
using Xunit;

namespace DistillKit.Tests.Viz;

/// <summary>The live loss curve outside a notebook: it collects per-term series and redraws every N entries.</summary>
public class LossCurveTests
{
    static JsonElement Json(GenericChart chart) => JsonDocument.Parse(GenericChart.toFigureJson(chart)).RootElement;

    static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void CollectsOneSeriesPerTermAndRedrawsEveryNEntries()
    {
        var drawn = new List<GenericChart>();
        var curve = new LossCurve("stage 1", yTitle: "loss", updateEvery: 2, onUpdate: drawn.Add, minInterval: TimeSpan.Zero);
        curve.Add(0, new Dictionary<string, double> { ["loss"] = 3, ["psi"] = 2 });
        Assert.Empty(drawn);
        curve.Add(1, new Dictionary<string, double> { ["loss"] = 2.5, ["psi"] = 1.5 });
        Assert.Single(drawn);                                   // 2 entries: the first redraw
        curve.Add(2, ("loss", 2.0), ("census", 0.75));         // a term may start late
        curve.Add(3, ("loss", 1.0));
        Assert.Equal(2, drawn.Count);
        curve.Add(4, ("loss", 0.5));
        Assert.Equal((5, 2), (curve.Entries, curve.Updates));
        Assert.False(curve.IsShown);                            // no kernel here

        Assert.Equal(["loss", "psi", "census"], curve.Terms);
        Assert.Equal([0.0, 1, 2, 3, 4], curve.Series("loss").Steps);
        Assert.Equal([3, 2.5, 2, 1, 0.5], curve.Series("loss").Values);
        Assert.Equal([2.0], curve.Series("census").Steps);
        Assert.Equal(0.5, curve.Last("loss"));
        Assert.Throws<KeyNotFoundException>(() => curve.Series("EPE"));

        // the second redraw held the first four entries; the final chart holds all five
        var second = Json(drawn[1]).GetProperty("data");
        Assert.Equal([3, 2.5, 2, 1], Numbers(second[0].GetProperty("y")));
        var final = Json(curve.ToChart());
        var data = final.GetProperty("data");
        Assert.Equal(["loss", "psi", "census"], data.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([0, 1, 2, 3, 4], Numbers(data[0].GetProperty("x")));
        Assert.Equal([0, 1], Numbers(data[1].GetProperty("x")));
        Assert.Equal([0.75], Numbers(data[2].GetProperty("y")));
        Assert.Equal("stage 1", final.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("step", final.GetProperty("layout").GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());

        curve.Refresh();                                        // after the loop: the shown chart catches up
        Assert.Equal(3, drawn.Count);
        Assert.Equal(5, Json(drawn[2]).GetProperty("data")[0].GetProperty("y").GetArrayLength());
        Assert.Equal("LossCurve: 5 entries; loss 0.5; psi 1.5; census 0.75", curve.ToString());
    }

    [Fact]
    public void RedrawsNoMoreOftenThanTheMinimumInterval()
    {
        int drawn = 0;
        var curve = new LossCurve(updateEvery: 1, onUpdate: _ => drawn++, minInterval: TimeSpan.FromHours(1));
        for (int step = 0; step < 50; step++) curve.Add(step, ("loss", 1.0 / (step + 1)));
        Assert.Equal(0, drawn);                                 // an hour has not passed since the curve was made
        curve.Refresh();
        Assert.Equal((1, 1, 50), (drawn, curve.Updates, curve.Series("loss").Values.Count));
        Assert.Equal(TimeSpan.FromSeconds(1), new LossCurve().MinInterval);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LossCurve(minInterval: TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void ShowOutsideAKernelOnlyCollects()
    {
        var curve = LossCurve.Show("x", updateEvery: 1, logY: true, minInterval: TimeSpan.Zero);
        curve.Add(0, ("loss", 10));
        curve.Add(1, ("loss", 1));
        Assert.False(curve.IsShown);
        Assert.Equal(0, curve.Updates);
        var json = Json(curve.ToChart());
        Assert.Equal([10, 1], Numbers(json.GetProperty("data")[0].GetProperty("y")));
        Assert.Equal("log", json.GetProperty("layout").GetProperty("yaxis").GetProperty("type").GetString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LossCurve(updateEvery: 0));
    }

    [Fact]
    public void LinesWithTheirOwnStepsPerSeries()
    {
        var json = Json(Charts.Lines(new Dictionary<string, (IReadOnlyList<double>, IReadOnlyList<double>)>
        {
            ["train"] = ([0, 1, 2, 3], [4, 3, 2, 1]),
            ["held-out"] = ([0, 2], [5, 3]),
        }, "EPE", "step", "px"));
        var data = json.GetProperty("data");
        Assert.Equal([0, 2], Numbers(data[1].GetProperty("x")));
        Assert.Equal([5, 3], Numbers(data[1].GetProperty("y")));
        Assert.Throws<ArgumentException>(() => Charts.Lines(new Dictionary<string, (IReadOnlyList<double>, IReadOnlyList<double>)> { ["a"] = ([0, 1], [1]) }));
    }
}
