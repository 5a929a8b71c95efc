using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>Per-pixel error images for flow predictions.</summary>
public static class ErrorMaps
{
    /// <summary>
    /// Per-pixel endpoint error ‖w_pred − w_gt‖₂ of two flows <c>[2,H,W]</c> (channel 0 = u/x, 1 = v/y, pixels), as
    /// <c>[1,H,W]</c> float32.
    /// </summary>
    public static Tensor EpeMap(Tensor flowPred, Tensor flowGt)
    {
        var (e, h, w) = EpeValues(flowPred, flowGt);
        return torch.tensor(e, [1, h, w]);
    }

    /// <summary>
    /// EPE heatmap <c>[3,H,W]</c> float32: the endpoint error coloured with <see cref="Colormap.Hot"/> from 0 (black) to
    /// <paramref name="maxError"/> pixels (white; larger errors saturate). By default the maximum is the largest valid
    /// error, so give a fixed value to compare images or models. Pixels where <paramref name="valid"/>
    /// (<c>[1,H,W]</c>, 1 = ground truth known) is 0 are dark blue (<see cref="Colormaps.InvalidColor"/>).
    /// </summary>
    public static Tensor EpeHeatmap(Tensor flowPred, Tensor flowGt, Tensor? valid = null, double? maxError = null)
    {
        var (e, h, w) = EpeValues(flowPred, flowGt);
        var m = Colormaps.ReadMask(valid, h, w);
        double max = maxError ?? LargestValid(e, m);
        if (!(max > 0)) max = 1;
        return Colormaps.Apply(e, m, h, w, 0, max, Colormap.Hot, Colormaps.InvalidColor);
    }

    static (float[] Values, int H, int W) EpeValues(Tensor flowPred, Tensor flowGt)
    {
        var a = TensorPixels.ReadChw(flowPred, nameof(flowPred), out int c1, out int h, out int w);
        var b = TensorPixels.ReadChw(flowGt, nameof(flowGt), out int c2, out int h2, out int w2);
        if (c1 != 2 || c2 != 2 || h != h2 || w != w2)
            throw new ArgumentException($"flows must both be [2,H,W] of one size, got [{string.Join(",", flowPred.shape)}] and [{string.Join(",", flowGt.shape)}]");
        long hw = (long)h * w;
        var e = new float[hw];
        for (long p = 0; p < hw; p++)
        {
            float du = a[p] - b[p], dv = a[hw + p] - b[hw + p];
            e[p] = MathF.Sqrt(du * du + dv * dv);
        }
        return (e, h, w);
    }

    internal static double LargestValid(float[] e, float[]? valid)
    {
        double max = 0;
        for (long p = 0; p < e.LongLength; p++)
            if ((valid is null || valid[p] > 0.5f) && float.IsFinite(e[p])) max = Math.Max(max, e[p]);
        return max;
    }
}
