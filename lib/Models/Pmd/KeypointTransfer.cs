using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Pmd;

/// <summary>
/// Keypoints of image 1 carried into image 2 by a matcher. Owns its tensors.
/// </summary>
/// <param name="Points">[N,2] float32 (x, y) in pixels of the original image 2 (pixel centres at integer coordinates,
/// DESIGN.md): where each keypoint of image 1 lands.</param>
/// <param name="Spread">[N] float32 or null: for a teacher, the root-mean-square distance, in pixels of image 2, of the
/// K hypotheses' transferred points from their mean (<see cref="KeypointTransfer.Transfer"/>); null for a student.</param>
/// <param name="Confidence">[N] float32 in (0, 1] or null: exp(−Spread² / (2 (α·L)²)) with α = 0.1 and L the longer side of
/// image 2 (the PCK@0.1 radius of α_img), so hypotheses that agree within a small fraction of that radius give about 1 and a
/// spread of one radius gives 0.61; null for a student.</param>
public sealed record TransferredKeypoints(Tensor Points, Tensor? Spread, Tensor? Confidence) : IDisposable
{
    public void Dispose()
    {
        Points.Dispose();
        Spread?.Dispose();
        Confidence?.Dispose();
    }
}

/// <summary>
/// Keypoint transfer on an image pair of any sizes with a PMD matcher (METHODS.md §6). Each image is resized to the config's
/// <see cref="PmdConfig.InputSize"/>² (<see cref="ToInput"/>), the backbone's features go through the matcher, and each
/// keypoint p₁ of image 1 moves by the source → target flow sampled at p₁: u₂ = u₁ + F(u₁) in <see cref="CellGrid"/>'s
/// normalised coordinates (<c>align_corners = false</c>: u = (2x + 1)/W − 1 on the original image and on the resized input
/// alike, since the resize maps edge to edge), F bilinear between cell centres and held at the border cell beyond the
/// outermost centres (<see cref="CellGrid.TransferKeypoints"/>), then back to pixels of the original image 2. Image 1 is the
/// matcher's source: its flow gives, per image-1 cell, the matched position in image 2, so no inversion is involved.
/// </summary>
public static class KeypointTransfer
{
    /// <summary>Relative width of the confidence's Gaussian: α of PCK@α with L = the longer side of image 2.</summary>
    public const double ConfidenceAlpha = 0.1;

    /// <summary>
    /// An image [3,H,W] (or [1,3,H,W]) RGB in [0,1] of any size as the network input [1,3,S,S]: bilinear resampling with
    /// <c>align_corners = false</c> (input pixel x′ samples the original at (x′ + ½)·W/S − ½, so the image edges map onto each
    /// other and a normalised position means one point on both), antialiased when shrinking, clamped to [0,1].
    /// </summary>
    public static Tensor ToInput(Tensor image, int size)
    {
        if (image.dim() == 3) image = image.unsqueeze(0);
        if (image.dim() != 4 || image.size(0) != 1 || image.size(1) != 3 || image.size(2) < 1 || image.size(3) < 1)
            throw new ArgumentException($"KeypointTransfer.ToInput: expected one image [3,H,W] RGB in [0,1], got [{CellGrid.Shape(image)}]");
        if (size < 1) throw new ArgumentException($"KeypointTransfer.ToInput: size must be positive, got {size}");
        using var scope = torch.NewDisposeScope();
        var x = image.to_type(ScalarType.Float32);
        if (x.size(2) != size || x.size(3) != size)
            x = interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false,
                            antialias: x.size(2) > size || x.size(3) > size).clamp(0, 1);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Carries <paramref name="keypoints"/> [N,2] (x, y) in pixels of <paramref name="image1"/> ([3,H₁,W₁] RGB in [0,1]; pixel
    /// centres at integer coordinates, so the image spans −½ … W₁ − ½) into <paramref name="image2"/> ([3,H₂,W₂]), see the
    /// class. The points follow the matcher's deterministic matches (a teacher: its mean mode z = μ). For a
    /// <see cref="PmdTeacher"/> the result also holds each point's hypothesis spread and confidence
    /// (<see cref="TransferredKeypoints"/>), from <paramref name="hypotheses"/> samples (the config's count when null) drawn
    /// from <paramref name="seed"/>, so the result is deterministic. No gradient. Keypoints outside image 1 are carried too
    /// (the border cell's flow); check them first where that matters.
    /// </summary>
    public static TransferredKeypoints Transfer(PmdBackbone backbone, ISemanticMatcher matcher, Tensor image1, Tensor image2, Tensor keypoints,
                                                int? hypotheses = null, long seed = 0)
    {
        var config = matcher.Config;
        if (backbone.Channels != (config.Layer3Channels, config.Layer4Channels))
            throw new ArgumentException($"KeypointTransfer: the backbone {backbone.Kind} gives layer3/layer4 channels {backbone.Channels.layer3}/{backbone.Channels.layer4}, " +
                                        $"the matcher expects {config.Layer3Channels}/{config.Layer4Channels} ({config.Backbone})");
        if (keypoints.dim() != 2 || keypoints.size(1) != 2)
            throw new ArgumentException($"KeypointTransfer: keypoints must be [N,2] (x, y), got [{CellGrid.Shape(keypoints)}]");
        var (h1, w1) = Size(image1, nameof(image1));
        var (h2, w2) = Size(image2, nameof(image2));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var points = keypoints.to_type(ScalarType.Float32);
        using var source = backbone.Features(ToInput(image1, config.InputSize));
        using var target = backbone.Features(ToInput(image2, config.InputSize));
        using var matches = matcher.Match(source, target);
        var moved = CellGrid.TransferKeypoints(matches.Flow, points, w1, h1, w2, h2);
        if (matcher is not PmdTeacher teacher)
            return new TransferredKeypoints(moved.MoveToOuterDisposeScope(), null, null);
        using var generator = new Generator((ulong)seed);
        using var samples = teacher.Hypotheses(source, target, generator, hypotheses);
        var each = torch.stack(Enumerable.Range(0, (int)samples.Count)
            .Select(k => CellGrid.TransferKeypoints(samples.FlowOf(k), points, w1, h1, w2, h2)).ToArray()); // [K,N,2]
        var spread = each.sub(each.mean([0], keepdim: true)).square().sum(2).mean([0]).sqrt();          // [N]
        double radius = ConfidenceAlpha * Math.Max(w2, h2);
        var confidence = spread.square().div(-2 * radius * radius).exp();
        return new TransferredKeypoints(moved.MoveToOuterDisposeScope(), spread.MoveToOuterDisposeScope(), confidence.MoveToOuterDisposeScope());
    }

    static (long height, long width) Size(Tensor image, string name)
    {
        var shape = image.dim() == 4 && image.size(0) == 1 ? image.shape[1..] : image.shape;
        if (shape.Length != 3 || shape[0] != 3 || shape[1] < 1 || shape[2] < 1)
            throw new ArgumentException($"KeypointTransfer: {name} must be one image [3,H,W] RGB in [0,1], got [{CellGrid.Shape(image)}]");
        return (shape[1], shape[2]);
    }
}
