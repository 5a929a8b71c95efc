using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Raft;

/// <summary>RAFT's convex upsampling of a coarse flow by a learned mask.</summary>
public static class ConvexUpsampling
{
    /// <summary>
    /// Flow [B,2,h,w] in coarse pixels and mask [B,9·f²,h,w] → flow [B,2,f·h,f·w] in fine pixels (the vectors are
    /// multiplied by f). Fine pixel (f·y + i, f·x + j) is the convex combination of f·flow at the 3×3 coarse neighbours
    /// (y + ky − 1, x + kx − 1), zero beyond the border, with weights softmax over k of mask channel (ky·3 + kx)·f² + i·f + j.
    /// </summary>
    public static Tensor Upsample(Tensor flow, Tensor mask, int factor = 8)
    {
        if (flow.dim() != 4 || flow.size(1) != 2 || mask.dim() != 4 || mask.size(1) != 9 * factor * factor
            || mask.size(0) != flow.size(0) || mask.size(2) != flow.size(2) || mask.size(3) != flow.size(3))
            throw new ArgumentException($"convex upsampling ×{factor} needs flow [B,2,h,w] and mask [B,{9 * factor * factor},h,w], " +
                                        $"got [{string.Join(",", flow.shape)}] and [{string.Join(",", mask.shape)}]");
        long b = flow.size(0), h = flow.size(2), w = flow.size(3);
        using var scope = torch.NewDisposeScope();
        var weights = mask.view(b, 1, 9, factor, factor, h, w).softmax(2);
        var neighbours = unfold(flow.mul(factor), 3, padding: 1).view(b, 2, 9, 1, 1, h, w);
        var up = weights.mul(neighbours).sum(2);                                           // [B,2,i,j,h,w]
        return up.permute(0, 1, 4, 2, 5, 3).reshape(b, 2, h * factor, w * factor).MoveToOuterDisposeScope();
    }
}
