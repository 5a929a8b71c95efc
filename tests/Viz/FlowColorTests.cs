using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Viz;
using Xunit;

namespace DistillKit.Tests.Viz;

public class FlowColorTests
{
    static void AssertColour(Rgb expected, Rgb actual, string what)
    {
        Assert.True(Math.Abs(expected.R - actual.R) < 1e-5 && Math.Abs(expected.G - actual.G) < 1e-5 && Math.Abs(expected.B - actual.B) < 1e-5,
            $"{what}: expected {expected}, got {actual}");
    }

    [Fact]
    public void WheelHasTheBakerSegments()
    {
        var w = FlowColors.Wheel;
        Assert.Equal(15 + 6 + 4 + 11 + 13 + 6, w.Count);
        AssertColour(Rgb.Red, w[0], "start of RY");
        AssertColour(new Rgb(1, 1, 0), w[15], "start of YG (yellow)");
        AssertColour(new Rgb(0, 1, 0), w[21], "start of GC (green)");
        AssertColour(new Rgb(0, 1, 1), w[25], "start of CB (cyan)");
        AssertColour(new Rgb(0, 0, 1), w[36], "start of BM (blue)");
        AssertColour(new Rgb(1, 0, 1), w[49], "start of MR (magenta)");
        AssertColour(new Rgb(1, 17 / 255f, 0), w[1], "RY step 1: floor(255/15) = 17");
    }

    [Fact]
    public void HandComputedDirections()
    {
        // +u at the maximum: angle atan2(-0, -1)/pi = -1 -> wheel position 0 = pure red
        AssertColour(Rgb.Red, FlowColors.ColorOf(4, 0, 4), "+u");
        // zero flow: white
        AssertColour(Rgb.White, FlowColors.ColorOf(0, 0, 4), "zero");
        // +v (down): angle -1/2 -> position 13.5, halfway between RY 13 (255,221,0) and RY 14 (255,238,0)
        AssertColour(new Rgb(1, 229.5f / 255, 0), FlowColors.ColorOf(0, 4, 4), "+v");
        // -u: angle -0 -> position 27 = CB step 2: (0, 255 - floor(510/11) = 209, 255)
        AssertColour(new Rgb(0, 209 / 255f, 1), FlowColors.ColorOf(-4, 0, 4), "-u");
        // -v (up): angle 1/2 -> position 40.5, between BM 4 (78,0,255) and BM 5 (98,0,255)
        AssertColour(new Rgb(88 / 255f, 0, 1), FlowColors.ColorOf(0, -4, 4), "-v");
        // half the maximum magnitude: 1 - 0.5 * (1 - red) = (1, 0.5, 0.5)
        AssertColour(new Rgb(1, 0.5f, 0.5f), FlowColors.ColorOf(2, 0, 4), "+u at half magnitude");
        // beyond the maximum: the wheel colour times 0.75
        AssertColour(new Rgb(0.75f, 0, 0), FlowColors.ColorOf(8, 0, 4), "+u at twice the maximum");
    }

    [Fact]
    public void TensorCodingGivesRedAndWhiteAsBytes()
    {
        // 3 pixels: +u 5 px (the largest: full red), zero (white), unknown (black through the mask)
        using var flow = torch.tensor(new float[] { 5, 0, 1, 0, 0, 1 }, [2, 1, 3]);
        using var valid = torch.tensor(new float[] { 1, 1, 0 }, [1, 1, 3]);
        using var rgb = FlowColors.ToColor(flow, valid: valid);
        Assert.Equal(new long[] { 3, 1, 3 }, rgb.shape);
        var img = ImageTensor.FromTensor(rgb);
        Assert.Equal(new byte[] { 255, 0, 0, 255, 255, 255, 0, 0, 0 }, img.Pixels8);
    }

    [Fact]
    public void FixedMaximumGivesFramesOneScale()
    {
        using var small = torch.tensor(new float[] { 2, 0 }, [2, 1, 1]);
        using var large = torch.tensor(new float[] { 4, 0 }, [2, 1, 1]);
        using var ownScale = FlowColors.ToColor(small);
        using var shared = FlowColors.ToColor(small, maxMagnitude: 4);
        using var sharedLarge = FlowColors.ToColor(large, maxMagnitude: 4);
        Assert.Equal(new float[] { 1, 0, 0 }, ownScale.data<float>().ToArray());        // its own maximum: saturated
        Assert.Equal(new float[] { 1, 0.5f, 0.5f }, shared.data<float>().ToArray());    // half of the shared maximum
        Assert.Equal(new float[] { 1, 0, 0 }, sharedLarge.data<float>().ToArray());
    }

    [Fact]
    public void BatchesAreColouredPerImage()
    {
        using var flow = torch.tensor(new float[] { 1, 0, -1, 0 }, [2, 2, 1, 1]);
        using var rgb = FlowColors.ToColor(flow, maxMagnitude: 1);
        Assert.Equal(new long[] { 2, 3, 1, 1 }, rgb.shape);
        var v = rgb.data<float>().ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f }, v[..3]);
        Assert.Equal(209 / 255f, v[4], 5);
    }

    [Fact]
    public void LegendIsWhiteAtTheCentreAndRedOnTheRight()
    {
        using var legend = FlowColors.Legend(21);
        var c = Canvas.FromTensor(legend);
        AssertColour(Rgb.White, c[10, 10], "centre");
        AssertColour(Rgb.Red, c[20, 10], "right rim (+u at the maximum)");
        AssertColour(Rgb.White, c[0, 0], "corner outside the disc");
        AssertColour(FlowColors.ColorOf(0, 1, 1), c[10, 20], "bottom rim (+v)");
    }
}
