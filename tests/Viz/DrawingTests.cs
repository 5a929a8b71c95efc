using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Viz;
using Xunit;

namespace DistillKit.Tests.Viz;

public class DrawingTests
{
    [Fact]
    public void FontDrawsTheDigitOneWhereTheGlyphSaysSo()
    {
        // '1' = 00100 / 01100 / 00100 x4 / 01110
        var c = new Canvas(7, 9, Rgb.Black);
        c.DrawText("1", 1, 1, Rgb.White);
        Assert.Equal(Rgb.White, c[3, 1]);   // row 0, column 2
        Assert.Equal(Rgb.Black, c[1, 1]);   // row 0, column 0
        Assert.Equal(Rgb.White, c[2, 2]);   // row 1, column 1
        Assert.Equal(Rgb.White, c[2, 7]);   // row 6, columns 1..3
        Assert.Equal(Rgb.White, c[4, 7]);
        Assert.Equal(Rgb.Black, c[5, 7]);
        Assert.Equal(Rgb.Black, c[0, 0]);
        int lit = 0;
        for (int y = 0; y < 9; y++) for (int x = 0; x < 7; x++) if (c[x, y] == Rgb.White) lit++;
        Assert.Equal(1 + 2 + 4 + 3, lit);
    }

    [Fact]
    public void FontMeasuresAndMapsLowerCaseAndUnknownCharacters()
    {
        Assert.Equal((3 * 6 - 1, 7), BitmapFont.Measure("EPE"));
        Assert.Equal((2 * (3 * 6 - 1), 2 * (9 + 7)), BitmapFont.Measure("ab\ncde", 2));
        for (int r = 0; r < 7; r++)
            for (int col = 0; col < 5; col++)
            {
                Assert.Equal(BitmapFont.IsSet('A', col, r), BitmapFont.IsSet('a', col, r));
                Assert.Equal(BitmapFont.IsSet('?', col, r), BitmapFont.IsSet('µ', col, r));
            }
    }

    [Fact]
    public void GridPlacesImagesAndCaptions()
    {
        using var red = torch.zeros(3, 4, 5);
        red[0] = torch.ones(4, 5);
        using var gray = torch.full([1, 2, 3], 0.5);
        using var grid = ImageGrid.Make([red, gray], ["A", "B"], columns: 2, padding: 2);
        // cells 5x4 (largest), caption strip 7 + 3 = 10 px: width 2 + 2 * (5 + 2) = 16, height 2 + (10 + 4 + 2) = 18
        Assert.Equal(new long[] { 3, 18, 16 }, grid.shape);
        var c = Canvas.FromTensor(grid);
        Assert.Equal(Rgb.Red, c[2, 12]);                         // first image under its caption
        Assert.Equal(new Rgb(0.5f, 0.5f, 0.5f), c[9, 12]);       // gray image replicated to RGB
        Assert.Equal(Rgb.White, c[9 + 3, 12]);                   // right of the 3-pixel-wide gray image: background
        Assert.Equal(Rgb.Black, c[2 + 2, 2]);                    // top of the 'A' glyph (01110)
    }

    [Fact]
    public void LongCaptionsAreCut()
    {
        Assert.Equal("ABCD..", ImageGrid.FitCaption("ABCDEFGHIJ", 6 * 6 - 1, 1));
        Assert.Equal("ABC", ImageGrid.FitCaption("ABC", 100, 1));
    }

    [Fact]
    public void OcclusionOverlayBlendsOnlyMaskedPixels()
    {
        using var img = torch.full([3, 1, 2], 0.5);
        using var occ = torch.tensor(new float[] { 0, 1 }, [1, 1, 2]);
        using var o = Overlays.Occlusion(img, occ, Rgb.Red, alpha: 0.5f);
        // pixel 0 unchanged; pixel 1: 0.5 * 0.5 + 0.5 * (1, 0, 0) = (0.75, 0.25, 0.25)
        Assert.Equal(new float[] { 0.5f, 0.75f, 0.5f, 0.25f, 0.5f, 0.25f }, o.data<float>().ToArray());
    }

    [Fact]
    public void ConfidenceOverlayUsesRedForZeroAndGreenForOne()
    {
        using var img = torch.zeros(3, 1, 2);
        using var conf = torch.tensor(new float[] { 0, 1 }, [1, 1, 2]);
        using var o = Overlays.Confidence(img, conf, alpha: 1f);
        Assert.Equal(new float[] { 1, 0, 0, 1, 0, 0 }, o.data<float>().ToArray());
    }

    [Fact]
    public void EpeHeatmapRunsBlackToWhiteAndMarksInvalid()
    {
        // errors: 0, 5 (3-4-5 triangle), 10 (clamped at maxError 5), invalid
        using var gt = torch.zeros(2, 1, 4);
        using var pred = torch.tensor(new float[] { 0, 3, 6, 1, 0, 4, 8, 1 }, [2, 1, 4]);
        using var valid = torch.tensor(new float[] { 1, 1, 1, 0 }, [1, 1, 4]);
        using var epe = ErrorMaps.EpeMap(pred, gt);
        Assert.Equal(new float[] { 0, 5, 10, MathF.Sqrt(2) }, epe.data<float>().ToArray());
        using var heat = ErrorMaps.EpeHeatmap(pred, gt, valid, maxError: 5);
        var c = Canvas.FromTensor(heat);
        Assert.Equal(Rgb.Black, c[0, 0]);
        Assert.Equal(Rgb.White, c[1, 0]);
        Assert.Equal(Rgb.White, c[2, 0]);
        Assert.Equal(Colormaps.InvalidColor, c[3, 0]);
        Assert.Equal(new Rgb(1, 0.5f, 0), Colormaps.Color(Colormap.Hot, 0.5f)); // hot: r = 1.5 -> 1, g = 0.5, b = -0.5 -> 0
    }

    [Fact]
    public void KeypointMatchLinesAreGreenWhenCorrectAndRedWhenWrong()
    {
        using var a = torch.zeros(3, 20, 10);
        using var b = torch.zeros(3, 20, 10);
        // two matches along rows 4 and 14; image 2 starts at x = 10 + 4 (gap 4)
        using var src = torch.tensor(new float[] { 2, 4, 2, 14 }, [2, 2]);
        using var pred = torch.tensor(new float[] { 6, 4, 6, 14 }, [2, 2]);
        using var target = torch.tensor(new float[] { 7, 4, 6, 4 }, [2, 2]); // 1 px off (correct), 10 px off (wrong)
        using var plot = KeypointMatches.Plot(a, b, src, pred, target, 3, 4, 1, out int correct, out int judged);
        Assert.Equal(new long[] { 3, 20, 24 }, plot.shape);
        Assert.Equal((1, 2), (correct, judged));
        var c = Canvas.FromTensor(plot);
        Assert.Equal(KeypointMatches.Correct, c[12, 4]);   // in the gap, on the first line
        Assert.Equal(KeypointMatches.Wrong, c[12, 14]);
        Assert.Equal(Rgb.White, c[12, 9]);                 // gap background between the lines
        Assert.Equal(Rgb.Black, c[5, 9]);                  // image 1 untouched away from the lines
    }

    [Fact]
    public void InvalidKeypointsAreSkipped()
    {
        using var a = torch.zeros(3, 8, 8);
        using var src = torch.tensor(new float[] { 1, 1, float.NaN, 2 }, [2, 2]);
        using var pred = torch.tensor(new float[] { 1, 1, 3, 3 }, [2, 2]);
        using var target = torch.tensor(new float[] { 1, 1, 3, 3 }, [2, 2]);
        using var plot = KeypointMatches.Plot(a, a, src, pred, target, 1, 0, 1, out int correct, out int judged);
        Assert.Equal((1, 1), (correct, judged));
    }

    [Fact]
    public void WarpComparisonShowsThreeCaptionedPanels()
    {
        using var target = torch.full([3, 6, 6], 0.25);
        using var warped = torch.full([3, 6, 6], 0.75); // |diff| 0.5 everywhere -> white at maxDifference 0.5
        using var cmp = WarpComparison.Make(warped, target, maxDifference: 0.5);
        // grid: padding 4, cells 6x6, caption strip 10: width 4 + 3 * 10 = 34... the caption is cut to the cell
        Assert.Equal(new long[] { 3, 4 + 10 + 6 + 4, 4 + 3 * (6 + 4) }, cmp.shape);
        var c = Canvas.FromTensor(cmp);
        Assert.Equal(new Rgb(0.25f, 0.25f, 0.25f), c[4, 14]);
        Assert.Equal(new Rgb(0.75f, 0.75f, 0.75f), c[14, 14]);
        Assert.Equal(Rgb.White, c[24, 14]);
    }
}
