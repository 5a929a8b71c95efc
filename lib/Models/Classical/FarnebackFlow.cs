using System.Runtime.InteropServices;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Classical;

/// <summary>
/// OpenCV's Farnebäck dense flow (polynomial expansion, Farnebäck 2003) behind the kit's <see cref="IFlowModel"/>, so a
/// results table can show a classical method on the same pairs in the same run. Frames are converted to 8-bit grey
/// (<see cref="Losses.Grayscale"/>); the output follows the kit's conventions (u then v, pixels; forward maps frame 1 to
/// frame 2). Parameters default to the values commonly passed to <c>calcOpticalFlowFarneback</c>: pyramid scale 0.5,
/// 3 levels, window 15, 3 iterations, polynomial neighbourhood 5 with σ 1.2. CPU only; no weights, no gradient.
/// </summary>
public sealed class FarnebackFlow : ClassicalFlow
{
    public double PyramidScale { get; init; } = 0.5;
    public int Levels { get; init; } = 3;
    public int WindowSize { get; init; } = 15;
    public int Iterations { get; init; } = 3;
    public int PolyN { get; init; } = 5;
    public double PolySigma { get; init; } = 1.2;

    public override string Kind => "Farneback";

    protected override Tensor Estimate(Tensor image1, Tensor image2)
    {
        long b = image1.size(0), h = image1.size(2), w = image1.size(3);
        var result = new float[b * 2 * h * w];
        var plane = new float[2 * h * w];
        for (int k = 0; k < b; k++)
        {
            using var frame1 = image1.narrow(0, k, 1);
            using var frame2 = image2.narrow(0, k, 1);
            using var g1 = Grey(frame1);
            using var g2 = Grey(frame2);
            using var flow = new Mat();
            Cv2.CalcOpticalFlowFarneback(g1, g2, flow, PyramidScale, Levels, WindowSize, Iterations, PolyN, PolySigma, OpticalFlowFlags.None);
            using var continuous = flow.Clone();
            Marshal.Copy(continuous.Data, plane, 0, plane.Length);   // interleaved (u, v) per pixel
            long offset = k * 2 * h * w;
            for (long p = 0; p < h * w; p++)
            {
                result[offset + p] = plane[2 * p];
                result[offset + h * w + p] = plane[2 * p + 1];
            }
        }
        return torch.tensor(result, [b, 2, h, w]).to(image1.device);
    }

    /// <summary>One RGB image [1,3,H,W] in [0,1] as an 8-bit grey OpenCV matrix.</summary>
    static Mat Grey(Tensor rgb)
    {
        Transforms.NativeOpenCv.EnsureResolvable();
        using var scope = torch.NewDisposeScope();
        var grey = Losses.Grayscale.FromRgb(rgb).clamp(0, 1);
        var bytes = (grey * 255).round().to_type(ScalarType.Byte).contiguous().cpu().data<byte>().ToArray();
        return Mat.FromPixelData((int)rgb.size(2), (int)rgb.size(3), MatType.CV_8UC1, bytes);
    }
}
