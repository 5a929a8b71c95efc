using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// MDFlow's mutual-distillation terms (METHODS.md section 5) as pure functions. Images [B,3,H,W] RGB in [0,1]; flows
/// [B,2,H,W] (u, v in pixels; forward maps frame 1 to frame 2); masks [B,1,H,W] with 1 = the pixel counts
/// (non-occluded, reliable). Whatever teaches (a teacher flow, a mask) is detached here, in these functions, so no
/// gradient ever reaches the network that produced it.
/// </summary>
public static class MutualDistillation
{
    /// <summary>Radius of the census window of the reliability check (7×7, as the kit's census loss).</summary>
    public const int CensusRadius = 3;

    /// <summary>
    /// Per-pixel census distance [B,1,H,W] between image 1 and image 2 warped by a flow: the soft Hamming distance
    /// Σ_k (t1 − t2)²/(0.1 + (t1 − t2)²) over the 49 neighbours of the 7×7 soft census transforms (METHODS §1), so it
    /// lies in [0, 49): 0 where the local structure matches, about 49·d²/(0.1+d²) where it does not. No gradient.
    /// </summary>
    public static Tensor CensusDistance(Tensor image1, Tensor image2Warped, int radius = CensusRadius)
    {
        CheckImages(image1, image2Warped, nameof(CensusDistance));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var t1 = CensusTransform.Transform(image1, radius);
        var t2 = CensusTransform.Transform(image2Warped, radius);
        return CensusTransform.SoftHamming(t1, t2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// MDFlow's reliable-match mask M = [D(I1, warp(I2, w_T)) ≤ τ] ⊙ noc_T, [B,1,H,W] in {0,1}, no gradient: D is
    /// <see cref="CensusDistance"/> of image 1 and image 2 warped by the teacher's forward flow (bilinear, zero outside),
    /// noc_T the teacher's forward non-occlusion mask (1 = visible). τ is unverified in MDFlow: the kit exposes it and
    /// notebook 04 sweeps it.
    /// </summary>
    public static Tensor ReliableMask(Tensor image1, Tensor image2, Tensor teacherFlow, Tensor teacherNoc, double tau)
    {
        CheckImages(image1, image2, nameof(ReliableMask));
        if (teacherFlow.dim() != 4 || teacherFlow.size(1) != 2 || teacherFlow.size(0) != image1.size(0) || teacherFlow.size(2) != image1.size(2) || teacherFlow.size(3) != image1.size(3))
            throw new ArgumentException($"{nameof(ReliableMask)}: the teacher flow must be [B,2,H,W] of the images' size, got [{string.Join(",", teacherFlow.shape)}] for images [{string.Join(",", image1.shape)}]");
        CheckMask(teacherNoc, teacherFlow, nameof(ReliableMask));
        if (!(tau >= 0)) throw new ArgumentOutOfRangeException(nameof(tau), tau, "τ is a census distance, in [0, 49)");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var warped = Warping.Warped(image2, teacherFlow.detach());
        var distance = CensusDistance(image1, warped);
        return (distance.le(tau).to_type(image1.dtype) * teacherNoc.detach()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The supervision term L_sup(w, w_target; m) = mean((|w − w_target| + ε)^q · m) / (mean(m) + 1e-7), ARFlow's
    /// augmentation-regularisation form (MDFlow: ε = 0, q = 1): the mean over the flow's B·2·H·W elements divided by
    /// the mean of the [B,1,H,W] mask. The target and the mask are detached; differentiable in <paramref name="predicted"/>.
    /// </summary>
    public static Tensor Supervision(Tensor predicted, Tensor target, Tensor mask, double eps = 0, double q = 1)
    {
        if (!predicted.shape.SequenceEqual(target.shape) || predicted.dim() != 4 || predicted.size(1) != 2)
            throw new ArgumentException($"{nameof(Supervision)}: predicted and target flows must both be [B,2,H,W], got [{string.Join(",", predicted.shape)}] and [{string.Join(",", target.shape)}]");
        CheckMask(mask, predicted, nameof(Supervision));
        using var scope = torch.NewDisposeScope();
        var m = mask.detach();
        var diff = (predicted - target.detach()).abs();
        if (eps != 0) diff = diff + eps;
        if (q != 1) diff = diff.pow(q);
        return ((diff * m).mean() / (m.mean() + 1e-7)).MoveToOuterDisposeScope();
    }

    static void CheckImages(Tensor a, Tensor b, string what)
    {
        if (a.dim() != 4 || a.size(1) != 3 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"{what}: expects two [B,3,H,W] images of one shape, got [{string.Join(",", a.shape)}] and [{string.Join(",", b.shape)}]");
    }

    static void CheckMask(Tensor mask, Tensor flow, string what)
    {
        if (mask.dim() != 4 || mask.size(1) != 1 || mask.size(0) != flow.size(0) || mask.size(2) != flow.size(2) || mask.size(3) != flow.size(3))
            throw new ArgumentException($"{what}: the mask must be [B,1,H,W] matching the flow [{string.Join(",", flow.shape)}], got [{string.Join(",", mask.shape)}]");
    }
}
