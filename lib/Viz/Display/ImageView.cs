using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Display;

/// <summary>
/// An image to show in a notebook (formatted as <c>image/png</c>, plus an HTML figure with the caption). The pixels
/// are copied to an 8-bit <see cref="Imaging.Image"/> at construction, so the source tensor may be disposed afterwards.
/// <see cref="Scale"/> enlarges small images by pixel repetition (nearest neighbour) so that smoke-preset images stay
/// visible.
/// </summary>
[TypeFormatterSource(typeof(ImageFormatterSource))]
public sealed class ImageView
{
    /// <summary>Shows a <c>[3,H,W]</c> or <c>[1,H,W]</c> float tensor in [0,1] (values clamped).</summary>
    public ImageView(Tensor image, string? caption = null, int scale = 1) : this(ImageTensor.FromTensor(image), caption, scale) { }

    /// <summary>Shows a decoded image (16-bit images are shown reduced to 8 bits).</summary>
    public ImageView(Image image, string? caption = null, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (scale < 1 || scale > 64) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be 1..64, got {scale}");
        Image = Enlarge(image.BitDepth == 8 ? image : image.To8Bit(), scale);
        Caption = caption;
        Scale = scale;
    }

    /// <summary>The pixels shown (already enlarged by <see cref="Scale"/>).</summary>
    public Image Image { get; }

    public string? Caption { get; }
    public int Scale { get; }

    /// <summary>The PNG bytes shown.</summary>
    public byte[] ToPng() => Png.Encode(Image);

    public override string ToString() => $"ImageView {Image.Width}x{Image.Height}{(Caption is null ? "" : ": " + Caption)}";

    static Image Enlarge(Image image, int scale)
    {
        if (scale == 1) return image;
        int w = image.Width * scale, h = image.Height * scale, c = image.Channels;
        var src = image.Pixels8!;
        var dst = new byte[(long)w * h * c];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Array.Copy(src, ((long)(y / scale) * image.Width + x / scale) * c, dst, ((long)y * w + x) * c, c);
        return Image.FromBytes(w, h, c, dst);
    }
}
