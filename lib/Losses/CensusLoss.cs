using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>DDFlow's census loss (reused by UFlow). Pure function of tensors.</summary>
public static class CensusLoss
{
    /// <summary>
    /// Census loss between image 1 and image 2 warped to image 1 (both [B,3,H,W] RGB in [0,1]), METHODS.md §1:
    /// gray ×255, 7×7 window (<paramref name="maxDistance"/> = 3), t = (P − I)/sqrt(0.81 + (P − I)²),
    /// h = Σ_k (t1 − t2)²/(0.1 + (t1 − t2)²) over the 49 neighbours, loss = ψ(h; m · border) with ψ from
    /// <see cref="RobustPenalty.Psi"/> and a border of <paramref name="maxDistance"/> pixels masked out.
    /// <paramref name="mask"/> [B,1,H,W], 1 = pixel counts (visible, e.g. 1 − occ); null = all pixels.
    /// Returns a 0-d tensor.
    /// </summary>
    public static Tensor Compute(Tensor image1, Tensor image2Warped, Tensor? mask = null, int maxDistance = 3)
    {
        using var scope = torch.NewDisposeScope();
        var t1 = CensusTransform.Transform(image1, maxDistance);
        var t2 = CensusTransform.Transform(image2Warped, maxDistance);
        var dist = CensusTransform.SoftHamming(t1, t2, HammingReduction.Sum);
        var border = CensusTransform.BorderMask(image1.size(0), image1.size(2), image1.size(3), maxDistance, image1.device, image1.dtype);
        var m = mask is null ? border : mask * border;
        return RobustPenalty.Psi(dist, m).MoveToOuterDisposeScope();
    }
}
