using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Raft;

/// <summary>
/// RAFT's all-pairs correlation volume and its lookup. Level 0 holds, for every pixel of image 1 (on the 1/8 grid),
/// the dot products of its feature with every feature of image 2 divided by √C; level l is level l−1 average-pooled
/// 2×2 over the image-2 dims. Volumes are [B·H·W, 1, h_l, w_l] (one image-2 map per image-1 pixel, row-major).
/// </summary>
public static class CorrelationPyramid
{
    /// <summary>The pyramid of <paramref name="levels"/> volumes for features f1, f2 [B,C,H,W].</summary>
    public static Tensor[] Build(Tensor f1, Tensor f2, int levels)
    {
        var s = f1.shape;
        if (s.Length != 4 || !s.SequenceEqual(f2.shape))
            throw new ArgumentException($"correlation needs two [B,C,H,W] feature maps of one shape, got [{string.Join(",", s)}] and [{string.Join(",", f2.shape)}]");
        long b = s[0], c = s[1], h = s[2], w = s[3];
        if (h >> (levels - 1) < 1 || w >> (levels - 1) < 1)
            throw new ArgumentException($"a {levels}-level correlation pyramid needs feature maps of at least {1 << (levels - 1)}×{1 << (levels - 1)}, got {h}×{w}");
        using var scope = torch.NewDisposeScope();
        // C(p, q) = <f1(p), f2(q)> / √C  (RAFT, eq. 1 with the paper's normalisation)
        var corr = torch.matmul(f1.reshape(b, c, h * w).transpose(1, 2), f2.reshape(b, c, h * w)).div(Math.Sqrt(c));
        var pyramid = new Tensor[levels];
        pyramid[0] = corr.view(b * h * w, 1, h, w);
        for (int l = 1; l < levels; l++) pyramid[l] = avg_pool2d(pyramid[l - 1], 2, stride: 2);
        scope.MoveToOuter(pyramid);
        return pyramid;
    }

    /// <summary>
    /// Samples every level around <paramref name="coords"/> [B,2,H,W] (x, y in pixels of the 1/8 grid; level l uses
    /// coords / 2^l) at the offsets of a (2r+1)² window: bilinear between pixel centres (integers, the kit's
    /// <c>align_corners = true</c> convention), zeros outside. Returns [B, levels·(2r+1)², H, W]; within a level,
    /// channel (ox + r)·(2r+1) + (oy + r) (x-offset outer, RAFT's layout); levels in order. One grid_sample per level over
    /// all pixels; positions are normalised as x_n = (2x + 1)/w − 1 with grid_sample's align_corners = false, which
    /// addresses the same pixel positions and stays defined on the 1-pixel maps of a coarse level (64×96 input, 4 levels: 1×1).
    /// </summary>
    public static Tensor Lookup(Tensor[] pyramid, Tensor coords, int radius)
    {
        if (coords.dim() != 4 || coords.size(1) != 2)
            throw new ArgumentException($"lookup coordinates must be [B,2,H,W], got [{string.Join(",", coords.shape)}]");
        long b = coords.size(0), h = coords.size(2), w = coords.size(3), n = b * h * w;
        if (pyramid[0].size(0) != n)
            throw new ArgumentException($"lookup: {n} positions for a volume of {pyramid[0].size(0)} image-1 pixels");
        int side = 2 * radius + 1, k = side * side;
        using var scope = torch.NewDisposeScope();
        var window = new float[2 * k];
        for (int i = 0; i < side; i++)          // x-offset outer
            for (int j = 0; j < side; j++)
            {
                window[2 * (i * side + j)] = i - radius;
                window[2 * (i * side + j) + 1] = j - radius;
            }
        var offsets = torch.tensor(window, [1, k, 2]).to(coords.dtype, coords.device);
        var centres = coords.permute(0, 2, 3, 1).reshape(n, 1, 2);
        var samples = new Tensor[pyramid.Length];
        for (int l = 0; l < pyramid.Length; l++)
        {
            long mh = pyramid[l].size(2), mw = pyramid[l].size(3);
            var positions = centres.mul(1.0 / (1 << l)).add(offsets);                                   // [N,K,2] pixels of level l
            var scale = torch.tensor(new[] { 2.0 / mw, 2.0 / mh }).to(coords.dtype, coords.device);
            var shift = torch.tensor(new[] { 1.0 / mw - 1, 1.0 / mh - 1 }).to(coords.dtype, coords.device);
            var grid = positions.mul(scale).add(shift).view(n, 1, k, 2);
            var sampled = grid_sample(pyramid[l], grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
            samples[l] = sampled.view(b, h, w, k);
        }
        return torch.cat(samples, 3).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
