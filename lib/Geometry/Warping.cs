using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Geometry;

/// <summary>
/// Backward warping with a flow field. Conventions (DESIGN.md): images / feature maps [B,C,H,W]; flow [B,2,H,W],
/// channel 0 = u (x), channel 1 = v (y), in pixels of the tensor's own resolution; the forward flow maps pixel p of
/// image 1 to p + w(p) in image 2. Sampling is bilinear with <c>align_corners = true</c> (pinned; pixel centres
/// at integer coordinates, x_n = 2·x/(W−1) − 1); what is read outside the image is a <see cref="WarpPadding"/>, zero
/// padding unless the caller asks otherwise. The in-bounds mask is the same whatever the padding.
/// </summary>
public static class Warping
{
    /// <summary>
    /// Samples <paramref name="image2"/> [B,C,H,W] at p + w(p) for every pixel p, with w = <paramref name="flowFwd"/>
    /// [B,2,H,W] (so the result is aligned with image 1). Returns the warped tensor [B,C,H,W] (differentiable in
    /// both inputs) and the in-bounds mask [B,1,H,W] float32 {0,1}: 1 where p + w(p) lies in [0, W−1]×[0, H−1].
    /// <paramref name="padding"/> says what is read outside the image: zeros by default (the kit's convention), the
    /// clamped border value, or DDFlow's tf_warp (<see cref="WarpPadding"/>); the mask does not depend on it.
    /// </summary>
    public static (Tensor warped, Tensor inBounds) Warp(Tensor image2, Tensor flowFwd, WarpPadding padding = WarpPadding.Zeros)
    {
        CheckPair(image2, flowFwd, nameof(Warp));
        long h = image2.size(2), w = image2.size(3);
        using var scope = torch.NewDisposeScope();
        var positions = TargetPositions(flowFwd);
        var warped = Sample(image2, positions, padding);
        var inBounds = PixelGrid.InBounds(positions, h, w);
        scope.MoveToOuter(warped, inBounds);
        return (warped, inBounds);
    }

    /// <summary>
    /// <see cref="Warp"/> without the in-bounds mask: <paramref name="image2"/> [B,C,H,W] sampled at p + w(p), aligned
    /// with image 1 (same conventions: bilinear, <c>align_corners = true</c>, <paramref name="padding"/> outside the image,
    /// zeros by default). For the callers that do not use the mask (it costs a few ops per call).
    /// </summary>
    public static Tensor Warped(Tensor image2, Tensor flowFwd, WarpPadding padding = WarpPadding.Zeros)
    {
        CheckPair(image2, flowFwd, nameof(Warped));
        using var scope = torch.NewDisposeScope();
        return Sample(image2, TargetPositions(flowFwd), padding).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bilinear sampling of <paramref name="source"/> [B,C,Hs,Ws] at absolute pixel positions [B,2,H,W]
    /// (channel 0 = x, 1 = y), <c>align_corners = true</c>, reading <paramref name="padding"/> outside
    /// [0, Ws−1]×[0, Hs−1] (zeros by default). Returns [B,C,H,W], differentiable in both inputs.
    /// </summary>
    public static Tensor Sample(Tensor source, Tensor positions, WarpPadding padding = WarpPadding.Zeros)
    {
        if (padding == WarpPadding.DdflowTfWarp) return SampleDdflow(source, positions);
        using var scope = torch.NewDisposeScope();
        var grid = PixelGrid.ToSampleGrid(positions, source.size(2), source.size(3));
        // with align_corners = true, grid_sample's "border" clamps the pixel coordinate to [0, W−1]: WarpPadding.Border
        var mode = padding == WarpPadding.Border ? GridSamplePaddingMode.Border : GridSamplePaddingMode.Zeros;
        var sampled = grid_sample(source, grid, GridSampleMode.Bilinear, mode, align_corners: true);
        return sampled.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="WarpPadding.DdflowTfWarp"/>: corners x0 = trunc(x), x1 = x0 + 1 (and y0, y1) clipped to the image,
    /// weights (x1 − x)(y1 − y), (x1 − x)(y − y0), (x − x0)(y1 − y), (x − x0)(y − y0) from the unclipped position.
    /// </summary>
    static Tensor SampleDdflow(Tensor source, Tensor positions)
    {
        if (source.dim() != 4 || positions.dim() != 4 || positions.size(1) != 2 || positions.size(0) != source.size(0))
            throw new ArgumentException($"Sample: expected source [B,C,Hs,Ws] and positions [B,2,H,W], got [{string.Join(",", source.shape)}] and [{string.Join(",", positions.shape)}]");
        long b = source.size(0), c = source.size(1), hs = source.size(2), ws = source.size(3);
        long h = positions.size(2), w = positions.size(3);
        using var scope = torch.NewDisposeScope();
        var x = positions.narrow(1, 0, 1);
        var y = positions.narrow(1, 1, 1);
        Tensor x0, x1, y0, y1;
        using (torch.no_grad())
        {
            var xt = x.trunc().to_type(ScalarType.Int64);
            var yt = y.trunc().to_type(ScalarType.Int64);
            x0 = xt.clamp(0, ws - 1);
            x1 = (xt + 1).clamp(0, ws - 1);
            y0 = yt.clamp(0, hs - 1);
            y1 = (yt + 1).clamp(0, hs - 1);
        }
        var flat = source.reshape(b, c, hs * ws);
        Tensor Corner(Tensor xi, Tensor yi) =>
            flat.gather(2, (yi * ws + xi).view(b, 1, h * w).expand(b, c, h * w)).view(b, c, h, w);
        var (fx0, fx1, fy0, fy1) = (x0.to_type(x.dtype), x1.to_type(x.dtype), y0.to_type(y.dtype), y1.to_type(y.dtype));
        var result = (fx1 - x) * (fy1 - y) * Corner(x0, y0) + (fx1 - x) * (y - fy0) * Corner(x0, y1)
                   + (x - fx0) * (fy1 - y) * Corner(x1, y0) + (x - fx0) * (y - fy0) * Corner(x1, y1);
        return result.MoveToOuterDisposeScope();
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
