using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Losses;

/// <summary>How the soft Hamming distance combines the neighbours of a census window.</summary>
public enum HammingReduction
{
    /// <summary>Σ over the K² neighbours (DDFlow / UFlow census).</summary>
    Sum,

    /// <summary>Mean over the K² neighbours (ARFlow ternary).</summary>
    Mean,
}

/// <summary>
/// Soft census (ternary) transform shared by <see cref="CensusLoss"/> and <see cref="ArflowPhotometric.Ternary"/>. The
/// K×K neighbourhood is gathered in one native operation with <c>unfold</c> (im2col, zero padding): an exact copy,
/// cheaper than the equivalent conv2d with K² one-hot kernels, and dtype-agnostic.
/// </summary>
public static class CensusTransform
{
    /// <summary>
    /// t_k = (P_k − I)/sqrt(0.81 + (P_k − I)²) for the K² = (2r+1)² neighbours P_k of each pixel, with
    /// I = 255·gray(image) (image [B,3,H,W] RGB in [0,1]). Returns [B,K²,H,W]; neighbours outside the image read 0.
    /// </summary>
    public static Tensor Transform(Tensor image, int radius)
    {
        using var scope = torch.NewDisposeScope();
        long b = image.size(0), h = image.size(2), w = image.size(3), k = 2 * radius + 1;
        var intensities = Grayscale.FromRgb(image) * 255.0;
        // patches[:, k] = neighbour k (row-major in the K×K window) of every pixel: [B, K², H, W]
        var patches = unfold(intensities, k, padding: radius).view(b, k * k, h, w);
        var diff = patches - intensities;
        // t = (P − I) / sqrt(0.81 + (P − I)²)
        var t = diff / (diff.square() + 0.81).sqrt();
        return t.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Soft Hamming distance [B,1,H,W]: Σ_k (t1 − t2)²/(0.1 + (t1 − t2)²) over the K² channels, or the mean with
    /// <see cref="HammingReduction.Mean"/>.
    /// </summary>
    public static Tensor SoftHamming(Tensor t1, Tensor t2, HammingReduction reduction = HammingReduction.Sum)
    {
        using var scope = torch.NewDisposeScope();
        var d = (t1 - t2).square();
        var norm = d / (d + 0.1);
        var r = reduction == HammingReduction.Sum ? norm.sum(1, keepdim: true) : norm.mean([1], keepdim: true);
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>A [B,1,H,W] mask of ones (float32 unless <paramref name="dtype"/> says otherwise) with a border of
    /// <paramref name="border"/> pixels set to 0.</summary>
    public static Tensor BorderMask(long batch, long height, long width, int border, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        var inner = torch.ones([batch, 1, Math.Max(0, height - 2 * border), Math.Max(0, width - 2 * border)], dtype, device);
        return pad(inner, [border, border, border, border]).MoveToOuterDisposeScope();
    }
}
