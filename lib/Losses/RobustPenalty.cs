using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>DDFlow's generalised Charbonnier ("abs robust") penalty. Pure function of tensors.</summary>
public static class RobustPenalty
{
    /// <summary>
    /// ψ(d; m) = Σ m·(|d| + ε)^q / (2·Σ m + 1e-6) with ε = 0.01, q = 0.4 (METHODS.md §1). The numerator sums over
    /// pixels and channels of d [B,C,H,W] with the mask m [B,1,H,W] (1 = pixel counts) broadcast over channels; the
    /// denominator sums the mask as given (the 2 normalises a two-channel d; DDFlow keeps it for one-channel d too).
    /// A null mask counts every pixel. Returns a 0-d tensor, differentiable in d.
    /// </summary>
    public static Tensor Psi(Tensor diff, Tensor? mask = null, double eps = 0.01, double q = 0.4)
    {
        using var scope = torch.NewDisposeScope();
        // ψ(d; m) = Σ m·(|d| + 0.01)^0.4 / (2·Σ m + 1e-6); without a mask Σ m is the pixel count B·H·W
        var penalty = (diff.abs() + eps).pow(q);
        if (mask is null)
            return (penalty.sum() / (2.0 * diff.size(0) * diff.size(2) * diff.size(3) + 1e-6)).MoveToOuterDisposeScope();
        return ((penalty * mask).sum() / (mask.sum() * 2 + 1e-6)).MoveToOuterDisposeScope();
    }
}
