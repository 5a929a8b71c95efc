using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Pmd;

/// <summary>
/// PMD's matching head as pure functions (METHODS.md §6): per layer L2-normalise, all-pairs correlation, ReLU; fuse
/// the layers by an elementwise product and L2-normalise; the kernel soft-argmax reads one target position per source
/// cell. A correlation is laid out [B, h_t·w_t, h_s, w_s]: channel j = y·w_t + x indexes the target cell, the
/// spatial axes the source cell. Positions are normalised as <see cref="CellGrid"/> says (<c>align_corners = false</c>).
/// </summary>
public static class PmdCorrelation
{
    /// <summary>ε under the square root of every L2 normalisation.</summary>
    public const double NormEpsilon = 1e-6;

    /// <summary>x / √(Σ_dim x² + ε), ε = <see cref="NormEpsilon"/>, along <paramref name="dim"/>.</summary>
    public static Tensor L2Normalise(Tensor x, long dim = 1)
    {
        using var scope = torch.NewDisposeScope();
        return x.div(x.square().sum(dim, keepdim: true).add(NormEpsilon).sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ReLU(⟨f̂_s(p), f̂_t(q)⟩) for every source cell p and target cell q, f̂ = <see cref="L2Normalise"/> over channels.
    /// source, target [B,C,h,w] → [B, h·w (target q), h, w (source p)].
    /// </summary>
    public static Tensor Correlate(Tensor source, Tensor target)
    {
        if (source.dim() != 4 || !source.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"PmdCorrelation.Correlate: expected two [B,C,h,w] maps of one shape, got [{CellGrid.Shape(source)}] and [{CellGrid.Shape(target)}]");
        long b = source.size(0), c = source.size(1), h = source.size(2), w = source.size(3);
        using var scope = torch.NewDisposeScope();
        var s = L2Normalise(source).view(b, c, h * w);
        var t = L2Normalise(target).view(b, c, h * w);
        return t.transpose(1, 2).bmm(s).view(b, h * w, h, w).relu().MoveToOuterDisposeScope();
    }

    /// <summary>The fused correlation: L2-normalise (over the target cells, dim 1) the elementwise product of the layer correlations.</summary>
    public static Tensor Fuse(Tensor correlation3, Tensor correlation4)
    {
        if (!correlation3.shape.SequenceEqual(correlation4.shape))
            throw new ArgumentException($"PmdCorrelation.Fuse: the correlations must have one shape, got [{CellGrid.Shape(correlation3)}] and [{CellGrid.Shape(correlation4)}]");
        using var scope = torch.NewDisposeScope();
        return L2Normalise(correlation3.mul(correlation4)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Kernel soft-argmax of a correlation [B, h_t·w_t, h_s, w_s] over a <paramref name="targetHeight"/>×
    /// <paramref name="targetWidth"/> target grid: for each source cell, with q* the target cell of largest correlation
    /// (no gradient through the choice), g(q) = exp(−‖q − q*‖² / (2σ²)) in cells, P = softmax_q(β · g · corr), and the
    /// match Σ_q P(q) · centre(q) in normalised coordinates. Returns [B,2,h_s,w_s] (channel 0 = u).
    /// </summary>
    public static Tensor KernelSoftArgmax(Tensor correlation, long targetHeight, long targetWidth, double sigma, double beta)
    {
        if (correlation.dim() != 4 || correlation.size(1) != targetHeight * targetWidth)
            throw new ArgumentException($"PmdCorrelation.KernelSoftArgmax: expected a correlation [B,{targetHeight}·{targetWidth},h,w], got [{CellGrid.Shape(correlation)}]");
        using var scope = torch.NewDisposeScope();
        var (dtype, device) = (correlation.dtype, correlation.device);
        long n = targetHeight * targetWidth;
        var best = correlation.argmax(1, keepdim: true);                                          // [B,1,h,w] index y·w_t + x
        var bestX = best.remainder(targetWidth).to_type(dtype);
        var bestY = best.div(targetWidth, rounding_mode: RoundingMode.floor).to_type(dtype);
        var cellX = torch.arange(n, ScalarType.Int64, device).remainder(targetWidth).to_type(dtype).view(1, n, 1, 1);
        var cellY = torch.arange(n, ScalarType.Int64, device).div(targetWidth, rounding_mode: RoundingMode.floor).to_type(dtype).view(1, n, 1, 1);
        var kernel = cellX.sub(bestX).square().add(cellY.sub(bestY).square()).div(-2 * sigma * sigma).exp();
        var p = softmax(kernel.mul(correlation).mul(beta), 1);
        var centres = CellGrid.Centres(targetHeight, targetWidth, device, dtype).view(2, n, 1, 1);
        var u = p.mul(centres[0]).sum(1, keepdim: true);
        var v = p.mul(centres[1]).sum(1, keepdim: true);
        return torch.cat([u, v], 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Matched target positions [B,2,h,w] from adapted (and attention-weighted) features: layer3 source/target
    /// [B,C3,h,w], layer4 [B,C4,h/2,w/2] upsampled ×2 (bilinear, <c>align_corners = false</c>, so each layer4 cell keeps
    /// its centre), per-layer <see cref="Correlate"/>, <see cref="Fuse"/>, <see cref="KernelSoftArgmax"/>.
    /// </summary>
    public static Tensor Match(Tensor source3, Tensor target3, Tensor source4, Tensor target4, double sigma, double beta)
    {
        long h = source3.size(2), w = source3.size(3);
        using var scope = torch.NewDisposeScope();
        var fused = Fused(source3, target3, source4, target4);
        return KernelSoftArgmax(fused, h, w, sigma, beta).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The fused correlation [B, h·w (target cell), h, w (source cell)] that <see cref="Match"/> reads its matches from:
    /// layer4 upsampled ×2 to the layer3 grid, per-layer <see cref="Correlate"/>, <see cref="Fuse"/>.
    /// </summary>
    public static Tensor Fused(Tensor source3, Tensor target3, Tensor source4, Tensor target4)
    {
        long h = source3.size(2), w = source3.size(3);
        using var scope = torch.NewDisposeScope();
        var s4 = interpolate(source4, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        var t4 = interpolate(target4, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        return Fuse(Correlate(source3, target3), Correlate(s4, t4)).MoveToOuterDisposeScope();
    }
}
