using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Imaging;

/// <summary>
/// Conversions between <see cref="Image"/> and tensors. Kit convention: images are <c>[3,H,W]</c> float32 RGB in
/// [0,1] (batched <c>[B,3,H,W]</c>); gray files are replicated to 3 channels and alpha is dropped.
/// </summary>
public static class ImageTensor
{
    /// <summary><c>[3,H,W]</c> float32 RGB in [0,1]: sample / 255 (8-bit) or / 65535 (16-bit); gray replicated, alpha dropped.</summary>
    public static Tensor ToTensor(this Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height, ch = image.Channels;
        long hw = (long)w * h;
        var dst = new float[3 * hw];
        float scale = 1f / image.MaxValue;
        int[] from = ch <= 2 ? [0, 0, 0] : [0, 1, 2];
        for (long p = 0; p < hw; p++)
            for (int c = 0; c < 3; c++)
                dst[c * hw + p] = image.Sample(p * ch + from[c]) * scale;
        return torch.tensor(dst, [3, h, w]);
    }

    /// <summary>
    /// <c>[C,H,W]</c> float32 holding the raw sample values (0..255 or 0..65535, exact), every channel kept: what the
    /// 16-bit KITTI flow and disparity PNGs need before their own decoding.
    /// </summary>
    public static Tensor ToRawTensor(this Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height, ch = image.Channels;
        long hw = (long)w * h;
        var dst = new float[ch * hw];
        for (long p = 0; p < hw; p++)
            for (int c = 0; c < ch; c++)
                dst[c * hw + p] = image.Sample(p * ch + c);
        return torch.tensor(dst, [ch, h, w]);
    }

    /// <summary>
    /// An 8-bit image from a float tensor in [0,1]: <c>[3,H,W]</c> → RGB, <c>[1,H,W]</c> or <c>[H,W]</c> → gray
    /// (a leading batch dimension of 1 is allowed). Values are clamped to [0,1] and rounded (v·255); NaN → 0.
    /// </summary>
    public static Image FromTensor(Tensor image)
    {
        var v = TensorPixels.ReadChw(image, nameof(image), out int c, out int h, out int w, allow2d: true);
        if (c is not (1 or 3)) throw new ArgumentException($"image tensor must have 1 or 3 channels, got [{string.Join(",", image.shape)}]");
        long hw = (long)w * h;
        var px = new byte[c * hw];
        for (long p = 0; p < hw; p++)
            for (int k = 0; k < c; k++)
                px[p * c + k] = ToByte(v[k * hw + p]);
        return Image.FromBytes(w, h, c, px);
    }

    /// <summary>PNG bytes of a float image tensor (see <see cref="FromTensor"/>).</summary>
    public static byte[] ToPng(Tensor image) => Png.Encode(FromTensor(image));

    internal static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);
}
