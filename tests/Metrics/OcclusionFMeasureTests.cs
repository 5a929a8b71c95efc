using DistillKit.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Metrics;

public class OcclusionFMeasureTests
{
    static Tensor M(int b, params float[] v) => torch.tensor(v, [b, 1, 1, v.Length / b]);

    [Fact]
    public void HandCountedF1PrecisionRecall()
    {
        using var scope = torch.NewDisposeScope();
        // TP 1, FP 1, FN 2 → F1 = 2/(2 + 1 + 2) = 0.4, precision 1/2, recall 1/3
        var pred = M(1, 1, 1, 0, 0, 0);
        var gt = M(1, 1, 0, 1, 0, 1);
        var r = OcclusionFMeasure.Evaluate(pred, gt);
        Assert.Equal(2.0 / 5, r.F1, 9);
        Assert.Equal(0.5, r.Precision, 9);
        Assert.Equal(1.0 / 3, r.Recall, 9);
    }

    [Fact]
    public void PerImageAveragesDefinedImagesAndPooledSumsCounts()
    {
        using var scope = torch.NewDisposeScope();
        // image 0: TP 1, FP 1, FN 1 (F1 0.5); image 1: TP 1 (F1 1); image 2: nothing occluded anywhere (undefined)
        var pred = M(3, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);
        var gt = M(3, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0);
        var per = OcclusionFMeasure.Evaluate(pred, gt);
        Assert.Equal(0.75, per.F1, 9);
        Assert.Equal(3, per.Images);
        var pooled = OcclusionFMeasure.Evaluate(pred, gt, aggregation: MetricAggregation.Pooled);
        Assert.Equal(4.0 / 6, pooled.F1, 9); // TP 2, FP 1, FN 1
        Assert.True(double.IsNaN(OcclusionFMeasure.Evaluate(M(1, 0, 0), M(1, 0, 0)).F1));
    }

    [Fact]
    public void ValidMaskAndThresholdAreHonoured()
    {
        using var scope = torch.NewDisposeScope();
        var pred = M(1, 0.9f, 0.4f, 0, 0);
        var gt = M(1, 1, 0, 1, 0);
        Assert.Equal(2.0 / 3, OcclusionFMeasure.Evaluate(pred, gt).F1, 9);                     // TP 1, FN 1
        Assert.Equal(0.5, OcclusionFMeasure.Evaluate(pred, gt, threshold: 0.3).F1, 9);        // TP 1, FP 1, FN 1
        Assert.Equal(1.0, OcclusionFMeasure.Evaluate(pred, gt, valid: M(1, 1, 1, 0, 1)).F1, 9); // FN pixel ignored
    }
}
