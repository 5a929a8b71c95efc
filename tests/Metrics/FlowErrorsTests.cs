using DistillKit.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Metrics;

public class FlowErrorsTests
{
    /// <summary>A [B,2,H,W] flow from (u, v) pairs listed row-major per image.</summary>
    static Tensor Flow(int b, int h, int w, params (float U, float V)[] uv)
    {
        var data = new float[b * 2 * h * w];
        for (int n = 0; n < b; n++)
        for (int i = 0; i < h * w; i++)
        {
            data[n * 2 * h * w + i] = uv[n * h * w + i].U;
            data[n * 2 * h * w + h * w + i] = uv[n * h * w + i].V;
        }
        return torch.tensor(data, [b, 2, h, w]);
    }

    static Tensor Mask(int b, int h, int w, params float[] m) => torch.tensor(m, [b, 1, h, w]);

    [Fact]
    public void TwoByTwoFlowWithKnownErrors()
    {
        using var scope = torch.NewDisposeScope();
        var gt = torch.zeros(1, 2, 2, 2);
        // errors (3,4) → 5, (0,0) → 0, (1,0) → 1, (0,−2) → 2
        var pred = Flow(1, 2, 2, (3, 4), (0, 0), (1, 0), (0, -2));
        var occ = Mask(1, 2, 2, 1, 0, 0, 1);
        var r = FlowErrors.Evaluate(pred, gt, occ: occ);
        Assert.Equal(2.0, r.EpeAll, 6);          // (5 + 0 + 1 + 2) / 4
        Assert.Equal(0.5, r.EpeNoc, 6);          // (0 + 1) / 2
        Assert.Equal(3.5, r.EpeOcc, 6);          // (5 + 2) / 2
        Assert.Equal(0.25, r.FlAll, 6);          // only EPE 5 > 3 px (‖w_gt‖ = 0, so the 5% test holds)
        Assert.Equal(0.0, r.FlNoc, 6);
        Assert.Equal(1, r.Images);
        var noOcc = FlowErrors.Evaluate(pred, gt);
        Assert.True(double.IsNaN(noOcc.EpeNoc) && double.IsNaN(noOcc.EpeOcc) && double.IsNaN(noOcc.FlNoc));
    }

    [Fact]
    public void FlNeedsBothTheAbsoluteAndTheRelativeThreshold()
    {
        using var scope = torch.NewDisposeScope();
        var gt = Flow(1, 1, 3, (100, 0), (100, 0), (10, 0));
        // EPE 4 (4% of 100: inlier), EPE 6 (6%: outlier), EPE 2 (20% but < 3 px: inlier)
        var pred = Flow(1, 1, 3, (104, 0), (106, 0), (12, 0));
        Assert.Equal(1.0 / 3, FlowErrors.Evaluate(pred, gt).FlAll, 6);
        Assert.Equal(2.0 / 3, FlowErrors.Evaluate(pred, gt, relThreshold: 0.03).FlAll, 6);
        Assert.Equal(2.0 / 3, FlowErrors.Evaluate(pred, gt, absThreshold: 1.5).FlAll, 6);
    }

    [Fact]
    public void PerImageAndPooledAggregationDiffer()
    {
        using var scope = torch.NewDisposeScope();
        var gt = torch.zeros(2, 2, 1, 3);
        // image 0: one valid pixel with EPE 4; image 1: three valid pixels with EPE 0; image 0's other pixels invalid
        var pred = Flow(2, 1, 3, (4, 0), (9, 9), (9, 9), (0, 0), (0, 0), (0, 0));
        var valid = Mask(2, 1, 3, 1, 0, 0, 1, 1, 1);
        Assert.Equal(2.0, FlowErrors.Evaluate(pred, gt, valid).EpeAll, 6);            // (4 + 0) / 2
        Assert.Equal(1.0, FlowErrors.Evaluate(pred, gt, valid, aggregation: MetricAggregation.Pooled).EpeAll, 6); // 4 / 4
        Assert.Equal(new[] { 4.0, 0.0 }, FlowErrors.EpePerImage(pred, gt, valid));
    }

    [Fact]
    public void ImagesWithAnEmptyMaskAreLeftOut()
    {
        using var scope = torch.NewDisposeScope();
        var gt = torch.zeros(2, 2, 1, 2);
        var pred = Flow(2, 1, 2, (3, 4), (3, 4), (1, 0), (1, 0));
        var occ = Mask(2, 1, 2, 0, 0, 1, 0); // image 0 has no occluded pixel
        var r = FlowErrors.Evaluate(pred, gt, occ: occ);
        Assert.Equal(1.0, r.EpeOcc, 6);           // image 1 only
        Assert.Equal(3.0, r.EpeNoc, 6);           // (5 + 1) / 2
        var none = FlowErrors.Evaluate(pred, gt, valid: torch.zeros(2, 1, 1, 2));
        Assert.True(double.IsNaN(none.EpeAll));
    }
}
