using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Geometry;

/// <summary>
/// Forward-backward consistency (UnFlow form, used by DDFlow, MDFlow, ARFlow, UFlow). Flows [B,2,H,W], channel 0 = u,
/// 1 = v, pixels; the forward flow maps p in image 1 to p + w_f(p) in image 2, the backward flow maps image 2 to
/// image 1. Sampling follows <see cref="Warping.Warp"/> (bilinear, align_corners = true, zero padding), so a match
/// leaving the image sees ŵ_b faded towards 0 (exactly 0 a pixel or more outside), where it is occluded as soon as
/// |w_f|² exceeds 0.5 / 0.99.
/// </summary>
public static class ForwardBackward
{
    /// <summary>
    /// Occlusion masks in both directions, [B,1,H,W] float32, 1 = occluded, no gradient. With ŵ_b = w_b sampled at
    /// p + w_f(p), p is occluded in the forward direction when
    /// |w_f + ŵ_b|² &gt; <paramref name="alpha1"/>·(|w_f|² + |ŵ_b|²) + <paramref name="alpha2"/> (defaults 0.01, 0.5);
    /// symmetric for the backward direction.
    /// </summary>
    public static (Tensor occFw, Tensor occBw) Occlusion(Tensor flowFw, Tensor flowBw, double alpha1 = 0.01, double alpha2 = 0.5)
    {
        var occFw = OcclusionOneWay(flowFw, flowBw, alpha1, alpha2);
        var occBw = OcclusionOneWay(flowBw, flowFw, alpha1, alpha2);
        return (occFw, occBw);
    }

    /// <summary>
    /// Occlusion mask [B,1,H,W] (1 = occluded) of <paramref name="flow"/> checked against the opposite
    /// <paramref name="flowOther"/>: |w + ŵ_o|² &gt; α1·(|w|² + |ŵ_o|²) + α2 with ŵ_o = w_o sampled at p + w(p).
    /// </summary>
    public static Tensor OcclusionOneWay(Tensor flow, Tensor flowOther, double alpha1 = 0.01, double alpha2 = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var back = Warping.Warped(flowOther, flow);
        // |w_f + ŵ_b|² > 0.01·(|w_f|² + |ŵ_b|²) + 0.5
        var lhs = (flow + back).square().sum(1, keepdim: true);
        var rhs = (flow.square().sum(1, keepdim: true) + back.square().sum(1, keepdim: true)) * alpha1 + alpha2;
        return lhs.gt(rhs).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The squared forward-backward discrepancy |w + ŵ_o|² [B,1,H,W] (pixels²) with ŵ_o = w_o sampled at p + w(p);
    /// differentiable, for soft confidences such as UFlow's exp(−|w_f + ŵ_b|² / (σ²(H² + W²))).
    /// </summary>
    public static Tensor Discrepancy(Tensor flow, Tensor flowOther)
    {
        using var scope = torch.NewDisposeScope();
        var back = Warping.Warped(flowOther, flow);
        return (flow + back).square().sum(1, keepdim: true).MoveToOuterDisposeScope();
    }
}
