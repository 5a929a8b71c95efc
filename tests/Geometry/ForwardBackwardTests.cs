using DistillKit.Tests.Support;
using DistillKit.Geometry;
using DistillKit.Tests.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Geometry;

public class ForwardBackwardTests
{
    /// <summary>The field p ↦ M(p) − p [1,2,H,W] of an affine map.</summary>
    static Tensor AffineFlow(Affine2 m, int h, int w)
    {
        var data = new float[2 * h * w];
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var (qx, qy) = m.Apply(x, y);
            data[y * w + x] = (float)(qx - x);
            data[h * w + y * w + x] = (float)(qy - y);
        }
        return torch.tensor(data, [1, 2, h, w]);
    }

    [Fact]
    public void ExactInversePairHasNoOcclusionInsideTheImage()
    {
        using var scope = torch.NewDisposeScope();
        // a rotation + zoom and its inverse: bilinear sampling of an affine field is exact
        var m = Affine2.Similarity(11.5, 8, 1.12, 0.08, 3, -2);
        var fw = AffineFlow(m, 17, 24);
        var bw = AffineFlow(m.Inverse(), 17, 24);
        var (occFw, occBw) = ForwardBackward.Occlusion(fw, bw);
        foreach (var (flow, occ) in new[] { (fw, occFw), (bw, occBw) })
        {
            var (_, inside) = Warping.Warp(flow, flow);
            // no occlusion where the match stays inside the image
            Assert.Equal(0.0, (occ * inside).sum().ToDouble());
            // a match a pixel or more outside reads ŵ = 0 (zero padding): |w|² > 0.01|w|² + 0.5 there, so occluded
            var target = Warping.TargetPositions(flow);
            var x = target.narrow(1, 0, 1);
            var y = target.narrow(1, 1, 1);
            var far = (x.le(-1) | x.ge(24) | y.le(-1) | y.ge(17)).to_type(ScalarType.Float32);
            Assert.True(far.sum().ToDouble() > 0);
            Assert.Equal(far.sum().ToDouble(), (occ * far).sum().ToDouble());
            Assert.True(inside.mean().ToDouble() > 0.6);
        }
        Assert.True(ForwardBackward.Discrepancy(fw, bw).mul(Warping.Warp(fw, fw).inBounds).max().ToDouble() < 1e-6);
    }

    [Fact]
    public void ObjectMovingOverStaticBackgroundOccludesExactlyTheStrips()
    {
        using var scope = torch.NewDisposeScope();
        // a 4×4 square at rows 4..7, cols 3..6 moves right by 2 px over a static background (12×16)
        var fw = torch.zeros(1, 2, 12, 16);
        fw[0, 0, 4..8, 3..7] = torch.full([4, 4], 2f);
        var bw = torch.zeros(1, 2, 12, 16);
        bw[0, 0, 4..8, 5..9] = torch.full([4, 4], -2f);
        var (occFw, occBw) = ForwardBackward.Occlusion(fw, bw);
        // forward: the background the square covers in frame 2 (cols 7..8); backward: the strip it uncovers (cols 3..4)
        var expectFw = torch.zeros(1, 1, 12, 16);
        expectFw[0, 0, 4..8, 7..9] = torch.ones(4, 2);
        var expectBw = torch.zeros(1, 1, 12, 16);
        expectBw[0, 0, 4..8, 3..5] = torch.ones(4, 2);
        TensorAssert.Close(expectFw, occFw, rtol: 0, atol: 0, what: "forward");
        TensorAssert.Close(expectBw, occBw, rtol: 0, atol: 0, what: "backward");
    }

    [Fact]
    public void ThresholdsAreHonoured()
    {
        using var scope = torch.NewDisposeScope();
        // w_f = 1, w_b = −0.5 everywhere (interior): |w_f + ŵ_b|² = 0.25 vs 0.01·1.25 + α2
        var fw = torch.full([1, 2, 6, 6], 0f);
        fw[0, 0] = torch.full([6, 6], 1f);
        var bw = torch.full([1, 2, 6, 6], 0f);
        bw[0, 0] = torch.full([6, 6], -0.5f);
        Assert.Equal(0.0, ForwardBackward.OcclusionOneWay(fw, bw)[.., .., .., ..5].sum().ToDouble());
        Assert.Equal(30.0, ForwardBackward.OcclusionOneWay(fw, bw, alpha2: 0.2)[.., .., .., ..5].sum().ToDouble());
        Assert.Equal(30.0, ForwardBackward.OcclusionOneWay(fw, bw, alpha1: 0.0, alpha2: 0.24)[.., .., .., ..5].sum().ToDouble());
    }

    [Theory]
    [InlineData(ScalarType.Float64, 1e-5, 0.01)]
    [InlineData(ScalarType.Float32, 1e-5, 1.0)] // float32 sampling positions: ~2e-6 of the largest value
    public void MatchesThePyTorchReference(ScalarType dtype, double rtol, double floorFraction)
    {
        using var scope = torch.NewDisposeScope();
        var fw = LossGolden.Get("in_flow").to_type(dtype);
        var bw = LossGolden.Get("in_flow_bw").to_type(dtype);
        TensorAssert.Close(LossGolden.Get("fb_discrepancy"), ForwardBackward.Discrepancy(fw, bw), rtol, floorFraction: floorFraction,
            what: "discrepancy");
        var (occFw, occBw) = ForwardBackward.Occlusion(fw, bw);
        // thresholded values: allow a flip where the reference sits on the boundary within float rounding
        Assert.True((occFw - LossGolden.Get("fb_occ_fw")).abs().sum().ToDouble() <= 1);
        Assert.True((occBw - LossGolden.Get("fb_occ_bw")).abs().sum().ToDouble() <= 1);
        var frac = occFw.mean().ToDouble();
        Assert.InRange(frac, 0.05, 0.95); // the case exercises both outcomes
    }
}
