using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>
/// Flow error metrics. Fl values are fractions in [0, 1] (×100 for the percentages papers print); NaN where no pixel
/// (or, per image, no image) qualifies, e.g. the noc/occ values when no occlusion mask was given.
/// </summary>
/// <param name="EpeAll">Mean end-point error over valid pixels.</param>
/// <param name="EpeNoc">Mean end-point error over valid, non-occluded pixels (occ = 0).</param>
/// <param name="EpeOcc">Mean end-point error over valid, occluded pixels (occ = 1).</param>
/// <param name="FlAll">Outlier fraction over valid pixels.</param>
/// <param name="FlNoc">Outlier fraction over valid, non-occluded pixels.</param>
/// <param name="Images">Number of images evaluated (the batch size).</param>
/// <param name="Aggregation">How pixels of the images were combined.</param>
public sealed record FlowErrorMetrics(double EpeAll, double EpeNoc, double EpeOcc, double FlAll, double FlNoc, int Images,
    MetricAggregation Aggregation);

/// <summary>
/// End-point error and KITTI Fl (METHODS.md §1). Flows [B,2,H,W] (u, v) in pixels of the tensor's own resolution;
/// masks [B,1,H,W] float32, a pixel is in a mask when its value is &gt; 0.5: <c>valid</c> (1 = ground truth known;
/// null = all pixels) and <c>occ</c> (1 = occluded; null = no noc/occ split). EPE(p) = ‖w(p) − w_gt(p)‖₂; p is an Fl
/// outlier when EPE(p) &gt; <c>absThreshold</c> (3 px) and EPE(p) &gt; <c>relThreshold</c>·‖w_gt(p)‖₂ (5%).
/// No gradients are recorded.
/// </summary>
public static class FlowErrors
{
    /// <summary>EPE all/noc/occ and Fl all/noc of a batch, aggregated as <paramref name="aggregation"/> says
    /// (default: per image, then the mean over images).</summary>
    public static FlowErrorMetrics Evaluate(Tensor flow, Tensor flowGt, Tensor? valid = null, Tensor? occ = null,
        MetricAggregation aggregation = MetricAggregation.PerImage, double absThreshold = 3, double relThreshold = 0.05)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (epe, outlier) = PixelErrors(flow, flowGt, absThreshold, relThreshold);
        var all = Mask(valid, epe);
        double nan = double.NaN;
        Tensor? noc = null, occluded = null;
        if (occ is not null)
        {
            var isOcc = occ.gt(0.5);
            noc = all & isOcc.logical_not();
            occluded = all & isOcc;
        }
        return new FlowErrorMetrics(
            MaskedMean(epe, all, aggregation),
            noc is null ? nan : MaskedMean(epe, noc, aggregation),
            occluded is null ? nan : MaskedMean(epe, occluded, aggregation),
            MaskedMean(outlier, all, aggregation),
            noc is null ? nan : MaskedMean(outlier, noc, aggregation),
            (int)flow.size(0), aggregation);
    }

    /// <summary>Per-image mean EPE over <paramref name="mask"/> [B,1,H,W] (&gt; 0.5 = counts; null = all pixels);
    /// NaN for an image with an empty mask.</summary>
    public static double[] EpePerImage(Tensor flow, Tensor flowGt, Tensor? mask = null)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (epe, _) = PixelErrors(flow, flowGt, 3, 0.05);
        var (sums, counts) = Sums(epe, Mask(mask, epe));
        return sums.Select((s, b) => counts[b] > 0 ? s / counts[b] : double.NaN).ToArray();
    }

    /// <summary>Per-pixel EPE [B,1,H,W] and the Fl outlier indicator [B,1,H,W] (float32 {0,1}).</summary>
    public static (Tensor epe, Tensor outlier) PixelErrors(Tensor flow, Tensor flowGt, double absThreshold = 3, double relThreshold = 0.05)
    {
        if (flow.dim() != 4 || flow.size(1) != 2 || !flow.shape.SequenceEqual(flowGt.shape))
            throw new ArgumentException($"FlowErrors: expected two [B,2,H,W] flows of one shape, got [{string.Join(",", flow.shape)}] " +
                                        $"and [{string.Join(",", flowGt.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var epe = (flow - flowGt).square().sum(1, keepdim: true).sqrt();
        var gtNorm = flowGt.square().sum(1, keepdim: true).sqrt();
        // outlier: EPE > 3 px and EPE / ‖w_gt‖ > 5% (written without the division so ‖w_gt‖ = 0 is safe)
        var outlier = (epe.gt(absThreshold) & epe.gt(gtNorm * relThreshold)).to_type(ScalarType.Float32);
        scope.MoveToOuter(epe, outlier);
        return (epe, outlier);
    }

    static Tensor Mask(Tensor? mask, Tensor like) =>
        mask is null ? torch.ones(like.shape, ScalarType.Bool, like.device) : mask.gt(0.5);

    internal static double MaskedMean(Tensor values, Tensor mask, MetricAggregation aggregation)
    {
        var (sums, counts) = Sums(values, mask);
        if (aggregation == MetricAggregation.Pooled)
        {
            double n = counts.Sum();
            return n > 0 ? sums.Sum() / n : double.NaN;
        }
        int used = 0;
        double total = 0;
        for (int b = 0; b < sums.Length; b++)
        {
            if (counts[b] <= 0) continue;
            total += sums[b] / counts[b];
            used++;
        }
        return used > 0 ? total / used : double.NaN;
    }

    /// <summary>Per-image Σ values·mask and Σ mask (values and mask [B,1,H,W]), in float64.</summary>
    internal static (double[] sums, double[] counts) Sums(Tensor values, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        var m = mask.to_type(ScalarType.Float64);
        var v = values.to_type(ScalarType.Float64) * m;
        var sums = v.sum([1, 2, 3]).data<double>().ToArray();
        var counts = m.sum([1, 2, 3]).data<double>().ToArray();
        return (sums, counts);
    }
}
