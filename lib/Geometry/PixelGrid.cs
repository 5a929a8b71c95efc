using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Geometry;

/// <summary>
/// Pixel coordinate grids. Convention: pixel centres at integer coordinates, x = column (0..W−1),
/// y = row (0..H−1); normalised coordinates follow <c>align_corners = true</c>: x_n = 2·x/(W−1) − 1, so
/// −1 and +1 are the centres of the first and last pixels.
/// </summary>
public static class PixelGrid
{
    /// <summary>Coordinates [1,2,H,W] (float32 unless <paramref name="dtype"/> says otherwise): channel 0 = x (column),
    /// channel 1 = y (row), in pixels.</summary>
    public static Tensor Coordinates(long height, long width, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        var xs = torch.arange(0, width, 1, dtype, device).view(1, 1, 1, width).expand(1, 1, height, width);
        var ys = torch.arange(0, height, 1, dtype, device).view(1, 1, height, 1).expand(1, 1, height, width);
        return torch.cat([xs, ys], 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts absolute pixel positions [B,2,H,W] (channel 0 = x, 1 = y) of a source image of size
    /// <paramref name="srcHeight"/>×<paramref name="srcWidth"/> into a <c>grid_sample</c> grid [B,H,W,2] with
    /// <c>align_corners = true</c>: x_n = 2·x/(W−1) − 1, y_n = 2·y/(H−1) − 1. Differentiable.
    /// </summary>
    public static Tensor ToSampleGrid(Tensor positions, long srcHeight, long srcWidth)
    {
        if (srcHeight < 2 || srcWidth < 2)
            throw new ArgumentException($"ToSampleGrid: the source must be at least 2×2 pixels, got {srcHeight}×{srcWidth}");
        using var scope = torch.NewDisposeScope();
        var scale = torch.tensor(new[] { 2.0 / (srcWidth - 1), 2.0 / (srcHeight - 1) }, [1, 2, 1, 1]).to_type(positions.dtype).to(positions.device);
        var grid = (positions * scale - 1).permute(0, 2, 3, 1);
        return grid.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// 1 where the position [B,2,H,W] (pixels, channel 0 = x) lies inside [0, W−1]×[0, H−1] of a source image of
    /// size <paramref name="srcHeight"/>×<paramref name="srcWidth"/>, else 0; a [B,1,H,W] float32 mask, no gradient.
    /// </summary>
    public static Tensor InBounds(Tensor positions, long srcHeight, long srcWidth)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = positions.narrow(1, 0, 1);
        var y = positions.narrow(1, 1, 1);
        var inside = x.ge(0) & x.le(srcWidth - 1) & y.ge(0) & y.le(srcHeight - 1);
        return inside.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
