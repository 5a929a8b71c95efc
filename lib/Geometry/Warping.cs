using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Geometry;

/// <summary>
/// Backward warping with a flow field. Conventions (DESIGN.md): images / feature maps [B,C,H,W]; flow [B,2,H,W],
/// channel 0 = u (x), channel 1 = v (y), in pixels of the tensor's own resolution; the forward flow maps pixel p of
/// image 1 to p + w(p) in image 2. Sampling is bilinear with <c>align_corners = true</c> (pinned; pixel centres
/// at integer coordinates, x_n = 2·x/(W−1) − 1) and zero padding outside the image.
/// </summary>
public static class Warping
{
    /// <summary>
    /// Samples <paramref name="image2"/> [B,C,H,W] at p + w(p) for every pixel p, with w = <paramref name="flowFwd"/>
    /// [B,2,H,W] (so the result is aligned with image 1). Returns the warped tensor [B,C,H,W] (differentiable in
    /// both inputs) and the in-bounds mask [B,1,H,W] float32 {0,1}: 1 where p + w(p) lies in [0, W−1]×[0, H−1].
    /// </summary>
    public static (Tensor warped, Tensor inBounds) Warp(Tensor image2, Tensor flowFwd)
    {
        CheckPair(image2, flowFwd, nameof(Warp));
        long h = image2.size(2), w = image2.size(3);
        using var scope = torch.NewDisposeScope();
        var positions = TargetPositions(flowFwd);
        var warped = Sample(image2, positions);
        var inBounds = PixelGrid.InBounds(positions, h, w);
        scope.MoveToOuter(warped, inBounds);
        return (warped, inBounds);
    }

    /// <summary>
    /// <see cref="Warp"/> without the in-bounds mask: <paramref name="image2"/> [B,C,H,W] sampled at p + w(p), aligned
    /// with image 1 (same conventions). For the callers that do not use the mask (it costs a few ops per call).
    /// </summary>
    public static Tensor Warped(Tensor image2, Tensor flowFwd)
    {
        CheckPair(image2, flowFwd, nameof(Warped));
        using var scope = torch.NewDisposeScope();
        return Sample(image2, TargetPositions(flowFwd)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bilinear sampling of <paramref name="source"/> [B,C,Hs,Ws] at absolute pixel positions [B,2,H,W]
    /// (channel 0 = x, 1 = y), <c>align_corners = true</c>, zero padding. Returns [B,C,H,W].
    /// </summary>
    public static Tensor Sample(Tensor source, Tensor positions)
    {
        using var scope = torch.NewDisposeScope();
        var grid = PixelGrid.ToSampleGrid(positions, source.size(2), source.size(3));
        var sampled = grid_sample(source, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: true);
        return sampled.MoveToOuterDisposeScope();
    }

    /// <summary>The positions p + w(p) [B,2,H,W] in pixels for a flow [B,2,H,W] (differentiable).</summary>
    public static Tensor TargetPositions(Tensor flow)
    {
        if (flow.dim() != 4 || flow.size(1) != 2)
            throw new ArgumentException($"flow must be [B,2,H,W], got [{string.Join(",", flow.shape)}]");
        using var scope = torch.NewDisposeScope();
        var grid = PixelGrid.Coordinates(flow.size(2), flow.size(3), flow.device, flow.dtype);
        return (flow + grid).MoveToOuterDisposeScope();
    }

    internal static void CheckPair(Tensor image, Tensor flow, string caller)
    {
        var s = image.shape;
        var f = flow.shape;
        if (s.Length != 4 || f.Length != 4 || f[1] != 2 || s[0] != f[0] || s[2] != f[2] || s[3] != f[3])
            throw new ArgumentException($"{caller}: expected image [B,C,H,W] and flow [B,2,H,W] of the same B, H, W; " +
                                        $"got [{string.Join(",", s)}] and [{string.Join(",", f)}]");
    }
}
