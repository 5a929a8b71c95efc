using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>Colour maps for scalar fields.</summary>
public enum Colormap
{
    /// <summary>Black (0) to white (1).</summary>
    Gray,

    /// <summary>Black → red → yellow → white: r = 3t, g = 3t − 1, b = 3t − 2, each clamped to [0,1].</summary>
    Hot,

    /// <summary>Red (0) → yellow (0.5) → green (1): r = 2(1 − t), g = 2t, clamped; for confidences.</summary>
    RedGreen,
}

/// <summary>Maps scalar fields to RGB images.</summary>
public static class Colormaps
{
    /// <summary>The colour of <paramref name="t"/> ∈ [0,1] (clamped; NaN → 0) under <paramref name="map"/>.</summary>
    public static Rgb Color(Colormap map, float t)
    {
        t = float.IsNaN(t) ? 0 : Math.Clamp(t, 0f, 1f);
        return map switch
        {
            Colormap.Gray => new Rgb(t, t, t),
            Colormap.Hot => new Rgb(Math.Clamp(3 * t, 0, 1), Math.Clamp(3 * t - 1, 0, 1), Math.Clamp(3 * t - 2, 0, 1)),
            Colormap.RedGreen => new Rgb(Math.Clamp(2 * (1 - t), 0, 1), Math.Clamp(2 * t, 0, 1), 0),
            _ => throw new ArgumentOutOfRangeException(nameof(map), map, null),
        };
    }

    /// <summary>
    /// Colours a scalar field <paramref name="values"/> (<c>[1,H,W]</c> or <c>[H,W]</c>) mapped linearly from
    /// [<paramref name="min"/>, <paramref name="max"/>] to [0,1] into a <c>[3,H,W]</c> float32 image. Pixels where
    /// <paramref name="valid"/> (<c>[1,H,W]</c>) is 0 or the value is not finite get <paramref name="invalidColor"/>.
    /// </summary>
    public static Tensor Apply(Tensor values, double min, double max, Colormap map = Colormap.Hot, Tensor? valid = null, Rgb? invalidColor = null)
    {
        var v = TensorPixels.ReadChw(values, nameof(values), out int c, out int h, out int w, allow2d: true);
        if (c != 1) throw new ArgumentException($"values must be [1,H,W] or [H,W], got [{string.Join(",", values.shape)}]");
        var m = ReadMask(valid, h, w);
        return Apply(v, m, h, w, min, max, map, invalidColor ?? InvalidColor);
    }

    /// <summary>The default colour of pixels without a value: dark blue, which none of the maps use.</summary>
    public static readonly Rgb InvalidColor = new(0, 0, 0.5f);

    internal static Tensor Apply(float[] v, float[]? valid, int h, int w, double min, double max, Colormap map, Rgb invalid)
    {
        if (!(max > min)) max = min + 1;
        var canvas = new float[3L * h * w];
        long hw = (long)h * w;
        for (long p = 0; p < hw; p++)
        {
            var col = (valid is not null && valid[p] <= 0.5f) || !float.IsFinite(v[p])
                ? invalid
                : Color(map, (float)((v[p] - min) / (max - min)));
            canvas[p] = col.R;
            canvas[hw + p] = col.G;
            canvas[2 * hw + p] = col.B;
        }
        return torch.tensor(canvas, [3, h, w]);
    }

    internal static float[]? ReadMask(Tensor? mask, int h, int w, string what = "valid")
    {
        if (mask is null) return null;
        var m = TensorPixels.ReadChw(mask, what, out int c, out int mh, out int mw, allow2d: true);
        if (c != 1 || mh != h || mw != w) throw new ArgumentException($"{what} must be [1,{h},{w}], got [{string.Join(",", mask.shape)}]");
        return m;
    }
}
