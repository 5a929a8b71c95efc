using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// PMD's distillation loss CAL (METHODS.md §6; the normalisation is <b>unverified</b>):
/// L = a · Σ_l Σ_{b,p} c_l(b,p) · Σ_ch w_l,ch(b,p) · (F_s,ch(b,p) − F_l,ch(b,p))² / N + λ · S(F_s),
/// a = 16, λ = 0.5, N = B·h·w (the batch's cells: the hypotheses are summed, not averaged), c_l the cycle weight of
/// hypothesis l (<see cref="PmdCycleWeight"/>), w_l the PSR weight per flow component (<see cref="PmdPsr.Weights"/>),
/// S(F) = ½·mean|∂x F| + ½·mean|∂y F| (forward differences, means over B, both components and cells: the kit's
/// first-order smoothness with unit edge weights). Flows normalised (<see cref="Models.Pmd.CellGrid"/>): student
/// [B,2,h,w], hypotheses [K,B,2,h,w], cycle [K,B,1,h,w], PSR weights [K,B,2,h,w]. The teacher's hypotheses and both
/// weights are detached here; the gradient reaches the student only.
/// </summary>
public static class PmdCal
{
    /// <summary>The factor a of the distillation term.</summary>
    public const double DefaultScale = 16;

    /// <summary>The weight λ of the smoothness term.</summary>
    public const double DefaultSmoothWeight = 0.5;

    /// <summary>The loss, 0-d. A zero <paramref name="smoothWeight"/> skips the smoothness term.</summary>
    public static Tensor Compute(Tensor student, Tensor hypotheses, Tensor cycle, Tensor psrWeights,
                                 double scale = DefaultScale, double smoothWeight = DefaultSmoothWeight)
    {
        PmdShapes.Hypotheses(hypotheses, student, "PmdCal");
        long k = hypotheses.size(0), b = student.size(0), h = student.size(2), w = student.size(3);
        if (!cycle.shape.SequenceEqual(new[] { k, b, 1, h, w }))
            throw new ArgumentException($"PmdCal: the cycle weights must be [K,B,1,h,w] = [{k},{b},1,{h},{w}], got [{PmdShapes.Of(cycle)}]");
        if (!psrWeights.shape.SequenceEqual(hypotheses.shape))
            throw new ArgumentException($"PmdCal: the PSR weights must be [K,B,2,h,w] = [{PmdShapes.Of(hypotheses)}], got [{PmdShapes.Of(psrWeights)}]");
        using var scope = torch.NewDisposeScope();
        var teacher = hypotheses.detach();
        var distill = student.unsqueeze(0).sub(teacher).square().mul(psrWeights.detach()).sum(2, keepdim: true).mul(cycle.detach());
        var loss = distill.sum().mul(scale / (b * h * w));
        if (smoothWeight != 0) loss = loss.add(Smooth(student).mul(smoothWeight));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>S(F) = ½·mean|∂x F| + ½·mean|∂y F| for a flow [B,2,h,w], 0-d.</summary>
    public static Tensor Smooth(Tensor flow)
    {
        PmdShapes.Flow(flow, "PmdCal.Smooth");
        using var scope = torch.NewDisposeScope();
        var (dx, dy) = Smoothness.Gradients(flow);
        return dx.abs().mean().add(dy.abs().mean()).mul(0.5).MoveToOuterDisposeScope();
    }
}
