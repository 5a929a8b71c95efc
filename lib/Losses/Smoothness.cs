using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>
/// Edge-aware flow smoothness (METHODS.md §1). Flow [B,2,H,W] (u, v; ARFlow applies it to flow / min(H, W), the
/// caller scales), image [B,3,H,W] RGB in [0,1] of the same size. Finite differences: ∂x f = f[..., x+1] − f[..., x],
/// ∂y f = f[..., y+1, :] − f[..., y, :]. Edge weights w_x = exp(−α·mean_c |∂x I|), w_y = exp(−α·mean_c |∂y I|),
/// α = 10 (ARFlow; UFlow's edge constant is 150). Pure functions; 0-d results.
/// </summary>
public static class Smoothness
{
    /// <summary>
    /// S1 = ½·mean(w_x·|∂x w|) + ½·mean(w_y·|∂y w|) (means over B, 2 channels and pixels). ARFlow's code divides each
    /// map once more by 2: multiply its weight by ½ to match.
    /// </summary>
    public static Tensor FirstOrder(Tensor flow, Tensor image, double alpha = 10)
    {
        using var scope = torch.NewDisposeScope();
        var (wx, wy) = EdgeWeights(image, alpha);
        var (dx, dy) = Gradients(flow);
        // ½·mean(exp(−α·mean_c|∂x I|)·|∂x w|) + ½·mean(exp(−α·mean_c|∂y I|)·|∂y w|)
        var loss = (wx * dx.abs()).mean() / 2 + (wy * dy.abs()).mean() / 2;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// S2 = ½·mean(w_x'·|∂xx w|) + ½·mean(w_y'·|∂yy w|), with ∂xx w = ∂x(∂x w) [B,2,H,W−2] and w_x' = w_x without its
    /// first column (the weight between x+1 and x+2, as ARFlow aligns it); likewise in y.
    /// </summary>
    public static Tensor SecondOrder(Tensor flow, Tensor image, double alpha = 10)
    {
        using var scope = torch.NewDisposeScope();
        var (wx, wy) = EdgeWeights(image, alpha);
        var (dx, dy) = Gradients(flow);
        var (dxx, _) = Gradients(dx);
        var (_, dyy) = Gradients(dy);
        var loss = (wx.narrow(3, 1, wx.size(3) - 1) * dxx.abs()).mean() / 2
                 + (wy.narrow(2, 1, wy.size(2) - 1) * dyy.abs()).mean() / 2;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Edge weights (w_x [B,1,H,W−1], w_y [B,1,H−1,W]) = exp(−α·mean_c |∂ I|).</summary>
    public static (Tensor wx, Tensor wy) EdgeWeights(Tensor image, double alpha = 10)
    {
        using var scope = torch.NewDisposeScope();
        var (ix, iy) = Gradients(image);
        var wx = (ix.abs().mean([1], keepdim: true) * -alpha).exp();
        var wy = (iy.abs().mean([1], keepdim: true) * -alpha).exp();
        scope.MoveToOuter(wx, wy);
        return (wx, wy);
    }

    /// <summary>Forward differences (∂x [B,C,H,W−1], ∂y [B,C,H−1,W]).</summary>
    public static (Tensor dx, Tensor dy) Gradients(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        long h = t.size(2), w = t.size(3);
        var dx = t.narrow(3, 1, w - 1) - t.narrow(3, 0, w - 1);
        var dy = t.narrow(2, 1, h - 1) - t.narrow(2, 0, h - 1);
        scope.MoveToOuter(dx, dy);
        return (dx, dy);
    }
}
