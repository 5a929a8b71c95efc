using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Formats;

/// <summary>
/// KITTI 2012/2015 flow ground truth: a 16-bit RGB PNG with u = (R − 2^15) / 64, v = (G − 2^15) / 64 (pixels) and
/// B = 1 where the flow is known (any B &gt; 0 reads as valid). Tensors: flow <c>[2,H,W]</c> (channel 0 = u/x, channel 1
/// = v/y, pixels, forward flow; 0 where invalid) and valid <c>[1,H,W]</c> in {0,1}. Writing rounds to 1/64 pixel and
/// clamps to the representable range [−512, 512); invalid pixels are written as (0, 0, 0).
/// </summary>
public static class KittiFlowPng
{
    const double Offset = 32768.0, Scale = 64.0;

    /// <summary>Reads a KITTI flow PNG; <see cref="NotSupportedException"/> when it is not 16-bit RGB.</summary>
    public static FlowWithValid Read(string path) => FromImage(Png.Read(path), path);

    /// <summary>Decodes a KITTI flow image already read as PNG; <paramref name="source"/> names it in errors.</summary>
    public static FlowWithValid FromImage(Image image, string source = "<memory>")
    {
        if (image.BitDepth != 16 || image.Channels != 3)
            throw new NotSupportedException($"{source}: unsupported KITTI flow PNG variant ({image}); KITTI flow files are 16-bit RGB");
        long hw = (long)image.Width * image.Height;
        var px = image.Pixels16!;
        var flow = new float[2 * hw];
        var valid = new float[hw];
        for (long p = 0; p < hw; p++)
        {
            if (px[3 * p + 2] == 0) continue;
            flow[p] = (float)((px[3 * p] - Offset) / Scale);
            flow[hw + p] = (float)((px[3 * p + 1] - Offset) / Scale);
            valid[p] = 1f;
        }
        return new FlowWithValid(torch.tensor(flow, [2, image.Height, image.Width]), torch.tensor(valid, [1, image.Height, image.Width]));
    }

    /// <summary>Writes <paramref name="flow"/> <c>[2,H,W]</c> (pixels) with <paramref name="valid"/> <c>[1,H,W]</c> (default: valid where finite).</summary>
    public static void Write(string path, Tensor flow, Tensor? valid = null) => Png.Write(path, ToImage(flow, valid));

    /// <summary>The 16-bit RGB image <see cref="Write"/> stores.</summary>
    public static Image ToImage(Tensor flow, Tensor? valid = null)
    {
        var (f, m, h, w) = FlowFile.ReadForWriting(flow, valid);
        long hw = (long)w * h;
        var px = new ushort[3 * hw];
        for (long p = 0; p < hw; p++)
        {
            float u = f[p], v = f[hw + p];
            if ((m is not null && m[p] <= 0.5f) || !float.IsFinite(u) || !float.IsFinite(v)) continue;
            px[3 * p] = Encode(u);
            px[3 * p + 1] = Encode(v);
            px[3 * p + 2] = 1;
        }
        return Image.FromUInt16(w, h, 3, px);
    }

    static ushort Encode(float x) => (ushort)Math.Clamp(Math.Round(x * Scale + Offset, MidpointRounding.AwayFromZero), 0, 65535);
}
