using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>Occlusion estimation quality: F1, precision and recall of the occluded class. NaN when undefined for
/// every image (e.g. no occlusion in the ground truth and none predicted).</summary>
/// <param name="F1">F-measure 2·TP / (2·TP + FP + FN).</param>
/// <param name="Precision">TP / (TP + FP).</param>
/// <param name="Recall">TP / (TP + FN).</param>
/// <param name="Images">Number of images evaluated (the batch size).</param>
/// <param name="Aggregation">How pixels of the images were combined.</param>
public sealed record OcclusionMetrics(double F1, double Precision, double Recall, int Images, MetricAggregation Aggregation);

/// <summary>
/// Occlusion F-measure (METHODS.md §1): the estimated mask against the ground truth, occluded = positive class.
/// Masks [B,1,H,W] float32, 1 = occluded; the estimate counts as occluded where it is &gt; <c>threshold</c> (0.5),
/// the ground truth where it is &gt; 0.5; only pixels with <c>valid</c> &gt; 0.5 count (null = all).
/// Per image (default) each ratio is computed per image and averaged over the images where it is defined (its
/// denominator &gt; 0); pooled sums TP, FP, FN over the batch first. The paper's averaging is unverified.
/// </summary>
public static class OcclusionFMeasure
{
    /// <summary>F1, precision and recall of the occluded class.</summary>
    public static OcclusionMetrics Evaluate(Tensor occPred, Tensor occGt, Tensor? valid = null,
        MetricAggregation aggregation = MetricAggregation.PerImage, double threshold = 0.5)
    {
        if (occPred.dim() != 4 || occPred.size(1) != 1 || !occPred.shape.SequenceEqual(occGt.shape))
            throw new ArgumentException($"OcclusionFMeasure: expected two [B,1,H,W] masks of one shape, got " +
                                        $"[{string.Join(",", occPred.shape)}] and [{string.Join(",", occGt.shape)}]");
        var (tp, fp, fn) = Counts(occPred, occGt, valid, threshold);
        if (aggregation == MetricAggregation.Pooled)
        {
            double t = tp.Sum(), p = fp.Sum(), n = fn.Sum();
            return new OcclusionMetrics(Ratio(2 * t, 2 * t + p + n), Ratio(t, t + p), Ratio(t, t + n), tp.Length, aggregation);
        }
        return new OcclusionMetrics(
            MeanDefined(tp.Select((t, b) => Ratio(2 * t, 2 * t + fp[b] + fn[b]))),
            MeanDefined(tp.Select((t, b) => Ratio(t, t + fp[b]))),
            MeanDefined(tp.Select((t, b) => Ratio(t, t + fn[b]))),
            tp.Length, aggregation);
    }

    /// <summary>Per-image true positive, false positive and false negative counts of the occluded class.</summary>
    public static (double[] tp, double[] fp, double[] fn) Counts(Tensor occPred, Tensor occGt, Tensor? valid = null, double threshold = 0.5)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pred = occPred.gt(threshold);
        var gt = occGt.gt(0.5);
        var v = valid is null ? torch.ones(occGt.shape, ScalarType.Bool, occGt.device) : valid.gt(0.5);
        double[] Count(Tensor m) => (m & v).to_type(ScalarType.Float64).sum([1, 2, 3]).data<double>().ToArray();
        return (Count(pred & gt), Count(pred & gt.logical_not()), Count(pred.logical_not() & gt));
    }

    static double Ratio(double num, double den) => den > 0 ? num / den : double.NaN;

    static double MeanDefined(IEnumerable<double> values)
    {
        var defined = values.Where(x => !double.IsNaN(x)).ToArray();
        return defined.Length > 0 ? defined.Average() : double.NaN;
    }
}
