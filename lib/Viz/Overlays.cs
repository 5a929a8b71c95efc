using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>Masks and confidences blended over an image (<c>[3,H,W]</c> float32 RGB in [0,1], or <c>[1,H,W]</c> gray).</summary>
public static class Overlays
{
    /// <summary>
    /// Tints the pixels of <paramref name="mask"/> (<c>[1,H,W]</c>, values in [0,1]) with <paramref name="color"/>:
    /// out = image·(1 − α·m) + color·α·m. Returns <c>[3,H,W]</c>.
    /// </summary>
    public static Tensor Mask(Tensor image, Tensor mask, Rgb color, float alpha = 0.6f)
    {
        var (img, h, w) = ReadRgb(image);
        var m = Colormaps.ReadMask(mask, h, w, nameof(mask))!;
        long hw = (long)h * w;
        var tint = new[] { color.R, color.G, color.B };
        for (long p = 0; p < hw; p++)
        {
            float a = alpha * Math.Clamp(m[p], 0f, 1f);
            for (int c = 0; c < 3; c++) img[c * hw + p] = img[c * hw + p] * (1 - a) + tint[c] * a;
        }
        return torch.tensor(img, [3, h, w]);
    }

    /// <summary>Occluded pixels (<paramref name="occ"/> <c>[1,H,W]</c>, 1 = occluded) tinted red (or <paramref name="color"/>).</summary>
    public static Tensor Occlusion(Tensor image, Tensor occ, Rgb? color = null, float alpha = 0.6f) =>
        Mask(image, occ, color ?? Rgb.Red, alpha);

    /// <summary>
    /// Blends <paramref name="confidence"/> (<c>[1,H,W]</c> in [0,1]) coloured with <see cref="Colormap.RedGreen"/>
    /// (red = 0, green = 1) over the image: out = (1 − α)·image + α·colour. Returns <c>[3,H,W]</c>.
    /// </summary>
    public static Tensor Confidence(Tensor image, Tensor confidence, float alpha = 0.5f)
    {
        var (img, h, w) = ReadRgb(image);
        var conf = Colormaps.ReadMask(confidence, h, w, nameof(confidence))!;
        long hw = (long)h * w;
        for (long p = 0; p < hw; p++)
        {
            var col = Colormaps.Color(Colormap.RedGreen, conf[p]);
            img[p] = (1 - alpha) * img[p] + alpha * col.R;
            img[hw + p] = (1 - alpha) * img[hw + p] + alpha * col.G;
            img[2 * hw + p] = (1 - alpha) * img[2 * hw + p] + alpha * col.B;
        }
        return torch.tensor(img, [3, h, w]);
    }

    static (float[] Rgb, int H, int W) ReadRgb(Tensor image)
    {
        var v = TensorPixels.ReadChw(image, nameof(image), out int c, out int h, out int w, allow2d: true);
        if (c == 3) return (v, h, w);
        if (c != 1) throw new ArgumentException($"image must have 1 or 3 channels, got [{string.Join(",", image.shape)}]");
        return ([.. v, .. v, .. v], h, w);
    }
}
