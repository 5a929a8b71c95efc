using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data;

/// <summary>The generated ground truth seen through the kit's geometry and losses (UFlow-style checks).</summary>
public class SyntheticFlowConsistencyTests
{
    [Fact]
    public void WarpingWithTheTrueFlowReconstructsVisiblePixels()
    {
        using var scope = torch.NewDisposeScope();
        using var b = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 5).GenerateBatch(0, 6);
        var (warped, inBounds) = Warping.Warp(b.Image2, b.FlowFw);
        var noc = (1 - b.OccFw) * inBounds;
        double Err(Tensor img) => ((b.Image1 - img).abs() * noc).sum().ToDouble() / (3 * noc.sum().ToDouble());
        double withFlow = Err(warped), without = Err(b.Image2);
        Assert.True(withFlow < 0.25 * without, $"warped error {withFlow:F4} vs unwarped {without:F4}");
        Assert.True(withFlow < 0.02, $"warped error {withFlow:F4}");
    }

    [Fact]
    public void ForwardBackwardCheckOnTrueFlowsAgreesWithTrueOcclusion()
    {
        using var scope = torch.NewDisposeScope();
        using var b = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 6).GenerateBatch(0, 6);
        var (occFw, occBw) = ForwardBackward.Occlusion(b.FlowFw, b.FlowBw);
        double agreeFw = occFw.eq(b.OccFw).to_type(ScalarType.Float32).mean().ToDouble();
        double agreeBw = occBw.eq(b.OccBw).to_type(ScalarType.Float32).mean().ToDouble();
        Assert.True(agreeFw > 0.93, $"forward agreement {agreeFw:F3}");
        Assert.True(agreeBw > 0.93, $"backward agreement {agreeBw:F3}");
        double occFrac = b.OccFw.mean().ToDouble();
        Assert.InRange(occFrac, 0.005, 0.4);
    }

    [Fact]
    public void CensusLossPrefersTheTrueFlowOverZeroFlow()
    {
        using var scope = torch.NewDisposeScope();
        using var b = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 8).GenerateBatch(0, 4);
        double truth = PhotometricTerms.Census(b.Image1, b.Image2, b.FlowFw, b.OccFw).ToDouble();
        double zero = PhotometricTerms.Census(b.Image1, b.Image2, torch.zeros_like(b.FlowFw), b.OccFw).ToDouble();
        Assert.True(truth < 0.6 * zero, $"census at the true flow {truth:F4} vs zero flow {zero:F4}");
    }
}
