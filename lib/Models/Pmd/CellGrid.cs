using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Pmd;

/// <summary>
/// PMD's coordinates, written once. Matches and flows live on the layer3 cell grid (h×w cells, stride 16) in
/// <b>normalised coordinates with the <c>align_corners = false</c> convention</b>: the image spans [−1, 1] edge to
/// edge, cell i of w has its centre at u = (2i + 1)/w − 1, and pixel x of a W-pixel image (pixel centres at integer
/// x) sits at u = (2x + 1)/W − 1, so x = ((u + 1)·W − 1)/2. Because cell i covers pixels 16i … 16i + 15, both formulas
/// give the cell centre the same u: a normalised position means the same point on the grid, on the network input and
/// on the original image before resizing. Channel 0 = x (u), channel 1 = y (v). A flow is target position minus
/// source cell centre, so a normalised flow Δu is Δu·W/2 pixels.
/// <para>This differs from <see cref="Geometry.PixelGrid"/>'s <c>align_corners = true</c> normalisation of pixel
/// warps (−1, 1 = first and last pixel centres); cross between the two only through pixels, with these helpers.</para>
/// </summary>
public static class CellGrid
{
    /// <summary>Cell centres [1,2,h,w] in normalised coordinates: channel 0 = (2j + 1)/w − 1, channel 1 = (2i + 1)/h − 1.</summary>
    public static Tensor Centres(long height, long width, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        var xs = torch.arange(0, width, 1, dtype, device).mul(2).add(1).div(width).sub(1).view(1, 1, 1, width).expand(1, 1, height, width);
        var ys = torch.arange(0, height, 1, dtype, device).mul(2).add(1).div(height).sub(1).view(1, 1, height, 1).expand(1, 1, height, width);
        return torch.cat([xs, ys], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Points [N,2] (x, y) in pixels of a <paramref name="width"/>×<paramref name="height"/> image → normalised (u, v).</summary>
    public static Tensor PixelsToNormalised(Tensor points, long width, long height)
    {
        CheckPoints(points, nameof(PixelsToNormalised));
        using var scope = torch.NewDisposeScope();
        var size = torch.tensor(new double[] { width, height }).to(points.dtype, points.device);
        return points.mul(2).add(1).div(size).sub(1).MoveToOuterDisposeScope();
    }

    /// <summary>Normalised points [N,2] (u, v) → pixels (x, y) of a <paramref name="width"/>×<paramref name="height"/> image.</summary>
    public static Tensor NormalisedToPixels(Tensor points, long width, long height)
    {
        CheckPoints(points, nameof(NormalisedToPixels));
        using var scope = torch.NewDisposeScope();
        var size = torch.tensor(new double[] { width, height }).to(points.dtype, points.device);
        return points.add(1).mul(size).sub(1).div(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bilinear sampling of a cell field [B,C,h,w] at normalised positions [B,2,H',W'] (channel 0 = u), this class's
    /// convention (<c>grid_sample</c>, <c>align_corners = false</c>); positions beyond the outermost cell centres read
    /// the border cell's value (border padding). [B,C,H',W'], differentiable in both inputs.
    /// </summary>
    public static Tensor Sample(Tensor field, Tensor positions)
    {
        if (field.dim() != 4 || positions.dim() != 4 || positions.size(1) != 2 || positions.size(0) != field.size(0))
            throw new ArgumentException($"CellGrid.Sample: expected field [B,C,h,w] and positions [B,2,H,W], got [{Shape(field)}] and [{Shape(positions)}]");
        using var scope = torch.NewDisposeScope();
        var grid = positions.permute(0, 2, 3, 1);
        return grid_sample(field, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A normalised cell flow [B,2,h,w] → a flow [B,2,H,W] in pixels of an H×W image (DESIGN.md: channel 0 = u,
    /// p in the source maps to p + w(p) in the target; both images at H×W, e.g. the network input): bilinear
    /// upsampling with <c>align_corners = false</c> (cell centres sit at pixel 16i + 7.5 at stride 16; beyond the outer
    /// centres the border value holds), then u·W/2, v·H/2.
    /// </summary>
    public static Tensor ToPixelFlow(Tensor flow, long height, long width)
    {
        CheckFlow(flow, nameof(ToPixelFlow));
        using var scope = torch.NewDisposeScope();
        var up = interpolate(flow, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        var scale = torch.tensor(new double[] { width / 2.0, height / 2.0 }).to(flow.dtype, flow.device).view(1, 2, 1, 1);
        return up.mul(scale).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A pixel flow [B,2,H,W] (DESIGN.md units) and its valid mask [B,1,H,W] (1 = known; null = all known) → the
    /// normalised flow at the centres of an h×w cell grid [B,2,h,w] and its mask [B,1,h,w]: the flow bilinearly
    /// sampled at each cell centre (pixel ((j + ½)·W/w − ½, (i + ½)·H/h − ½)), times 2/W and 2/H; a cell is valid when
    /// the four pixels it is sampled from all are. No gradient through the mask; the flow is differentiable.
    /// </summary>
    public static (Tensor flow, Tensor valid) FromPixelFlow(Tensor flow, Tensor? valid, long cellsHigh, long cellsWide)
    {
        CheckFlow(flow, nameof(FromPixelFlow));
        long b = flow.size(0), h = flow.size(2), w = flow.size(3);
        if (valid is not null && !valid.shape.SequenceEqual(new[] { b, 1, h, w }))
            throw new ArgumentException($"CellGrid.FromPixelFlow: valid must be [B,1,H,W] = [{b},1,{h},{w}], got [{Shape(valid)}]");
        using var scope = torch.NewDisposeScope();
        var cells = interpolate(flow, [cellsHigh, cellsWide], mode: InterpolationMode.Bilinear, align_corners: false);
        var scale = torch.tensor(new double[] { 2.0 / w, 2.0 / h }).to(flow.dtype, flow.device).view(1, 2, 1, 1);
        Tensor mask;
        using (torch.no_grad())
            mask = valid is null
                ? torch.ones(b, 1, cellsHigh, cellsWide, flow.dtype, flow.device)
                : interpolate(valid.to_type(flow.dtype), [cellsHigh, cellsWide], mode: InterpolationMode.Bilinear, align_corners: false)
                    .ge(1 - 1e-6).to_type(flow.dtype);
        var result = cells.mul(scale);
        scope.MoveToOuter(result, mask);
        return (result, mask);
    }

    /// <summary>
    /// Carries keypoints [N,2] (x, y) in pixels of image 1 (<paramref name="width1"/>×<paramref name="height1"/>, e.g.
    /// the original image before PMD's resize) into image 2 (<paramref name="width2"/>×<paramref name="height2"/>)
    /// with one pair's normalised cell flow [2,h,w] or [1,2,h,w] (source = image 1): u₂ = u₁ + F(u₁), F sampled
    /// bilinearly (<see cref="Sample"/>, border padding), then back to pixels of image 2. Returns [N,2] pixels.
    /// </summary>
    public static Tensor TransferKeypoints(Tensor flow, Tensor keypoints, long width1, long height1, long width2, long height2)
    {
        if (flow.dim() == 3) flow = flow.unsqueeze(0);
        if (flow.dim() != 4 || flow.size(0) != 1 || flow.size(1) != 2)
            throw new ArgumentException($"CellGrid.TransferKeypoints: expected one pair's flow [2,h,w] or [1,2,h,w], got [{Shape(flow)}]");
        CheckPoints(keypoints, nameof(TransferKeypoints));
        using var scope = torch.NewDisposeScope();
        var u1 = PixelsToNormalised(keypoints.to(flow.dtype, flow.device), width1, height1);          // [N,2]
        var at = u1.t().view(1, 2, 1, -1);                                                            // [1,2,1,N]
        var u2 = u1.add(Sample(flow, at).view(2, -1).t());
        return NormalisedToPixels(u2, width2, height2).MoveToOuterDisposeScope();
    }

    static void CheckFlow(Tensor flow, string caller)
    {
        if (flow.dim() != 4 || flow.size(1) != 2)
            throw new ArgumentException($"CellGrid.{caller}: expected a flow [B,2,H,W], got [{Shape(flow)}]");
    }

    static void CheckPoints(Tensor points, string caller)
    {
        if (points.dim() != 2 || points.size(1) != 2)
            throw new ArgumentException($"CellGrid.{caller}: expected points [N,2] (x, y), got [{Shape(points)}]");
    }

    internal static string Shape(Tensor t) => string.Join(",", t.shape);
}
