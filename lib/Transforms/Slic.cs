using System.Runtime.InteropServices;
using OpenCvSharp;
using OpenCvSharp.XImgProc;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Transforms;

/// <summary>
/// SLIC superpixels (Achanta et al.: k-means in Lab colour + position with a compactness weight) through OpenCV's
/// ximgproc module (OpenCvSharp4 with its official Linux runtime). Labels are row-major int[H·W], 0 … count−1.
/// </summary>
public static class Slic
{
    static Slic() => NativeOpenCv.EnsureResolvable();

    /// <summary>
    /// Segments an RGB image [3,H,W] float in [0,1] into about <paramref name="segments"/> superpixels (region size
    /// √(H·W / segments) pixels, <paramref name="compactness"/> = OpenCV's ruler, 10 iterations, connectivity enforced).
    /// </summary>
    public static int[] Segment(Tensor image, int segments = 200, float compactness = 10f)
    {
        if (image.dim() != 3 || image.size(0) != 3)
            throw new ArgumentException($"Slic.Segment: expected an RGB image [3,H,W], got [{string.Join(",", image.shape)}]");
        if (segments < 1) throw new ArgumentException($"Slic.Segment: segments must be at least 1, got {segments}");
        int h = (int)image.size(1), w = (int)image.size(2);
        byte[] rgb;
        using (var hwc = (image.detach().clamp(0, 1) * 255).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().cpu())
            rgb = hwc.data<byte>().ToArray();
        using var mat = Mat.FromPixelData(h, w, MatType.CV_8UC3, rgb);
        using var lab = new Mat();
        Cv2.CvtColor(mat, lab, ColorConversionCodes.RGB2Lab);
        int region = Math.Max(2, (int)Math.Round(Math.Sqrt((double)h * w / segments)));
        using var slic = SuperpixelSLIC.Create(lab, SLICType.SLIC, region, compactness);
        slic.Iterate(10);
        slic.EnforceLabelConnectivity(25);
        using var labels = new Mat();
        slic.GetLabels(labels);
        var result = new int[h * w];
        using var continuous = labels.Clone();   // a clone is always continuous
        Marshal.Copy(continuous.Data, result, 0, h * w);
        return result;
    }

    /// <summary>1 on pixels whose right or lower neighbour has another label (segment boundaries), [1,H,W] float32.</summary>
    public static Tensor Boundaries(int[] labels, int height, int width)
    {
        var edge = new float[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                if ((x + 1 < width && labels[p + 1] != labels[p]) || (y + 1 < height && labels[p + width] != labels[p])) edge[p] = 1;
            }
        return torch.tensor(edge, [1, height, width]);
    }
}

/// <summary>OpenCvSharp's native library found beside Lib.dll (a notebook kernel has no deps.json to find it).</summary>
static class NativeOpenCv
{
    static int _done;

    public static void EnsureResolvable()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        var file = Path.Combine(Runtime.TorchRuntime.LibraryFolder, "libOpenCvSharpExtern.so");
        if (!File.Exists(file)) return;   // an app with deps.json finds it under runtimes/
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Mat).Assembly,
                (name, _, _) => name.Contains("OpenCvSharpExtern") ? NativeLibrary.Load(file) : IntPtr.Zero);
        }
        catch (InvalidOperationException) { }   // someone set a resolver first: theirs applies
    }
}
