using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>Luma used by the census / ternary transforms.</summary>
public static class Grayscale
{
    /// <summary>Gray [B,1,H,W] = 0.2989·R + 0.5870·G + 0.1140·B of an RGB image [B,3,H,W] (the weights of
    /// TensorFlow's rgb_to_grayscale, used by DDFlow and ARFlow).</summary>
    public static Tensor FromRgb(Tensor image)
    {
        if (image.dim() != 4 || image.size(1) != 3)
            throw new ArgumentException($"Grayscale.FromRgb: expected [B,3,H,W], got [{string.Join(",", image.shape)}]");
        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(new[] { 0.2989, 0.5870, 0.1140 }, [1, 3, 1, 1]).to_type(image.dtype).to(image.device);
        return (image * w).sum(1, keepdim: true).MoveToOuterDisposeScope();
    }
}
