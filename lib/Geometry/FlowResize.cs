using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Geometry;

/// <summary>How a resized flow's vectors are rescaled.</summary>
public enum FlowScaling
{
    /// <summary>u × W'/W, v × H'/H: the kit's convention (DESIGN.md) and what PWC-Net-style pyramids use.</summary>
    SizeRatio,

    /// <summary>u × (W'−1)/(W−1), v × (H'−1)/(H−1): the exact factor of the <c>align_corners = true</c> pixel mapping.</summary>
    CornerAligned,
}

/// <summary>Resizing of flow fields [B,2,H,W] (channel 0 = u, 1 = v, pixels of the tensor's own resolution).</summary>
public static class FlowResize
{
    /// <summary>
    /// Bilinearly resizes <paramref name="flow"/> [B,2,H,W] to [B,2,H',W'] with <c>align_corners = true</c> and
    /// rescales the vectors into pixels of the new resolution: by default u × W'/W and v × H'/H
    /// (<see cref="FlowScaling.SizeRatio"/>). Differentiable.
    /// </summary>
    public static Tensor Resize(Tensor flow, long height, long width, FlowScaling scaling = FlowScaling.SizeRatio)
    {
        if (flow.dim() != 4 || flow.size(1) != 2)
            throw new ArgumentException($"FlowResize.Resize: flow must be [B,2,H,W], got [{string.Join(",", flow.shape)}]");
        long h = flow.size(2), w = flow.size(3);
        var (su, sv) = Factors(h, w, height, width, scaling);
        using var scope = torch.NewDisposeScope();
        var resized = h == height && w == width
            ? flow.alias()
            : interpolate(flow, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: true);
        var factor = torch.tensor(new[] { su, sv }, [1, 2, 1, 1]).to_type(flow.dtype).to(flow.device);
        return (resized * factor).MoveToOuterDisposeScope();
    }

    /// <summary>The (u, v) multipliers for resizing an H×W flow to H'×W' under <paramref name="scaling"/>.</summary>
    public static (double U, double V) Factors(long height, long width, long newHeight, long newWidth, FlowScaling scaling = FlowScaling.SizeRatio) =>
        scaling switch
        {
            FlowScaling.SizeRatio => ((double)newWidth / width, (double)newHeight / height),
            _ => (width > 1 ? (newWidth - 1.0) / (width - 1) : 1.0, height > 1 ? (newHeight - 1.0) / (height - 1) : 1.0),
        };
}
