using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// PMD's teacher loss on synthetic warps (METHODS.md §6). <b>Unverified, named</b>: PMD does not publish it; the kit's
/// default is a masked L2 flow regression averaged over the K hypotheses plus a small KL of the attention logits'
/// N(μ, σ²) to the N(0, 1) prior. Flows are normalised cell flows (<see cref="Models.Pmd.CellGrid"/>): hypotheses
/// [K,B,2,h,w], ground truth [B,2,h,w] (<see cref="Models.Pmd.CellGrid.FromPixelFlow"/>), valid [B,1,h,w] (1 = known).
/// Pure functions; 0-d results; the ground truth is detached.
/// </summary>
public static class PmdTeacherLoss
{
    /// <summary>The default weight of <see cref="PriorKl"/> (unverified: "small").</summary>
    public const double DefaultKlWeight = 1e-3;

    /// <summary>
    /// (1/K) Σ_k Σ_{b,p} m(b,p)·‖F_k(b,p) − F_gt(b,p)‖² / max(Σ_{b,p} m, 1): the squared Euclidean error of each
    /// hypothesis, pooled over the batch's valid cells, averaged over hypotheses.
    /// </summary>
    public static Tensor FlowRegression(Tensor hypotheses, Tensor groundTruth, Tensor valid)
    {
        CheckHypotheses(hypotheses, groundTruth, nameof(FlowRegression));
        PmdShapes.Mask(valid, groundTruth, nameof(PmdTeacherLoss) + "." + nameof(FlowRegression));
        using var scope = torch.NewDisposeScope();
        var error = hypotheses.sub(groundTruth.detach()).square().sum(2, keepdim: true).mul(valid.detach()); // [K,B,1,h,w]
        var loss = error.sum().div(hypotheses.size(0)).div(valid.detach().sum().clamp_min(1));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − ln σ²), averaged over every element of <paramref name="mu"/> and
    /// <paramref name="sigma"/> (same shape, e.g. [K,B,2,C] from <see cref="Models.Pmd.PmdHypotheses"/>; σ &gt; 0).
    /// </summary>
    public static Tensor PriorKl(Tensor mu, Tensor sigma)
    {
        if (!mu.shape.SequenceEqual(sigma.shape))
            throw new ArgumentException($"PmdTeacherLoss.PriorKl: μ and σ must have one shape, got [{PmdShapes.Of(mu)}] and [{PmdShapes.Of(sigma)}]");
        using var scope = torch.NewDisposeScope();
        var variance = sigma.square();
        return mu.square().add(variance).sub(1).sub(variance.log()).mean().mul(0.5).MoveToOuterDisposeScope();
    }

    /// <summary><see cref="FlowRegression"/> + <paramref name="klWeight"/>·<see cref="PriorKl"/>; a zero weight skips the KL.</summary>
    public static Tensor Compute(Tensor hypotheses, Tensor mu, Tensor sigma, Tensor groundTruth, Tensor valid, double klWeight = DefaultKlWeight)
    {
        using var scope = torch.NewDisposeScope();
        var loss = FlowRegression(hypotheses, groundTruth, valid);
        if (klWeight != 0) loss = loss.add(PriorKl(mu, sigma).mul(klWeight));
        return loss.MoveToOuterDisposeScope();
    }

    static void CheckHypotheses(Tensor hypotheses, Tensor flow, string caller)
    {
        PmdShapes.Flow(flow, $"{nameof(PmdTeacherLoss)}.{caller}: ground truth");
        var f = flow.shape;
        if (hypotheses.dim() != 5 || hypotheses.size(0) < 1 || !hypotheses.shape.Skip(1).SequenceEqual(f))
            throw new ArgumentException($"{nameof(PmdTeacherLoss)}.{caller}: hypotheses must be [K,B,2,h,w] = [K,{string.Join(",", f)}], got [{PmdShapes.Of(hypotheses)}]");
    }
}
