using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// Occlusion-masked photometric terms on an image pair: image 2 is warped to image 1 with the forward flow
/// (<see cref="Warping.Warp"/>: bilinear, align_corners = true, zero padding) and compared under the visibility mask
/// m = 1 − occ. Images [B,3,H,W] RGB in [0,1]; flow [B,2,H,W] (u, v) in pixels, forward flow maps p in image 1 to
/// p + w(p) in image 2; occ [B,1,H,W], 1 = occluded; a null occ means no occlusion handling (m = 1).
/// Pure functions; 0-d results differentiable in the flow (and images).
/// </summary>
public static class PhotometricTerms
{
    /// <summary>The visibility mask 1 − occ [B,1,H,W] (1 = visible, counts in the loss).</summary>
    public static Tensor VisibleMask(Tensor occ) => 1 - occ;

    /// <summary>DDFlow phase A: ψ(I1 − warp(I2, w); m) with <see cref="RobustPenalty.Psi"/> (DDFlow uses occ = null).</summary>
    public static Tensor Psi(Tensor image1, Tensor image2, Tensor flowFw, Tensor? occFw = null)
    {
        using var scope = torch.NewDisposeScope();
        var warped = Warping.Warped(image2, flowFw);
        var m = occFw is null ? null : VisibleMask(occFw);
        return RobustPenalty.Psi(image1 - warped, m).MoveToOuterDisposeScope();
    }

    /// <summary>DDFlow phase B: <see cref="CensusLoss.Compute"/>(I1, warp(I2, w), 1 − occ).</summary>
    public static Tensor Census(Tensor image1, Tensor image2, Tensor flowFw, Tensor? occFw = null)
    {
        using var scope = torch.NewDisposeScope();
        var warped = Warping.Warped(image2, flowFw);
        var m = occFw is null ? null : VisibleMask(occFw);
        return CensusLoss.Compute(image1, warped, m).MoveToOuterDisposeScope();
    }

    /// <summary>ARFlow's photometric mix <see cref="ArflowPhotometric.Mix"/>(I1, warp(I2, w), 1 − occ, weights).</summary>
    public static Tensor Arflow(Tensor image1, Tensor image2, Tensor flowFw, Tensor? occFw, PhotometricWeights weights)
    {
        using var scope = torch.NewDisposeScope();
        var warped = Warping.Warped(image2, flowFw);
        var m = occFw is null ? null : VisibleMask(occFw);
        return ArflowPhotometric.Mix(image1, warped, m, weights).MoveToOuterDisposeScope();
    }
}
