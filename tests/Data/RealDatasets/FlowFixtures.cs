using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Tests.Data.RealDatasets;

/// <summary>Writers of tiny dataset trees in the real datasets' exact file formats.</summary>
internal static class FlowFixtures
{
    /// <summary>A [3,H,W] image whose values are multiples of 1/255, so 8-bit files store it exactly; differs by <paramref name="seed"/>.</summary>
    public static Tensor Image(int h, int w, int seed)
    {
        var v = new float[3 * h * w];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    v[(c * h + y) * w + x] = ((x * 37 + y * 101 + c * 53 + seed * 19) % 256) * (1f / 255); // as the reader computes it
        return torch.tensor(v, [3, h, w]);
    }

    /// <summary>Writes <paramref name="image"/> as PNG, or as binary PPM (P6) when the path ends in .ppm (FlyingChairs).</summary>
    public static void WriteImage(string path, Tensor image)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (path.EndsWith(".ppm", StringComparison.Ordinal)) Ppm.Write(path, ImageTensor.FromTensor(image));
        else ImageIO.WriteTensor(path, image);
    }

    /// <summary>Writes frame <paramref name="seed"/> of size h×w at <paramref name="path"/>.</summary>
    public static void WriteFrame(string path, int h, int w, int seed)
    {
        using var image = Image(h, w, seed);
        WriteImage(path, image);
    }

    /// <summary>An affine flow [2,H,W]: u = a + b·x, v = c + d·y (multiples of 1/64 for integer inputs and quarter slopes).</summary>
    public static Tensor AffineFlow(int h, int w, float a, float b, float c, float d)
    {
        var f = new float[2 * h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                f[y * w + x] = a + b * x;
                f[h * w + y * w + x] = c + d * y;
            }
        return torch.tensor(f, [2, h, w]);
    }

    public static void WriteFlo(string path, Tensor flow, Tensor? valid = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        MiddleburyFlo.Write(path, flow, valid);
    }

    public static void WriteKitti(string path, Tensor flow, Tensor valid)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        KittiFlowPng.Write(path, flow, valid);
    }

    /// <summary>Writes a Sintel-style occlusion PNG: 8-bit gray, white (255) where <paramref name="occ"/> [1,H,W] is 1.</summary>
    public static void WriteOcclusion(string path, Tensor occ)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageIO.WriteTensor(path, occ);
    }

    /// <summary>A [1,H,W] mask from row-major values.</summary>
    public static Tensor Mask(int h, int w, params float[] values) => torch.tensor(values, [1, h, w]);
}
