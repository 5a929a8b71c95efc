using System.Globalization;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>Side-by-side check of a warped image against its target: the photometric residual a flow leaves.</summary>
public static class WarpComparison
{
    /// <summary>
    /// A captioned row [target | warped | |warped − target|] as a <c>[3,H,W]</c> image. The difference panel is the
    /// mean absolute difference over RGB coloured with <see cref="Colormap.Hot"/> from 0 (black) to
    /// <paramref name="maxDifference"/> (white); pixels where <paramref name="valid"/> (<c>[1,H,W]</c>, e.g. the
    /// in-bounds mask returned by warping) is 0 are dark blue and left out of the mean written in the caption.
    /// Images are <c>[3,H,W]</c> float32 RGB in [0,1] of one size.
    /// </summary>
    public static Tensor Make(Tensor warped, Tensor target, Tensor? valid = null, double maxDifference = 0.5)
    {
        var a = TensorPixels.ReadChw(warped, nameof(warped), out int c1, out int h, out int w);
        var b = TensorPixels.ReadChw(target, nameof(target), out int c2, out int h2, out int w2);
        if (c1 != c2 || h != h2 || w != w2)
            throw new ArgumentException($"warped [{string.Join(",", warped.shape)}] and target [{string.Join(",", target.shape)}] must have one shape");
        var m = Colormaps.ReadMask(valid, h, w);
        long hw = (long)h * w;
        var diff = new float[hw];
        double sum = 0;
        long count = 0;
        for (long p = 0; p < hw; p++)
        {
            float d = 0;
            for (int c = 0; c < c1; c++) d += MathF.Abs(a[c * hw + p] - b[c * hw + p]);
            diff[p] = d / c1;
            if (m is null || m[p] > 0.5f)
            {
                sum += diff[p];
                count++;
            }
        }
        double mean = count == 0 ? double.NaN : sum / count;
        using var heat = Colormaps.Apply(diff, m, h, w, 0, maxDifference, Colormap.Hot, Colormaps.InvalidColor);
        var caption = "|DIFF| MEAN " + mean.ToString("0.0000", CultureInfo.InvariantCulture);
        return ImageGrid.Make([target, warped, heat], ["TARGET", "WARPED", caption]);
    }
}
