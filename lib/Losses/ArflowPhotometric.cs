using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Losses;

/// <summary>Weights of ARFlow's photometric mix; a zero weight means the term is not computed.</summary>
/// <param name="L1">Weight of <see cref="ArflowPhotometric.L1"/>.</param>
/// <param name="Ssim">Weight of <see cref="ArflowPhotometric.Ssim"/>.</param>
/// <param name="Ternary">Weight of <see cref="ArflowPhotometric.Ternary"/>.</param>
public sealed record PhotometricWeights(double L1, double Ssim, double Ternary)
{
    /// <summary>ARFlow's pre-training mix 0.15·L1 + 0.85·SSIM.</summary>
    public static PhotometricWeights L1Ssim { get; } = new(0.15, 0.85, 0);

    /// <summary>Ternary only (ARFlow's later phase).</summary>
    public static PhotometricWeights TernaryOnly { get; } = new(0, 0, 1);
}

/// <summary>
/// ARFlow's photometric terms (METHODS.md §1). Images [B,3,H,W] RGB in [0,1]: image 1 and image 2 warped to image 1;
/// mask [B,1,H,W], 1 = pixel counts (visible), null = all pixels. Each term is normalised by the mean of the mask:
/// term = mean(map) / mean(m) (the mean of m clamped at 1e-6 against an empty mask). As in ARFlow, L1 multiplies its
/// error map by m while SSIM and ternary see both images multiplied by m. Pure functions; 0-d results.
/// </summary>
public static class ArflowPhotometric
{
    /// <summary>L1 = mean(|I1 − Ĩ2| · m) / mean(m) (mean over B, 3, H, W with m broadcast over channels).</summary>
    public static Tensor L1(Tensor image1, Tensor image2Warped, Tensor? mask = null)
    {
        using var scope = torch.NewDisposeScope();
        var m = mask ?? Ones(image1);
        // mean(|I1 − Ĩ2|·m) / mean(m)
        var map = (image1 - image2Warped).abs() * m;
        return (map.mean() / MaskMean(m)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SSIM term = mean(D(I1·m, Ĩ2·m)) / mean(m) with D = clamp((1 − SSIM)/2, 0, 1) on 3×3 windows (average pool,
    /// stride 1, no padding, so D is [B,3,H−2,W−2]), SSIM = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
    /// C1 = 0.01², C2 = 0.03².
    /// </summary>
    public static Tensor Ssim(Tensor image1, Tensor image2Warped, Tensor? mask = null)
    {
        using var scope = torch.NewDisposeScope();
        var m = mask ?? Ones(image1);
        var dist = SsimDistance(image1 * m, image2Warped * m);
        return (dist.mean() / MaskMean(m)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Ternary term = mean(h · border) / mean(m) with h = mean_k (t1 − t2)²/(0.1 + (t1 − t2)²) over the 3×3 window
    /// (<paramref name="maxDistance"/> = 1) of the soft census transforms of I1·m and Ĩ2·m (gray weights
    /// 0.2989/0.5870/0.1140, ×255), and a border of <paramref name="maxDistance"/> pixels set to 0.
    /// </summary>
    public static Tensor Ternary(Tensor image1, Tensor image2Warped, Tensor? mask = null, int maxDistance = 1)
    {
        using var scope = torch.NewDisposeScope();
        var m = mask ?? Ones(image1);
        var t1 = CensusTransform.Transform(image1 * m, maxDistance);
        var t2 = CensusTransform.Transform(image2Warped * m, maxDistance);
        var h = CensusTransform.SoftHamming(t1, t2, HammingReduction.Mean);
        var border = CensusTransform.BorderMask(image1.size(0), image1.size(2), image1.size(3), maxDistance, image1.device, image1.dtype);
        return ((h * border).mean() / MaskMean(m)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The weighted mix w.L1·L1 + w.Ssim·SSIM + w.Ternary·Ternary; terms with a zero weight are not computed.
    /// </summary>
    public static Tensor Mix(Tensor image1, Tensor image2Warped, Tensor? mask, PhotometricWeights weights)
    {
        using var scope = torch.NewDisposeScope();
        Tensor total = torch.zeros([], image1.dtype, image1.device);
        if (weights.L1 != 0) total = total + L1(image1, image2Warped, mask) * weights.L1;
        if (weights.Ssim != 0) total = total + Ssim(image1, image2Warped, mask) * weights.Ssim;
        if (weights.Ternary != 0) total = total + Ternary(image1, image2Warped, mask) * weights.Ternary;
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>Per-pixel SSIM distance clamp((1 − SSIM(x, y))/2, 0, 1) on 3×3 windows, [B,C,H−2,W−2].</summary>
    public static Tensor SsimDistance(Tensor x, Tensor y)
    {
        const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        using var scope = torch.NewDisposeScope();
        var muX = avg_pool2d(x, 3, 1);
        var muY = avg_pool2d(y, 3, 1);
        var sigmaX = avg_pool2d(x * x, 3, 1) - muX.square();
        var sigmaY = avg_pool2d(y * y, 3, 1) - muY.square();
        var sigmaXY = avg_pool2d(x * y, 3, 1) - muX * muY;
        var num = (muX * muY * 2 + c1) * (sigmaXY * 2 + c2);
        var den = (muX.square() + muY.square() + c1) * (sigmaX + sigmaY + c2);
        return ((1 - num / den) / 2).clamp(0, 1).MoveToOuterDisposeScope();
    }

    static Tensor Ones(Tensor image) => torch.ones([image.size(0), 1, image.size(2), image.size(3)], image.dtype, image.device);

    static Tensor MaskMean(Tensor m) => m.mean().clamp_min(1e-6);
}
