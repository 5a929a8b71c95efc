using DistillKit.Models.Pmd;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// PMD's cycle-consistency weight (METHODS.md §6), computed without gradient from teacher flows. On the grid of
/// <c>flow</c> (METHODS: F_T2S), with <c>flowBack</c> the opposite direction (F_S2T): d(p) = ‖−F_back(p + F(p)) − F(p)‖
/// in normalised units (<see cref="CellGrid"/>; F_back sampled bilinearly, border padding), w = 1 − sigmoid(s·(d − t))
/// (t = 0.08, s = 50; evaluated as sigmoid(s·(t − d)), which keeps float32 precision where w is tiny), min–max
/// normalised per pair over its cells ((w − min)/(max − min); a pair whose w is constant to 1e-6 gets 1 everywhere),
/// times the in-bounds mask of the augmentation warp.
/// </summary>
public static class PmdCycleWeight
{
    /// <summary>The threshold t in normalised units.</summary>
    public const double Threshold = 0.08;

    /// <summary>The steepness s.</summary>
    public const double Steepness = 50;

    /// <summary>
    /// Weights [N,1,h,w] (or [K,B,1,h,w]) for flows [N,2,h,w] (or hypotheses [K,B,2,h,w], one weight map per hypothesis
    /// and pair); <paramref name="inBounds"/> [B,1,h,w] (1 = inside the augmentation warp; null = everywhere), broadcast
    /// over K. No gradient.
    /// </summary>
    public static Tensor Compute(Tensor flow, Tensor flowBack, Tensor? inBounds = null, double threshold = Threshold, double steepness = Steepness)
    {
        if (!flow.shape.SequenceEqual(flowBack.shape) || flow.dim() is not (4 or 5) || flow.size(-3) != 2)
            throw new ArgumentException($"PmdCycleWeight: expected two flows [B,2,h,w] (or hypotheses [K,B,2,h,w]) of one shape, got [{PmdShapes.Of(flow)}] and [{PmdShapes.Of(flowBack)}]");
        long h = flow.size(-2), w = flow.size(-1);
        var outShape = flow.shape.ToArray();
        outShape[^3] = 1;
        if (inBounds is not null && !inBounds.shape.SequenceEqual(new[] { flow.size(-4), 1, h, w }))
            throw new ArgumentException($"PmdCycleWeight: the in-bounds mask must be [B,1,h,w] = [{flow.size(-4)},1,{h},{w}], got [{PmdShapes.Of(inBounds)}]");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var f = flow.detach().reshape(-1, 2, h, w);
        var back = flowBack.detach().reshape(-1, 2, h, w);
        var positions = f.add(CellGrid.Centres(h, w, f.device, f.dtype));
        var d = CellGrid.Sample(back, positions).add(f).square().sum(1, keepdim: true).sqrt();  // [N,1,h,w]
        var weight = d.neg().add(threshold).mul(steepness).sigmoid();
        var flat = weight.view(weight.size(0), -1);
        var min = flat.min(1, keepdim: true).values;
        var range = flat.max(1, keepdim: true).values.sub(min);
        var constant = range.le(1e-6);
        var normalised = torch.where(constant, torch.ones_like(flat), flat.sub(min).div(torch.where(constant, torch.ones_like(range), range)));
        var result = normalised.view(outShape);
        if (inBounds is not null) result = result.mul(inBounds.detach());
        return result.MoveToOuterDisposeScope();
    }
}
