using DistillKit.Data.Semantic;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>Which image's annotation gives a protocol's PCK length L.</summary>
public enum PckReference
{
    /// <summary>The source image's keypoints or box (METHODS.md §6, the kit's default).</summary>
    Source,

    /// <summary>The target image's (the form some public evaluation code uses; offered for comparison).</summary>
    Target,
}

/// <summary>
/// The benchmarks' PCK protocols (METHODS.md §6) on a <see cref="SemanticPair"/>. <c>predicted</c> is <c>[N,2]</c>: the
/// predicted target positions (x, y) of the pair's source keypoints, in pixels of the original target image, row i for
/// source keypoint i. Each returns one value per alpha (default <see cref="Pck.StandardAlphas"/>); average pairs with
/// <see cref="Pck.Mean"/>.
/// </summary>
public static class PckProtocols
{
    /// <summary>PF-PASCAL's evaluation size: keypoints are compared after resizing the target to 320 × 320.</summary>
    public const int PfPascalSize = 320;

    /// <summary>PF-PASCAL α_img: L = max side of the target image after the 320 × 320 resize (both keypoint sets scaled
    /// from <paramref name="targetHeight"/> × <paramref name="targetWidth"/>); <paramref name="resize"/> false uses the
    /// original size instead.</summary>
    public static double[] PfPascal(Tensor predicted, SemanticPair pair, int targetHeight, int targetWidth, IReadOnlyList<double>? alphas = null,
        bool resize = true)
    {
        using var target = SemanticPairLoader.KeypointTensor(pair.TargetKeypoints);
        return resize
            ? Pck.ImageThreshold(predicted, target, targetHeight, targetWidth, alphas ?? Pck.StandardAlphas, PfPascalSize, PfPascalSize)
            : Pck.ImageThreshold(predicted, target, targetHeight, targetWidth, alphas ?? Pck.StandardAlphas);
    }

    /// <summary>PF-WILLOW bbox-kp: L = extent of the valid keypoints of <paramref name="reference"/> (default: source).</summary>
    public static double[] PfWillow(Tensor predicted, SemanticPair pair, IReadOnlyList<double>? alphas = null, PckReference reference = PckReference.Source)
    {
        var length = Pck.KeypointBoxLength(reference == PckReference.Source ? pair.SourceKeypoints : pair.TargetKeypoints);
        return Pck.OfPair(Pck.ToArray(predicted, nameof(predicted)), pair.TargetKeypoints, length, alphas ?? Pck.StandardAlphas);
    }

    /// <summary>SPair-71k α_bbox: L = max side of the annotated box of <paramref name="reference"/> (default: source).</summary>
    public static double[] Spair(Tensor predicted, SemanticPair pair, IReadOnlyList<double>? alphas = null, PckReference reference = PckReference.Source)
    {
        var box = (reference == PckReference.Source ? pair.SourceBox : pair.TargetBox)
            ?? throw new ArgumentException($"pair {pair.Id} has no {reference.ToString().ToLowerInvariant()} bounding box (SPair-71k pairs have both)", nameof(pair));
        var length = Pck.ObjectBoxLength(box.X1, box.Y1, box.X2, box.Y2);
        return Pck.OfPair(Pck.ToArray(predicted, nameof(predicted)), pair.TargetKeypoints, length, alphas ?? Pck.StandardAlphas);
    }
}
