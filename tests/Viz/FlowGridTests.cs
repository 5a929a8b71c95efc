using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using System.Reflection;
using DistillKit.Imaging;
using DistillKit.Viz;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DistillKit.Tests.Viz;

/// <summary>Flow grids: layout, shared colour scales and the pixels of every kind of panel, computed by hand.</summary>
public class FlowGridTests
{
    // 5x4 panels; ImageGrid: padding 4, caption strip 7 + 3 px; panel (column c, row r) starts at x = 4 + 9c, y = 4 + 18r + 10
    static (int X, int Y) Panel(int column, int row) => (4 + 9 * column, 14 + 18 * row);

    static Tensor Uniform(int batch, params float[] perChannel)
    {
        var t = torch.zeros(batch, perChannel.Length, 4, 5);
        for (int c = 0; c < perChannel.Length; c++) t[.., c] = torch.tensor(perChannel[c]);
        return t;
    }

    [Fact]
    public void PredictionsShareTheTrueFlowScaleAndShowErrorAndOcclusion()
    {
        using var frames = Uniform(2, 0, 1, 0);              // green
        using var truth = Uniform(2, 2, 0);                  // +u, 2 px: the rim colour, red
        using var estimate = Uniform(2, 1, 0);               // +u, 1 px: half-way to white on the true scale
        using var occ = Uniform(2, 1);                       // all occluded: white
        var grid = FlowGrid.Predictions(frames, truth, estimate, occGt: occ, maxError: 2, rows: 3);
        Assert.Equal(2, grid.Rows);                          // the batch has 2 samples, fewer than the 3 allowed
        Assert.Equal(["frame 1", "truth", "estimate", "EPE", "true occ"], grid.Names);
        Assert.Equal(2.0, grid.FlowScale(1));
        using var image = grid.ToTensor();
        Assert.Equal(new long[] { 3, 4 + 2 * 18, 4 + 5 * 9 }, image.shape);
        var c = Canvas.FromTensor(image);
        Rgb At(int column, int row) { var (x, y) = Panel(column, row); return c[x + 2, y + 1]; }
        Assert.Equal(Rgb.Green, At(0, 1));
        Assert.Equal(Rgb.Red, At(1, 0));
        Assert.Equal(new Rgb(1, 0.5f, 0.5f), At(2, 1));      // |w| / rim = 0.5: 1 − 0.5·(1 − red)
        Assert.Equal(new Rgb(1, 0.5f, 0), At(3, 0));         // EPE 1 of 2 on the hot scale: (3t, 3t − 1, 3t − 2) clamped
        Assert.Equal(Rgb.White, At(4, 1));
        Assert.Equal(FlowGrid.Background, c[Panel(4, 0).X + 5, Panel(4, 0).Y]);   // padding right of the last panel
        Assert.Equal(Rgb.Black, c[Panel(1, 0).X + 2, Panel(1, 0).Y - 10]);        // top of the 'T' of "truth"

        var view = grid.ToView();                            // shown enlarged twice by default
        Assert.Equal((2 * 49, 2 * 40), (view.Image.Width, view.Image.Height));
    }

    [Fact]
    public void FlowPanelsUseTheirOwnScaleWhenFirstOrGivenOne()
    {
        using var flow = torch.tensor(new float[] { 0, 0, 0, 4, 0, 0, 0, 0 }, [1, 2, 2, 2]);   // one pixel moves +u 4 px
        var grid = new FlowGrid(scale: 1).Flow("own", flow).Flow("rim 8", flow, maxMagnitude: 8);
        Assert.Equal(4.0, grid.FlowScale(0));
        var c = Canvas.FromTensor(grid.ToTensor());
        Assert.Equal(Rgb.Red, c[4 + 1, 14 + 1]);                     // pixel (1, 1) of panel 0 at the rim
        Assert.Equal(new Rgb(1, 0.5f, 0.5f), c[4 + 6 + 1, 14 + 1]);    // panel 1 (cells 2 px wide: x = 4 + 6) at half the rim
        Assert.Equal(Rgb.White, c[4, 14]);                           // zero flow is white, on the gray background
        Assert.Equal(FlowGrid.Background, c[3, 14]);
    }

    [Fact]
    public void OneSampleIsOneRowAndPairsListFramesFlowAndOcclusion()
    {
        using var frame = torch.full(3, 4, 5, 0.25f);
        using var flow = torch.zeros(2, 4, 5);
        var grid = FlowGrid.Pairs(frame, frame, flow, torch.zeros(1, 4, 5), scale: 3);
        Assert.Equal(1, grid.Rows);
        Assert.Equal(["frame 1", "frame 2", "flow", "occluded"], grid.Names);
        Assert.Equal("FlowGrid 1x4: frame 1, frame 2, flow, occluded", grid.ToString());
        var view = grid.ToView();
        Assert.Equal((3 * (4 + 4 * 9), 3 * (4 + 18)), (view.Image.Width, view.Image.Height));
        Assert.Equal(3, FlowGrid.Pairs(frame.expand(5, -1, -1, -1), frame.expand(5, -1, -1, -1), flow.expand(5, -1, -1, -1)).Rows);
        using var prediction = torch.ones(2, 4, 5, requires_grad: true);   // straight from a model
        var grid2 = new FlowGrid().Flow("net", prediction * 2);
        Assert.Equal(2.0 * Math.Sqrt(2), grid2.FlowScale(0)!.Value, 5);
    }

    [Fact]
    public void PanelsAreCheckedWithTheirNames()
    {
        using var frames = torch.zeros(2, 3, 4, 5);
        var grid = new FlowGrid(rows: 2).Image("frame", frames);
        var e = Assert.Throws<ArgumentException>(() => grid.Flow("flow", torch.zeros(2, 3, 4, 5)));
        Assert.Contains("panel 'flow': flows must be [2,H,W]", e.Message);
        e = Assert.Throws<ArgumentException>(() => grid.Mask("occ", torch.zeros(1, 1, 4, 5)));
        Assert.Contains("panel 'occ' has 1 samples for a grid of 2 rows", e.Message);
        Assert.Throws<InvalidOperationException>(() => new FlowGrid().ToTensor());
    }

    [Fact]
    public void ShowsAsAnEnlargedPng()
    {
        using var frame = torch.ones(3, 4, 5);
        var grid = new FlowGrid(scale: 2).Image("a", frame);
        var attr = typeof(FlowGrid).GetCustomAttribute<TypeFormatterSourceAttribute>()!;
        var formatters = ((IEnumerable<object>)attr.FormatterSourceType.GetMethod("CreateTypeFormatters")!
            .Invoke(Activator.CreateInstance(attr.FormatterSourceType), null)!).Cast<TypeFormatter>();
        var png = formatters.First(f => f.MimeType == "image/png" && f.Type == typeof(FlowGrid));
        var w = new StringWriter();
        Assert.True(png.Format(grid, w));
        var shown = Png.Decode(Convert.FromBase64String(w.ToString()));
        Assert.Equal((2 * 13, 2 * 22), (shown.Width, shown.Height));
        Assert.Equal(["image/png", "text/plain"], KitFormatters.PreferredMimeTypes[typeof(FlowGrid)]);
    }
}
