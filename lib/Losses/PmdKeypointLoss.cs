using DistillKit.Models.Pmd;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Losses;

/// <summary>
/// Keypoint supervision of PMD's teacher (METHODS.md §6, "Keypoint-supervised extension"; the form follows DenseMatching's
/// sparse supervised loss, the details are the kit's): for each annotated keypoint pair, the correlation's distribution
/// over the other image's cells, softmax(β · correlation), against a Gaussian-blurred one-hot at the annotated match,
/// by cross-entropy. DenseMatching states it for target keypoints against the source because its flows run target →
/// source; the kit's matches run source → target (<see cref="CellGrid"/>), so the distribution is the one the kernel
/// soft-argmax reads: for a source keypoint, over the target cells, peaked at the target keypoint.
/// <para>Coordinates: keypoints are normalised (u, v) in the <see cref="CellGrid"/> convention (<c>align_corners =
/// false</c>; <see cref="CellGrid.PixelsToNormalised"/> of pixels in the original images), rows matching across the
/// pair. The correlation of a source keypoint is read bilinearly between the four source cells around it.</para>
/// </summary>
public static class PmdKeypointLoss
{
    /// <summary>β, the softmax's temperature (DenseMatching: 50).</summary>
    public const double DefaultBeta = 50;

    /// <summary>σ of the Gaussian around the annotated match, in cells (the kit's choice).</summary>
    public const double DefaultSigma = 1.0;

    /// <summary>
    /// Mean over every keypoint of the batch of −Σ_q g(q) · log softmax_q(β · C(q, p_s)), where C [B, h·w (target
    /// cell q), h, w (source cell)] is a fused correlation (<see cref="PmdCorrelation.Fused"/>), p_s the source keypoint
    /// and g ∝ exp(−‖centre(q) − p_t‖² / (2σ²)) (distances in cells, Σ g = 1) around the target keypoint p_t.
    /// <paramref name="keypoints"/>[b] = (source, target) [N_b,2] normalised for pair b; keypoints with either end outside
    /// [−1, 1] are left out. A batch without keypoints gives 0 (with a gradient path, so that a step can still run).
    /// </summary>
    public static Tensor CrossEntropy(Tensor correlation, IReadOnlyList<(Tensor Source, Tensor Target)> keypoints,
                                      double beta = DefaultBeta, double sigma = DefaultSigma)
    {
        if (correlation.dim() != 4 || correlation.size(1) != correlation.size(2) * correlation.size(3))
            throw new ArgumentException($"PmdKeypointLoss: expected a correlation [B, h·w, h, w], got [{CellGrid.Shape(correlation)}]");
        if (keypoints.Count != correlation.size(0))
            throw new ArgumentException($"PmdKeypointLoss: {keypoints.Count} keypoint sets for a batch of {correlation.size(0)} correlations");
        if (sigma <= 0) throw new ArgumentException($"PmdKeypointLoss: σ must be positive, got {sigma}");
        long h = correlation.size(2), w = correlation.size(3), n = h * w;
        using var scope = torch.NewDisposeScope();
        var (dtype, device) = (correlation.dtype, correlation.device);
        var centres = CellGrid.Centres(h, w, device, dtype).view(2, n);                        // [2, h·w]
        var cellScale = torch.tensor(new double[] { w / 2.0, h / 2.0 }).to(dtype, device).view(2, 1);
        Tensor total = correlation.sum().mul(0);
        long count = 0;
        for (int b = 0; b < keypoints.Count; b++)
        {
            var (source, target) = keypoints[b];
            if (source.dim() != 2 || source.size(1) != 2 || !source.shape.SequenceEqual(target.shape))
                throw new ArgumentException($"PmdKeypointLoss: pair {b}'s keypoints must be two [N,2] tensors of one shape, got [{CellGrid.Shape(source)}] and [{CellGrid.Shape(target)}]");
            var s = source.to(dtype, device);
            var t = target.to(dtype, device);
            var inside = s.abs().le(1).all(1).logical_and(t.abs().le(1).all(1)).nonzero().view(-1);
            long k = inside.size(0);
            if (k == 0) continue;
            s = s.index_select(0, inside);
            t = t.index_select(0, inside);
            var rows = CellGrid.Sample(correlation[b].unsqueeze(0), s.t().view(1, 2, 1, k)).view(n, k).t();   // [k, h·w]
            var logP = log_softmax(rows.mul(beta), 1);
            var d2 = centres.unsqueeze(0).sub(t.unsqueeze(2)).mul(cellScale.unsqueeze(0)).square().sum(1);   // [k, h·w] in cells²
            var g = softmax(d2.div(-2 * sigma * sigma), 1);
            total = total.add(g.mul(logP).sum().neg());
            count += k;
        }
        return total.div(Math.Max(count, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="CrossEntropy"/> of K hypotheses' correlations [K,B,h·w,h,w] (<see cref="PmdHypotheses.Correlation"/>),
    /// averaged over the hypotheses (each pair's keypoints serve every hypothesis).
    /// </summary>
    public static Tensor OverHypotheses(Tensor correlations, IReadOnlyList<(Tensor Source, Tensor Target)> keypoints,
                                        double beta = DefaultBeta, double sigma = DefaultSigma)
    {
        if (correlations.dim() != 5)
            throw new ArgumentException($"PmdKeypointLoss.OverHypotheses: expected correlations [K,B,h·w,h,w], got [{CellGrid.Shape(correlations)}]");
        long k = correlations.size(0);
        using var scope = torch.NewDisposeScope();
        var flat = correlations.reshape(k * correlations.size(1), correlations.size(2), correlations.size(3), correlations.size(4));
        var repeated = Enumerable.Range(0, (int)k).SelectMany(_ => keypoints).ToArray();
        return CrossEntropy(flat, repeated, beta, sigma).MoveToOuterDisposeScope();
    }
}
