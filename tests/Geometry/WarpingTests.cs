using DistillKit.Geometry;
using DistillKit.Tests.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Geometry;

public class WarpingTests
{
    static Tensor ConstantFlow(long b, long h, long w, float u, float v) =>
        torch.cat([torch.full([b, 1, h, w], u), torch.full([b, 1, h, w], v)], 1);

    [Fact]
    public void ConstantIntegerShiftWarpsExactly()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var image2 = torch.rand(2, 3, 8, 10);
        var (warped, inBounds) = Warping.Warp(image2, ConstantFlow(2, 8, 10, 2, 1));
        // p = (x, y) reads image 2 at (x + 2, y + 1): in bounds for x ≤ 7, y ≤ 6
        TensorAssert.Close(image2[.., .., 1.., 2..], warped[.., .., ..7, ..8], rtol: 0, atol: 1e-6);
        Assert.Equal(2 * 7 * 8, inBounds.sum().ToDouble());
        Assert.Equal(0.0, inBounds[.., .., 7.., ..].sum().ToDouble());
        Assert.Equal(0.0, inBounds[.., .., .., 8..].sum().ToDouble());
        TensorAssert.Close(warped, Warping.Warped(image2, ConstantFlow(2, 8, 10, 2, 1)), rtol: 0, atol: 0);
    }

    [Fact]
    public void FractionalShiftInterpolatesBilinearly()
    {
        using var scope = torch.NewDisposeScope();
        // image 2 = 10·x + y: bilinear interpolation of a linear function is exact
        var xs = torch.arange(0, 6, 1, ScalarType.Float32).view(1, 1, 1, 6).expand(1, 1, 5, 6);
        var ys = torch.arange(0, 5, 1, ScalarType.Float32).view(1, 1, 5, 1).expand(1, 1, 5, 6);
        var image2 = xs * 10 + ys;
        var (warped, _) = Warping.Warp(image2, ConstantFlow(1, 5, 6, 0.25f, 0.5f));
        TensorAssert.Close((image2 + 3.0)[.., .., ..4, ..5], warped[.., .., ..4, ..5], rtol: 0, atol: 1e-5);
    }

    [Fact]
    public void TargetsOutsideTheImageReadZero()
    {
        using var scope = torch.NewDisposeScope();
        var image2 = torch.ones(1, 3, 6, 6);
        var (warped, inBounds) = Warping.Warp(image2, ConstantFlow(1, 6, 6, 20, 0));
        Assert.Equal(0.0, warped.abs().sum().ToDouble());
        Assert.Equal(0.0, inBounds.sum().ToDouble());
    }

    [Theory]
    [InlineData(ScalarType.Float64, 1e-5, 0.01)]
    [InlineData(ScalarType.Float32, 2e-5, 1.0)] // float32 rounding of the sampling position: ~3e-6 of the largest value
    public void WarpMatchesPyTorchGridSampleWithAlignedCorners(ScalarType dtype, double rtol, double floorFraction)
    {
        using var scope = torch.NewDisposeScope();
        var (warped, inBounds) = Warping.Warp(LossGolden.Get("in_image2").to_type(dtype), LossGolden.Get("in_flow").to_type(dtype));
        Assert.Equal(dtype, warped.dtype);
        TensorAssert.Close(LossGolden.Get("warp_out"), warped, rtol, floorFraction: floorFraction, what: "warped");
        TensorAssert.Close(LossGolden.Get("warp_inbounds"), inBounds, rtol: 0, atol: 0, what: "in-bounds");
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Warping.Warp(torch.zeros(1, 3, 6, 6), torch.zeros(1, 2, 6, 7)));
        Assert.Throws<ArgumentException>(() => Warping.Warp(torch.zeros(1, 3, 6, 6), torch.zeros(1, 3, 6, 6)));
    }

    [Fact]
    public void AffineInverseAndCompositionRoundTrip()
    {
        var m = Affine2.Similarity(10, 5, 1.1, 0.2, 3, -2);
        var (x, y) = m.Apply(10, 5);
        Assert.Equal(13, x, 12);
        Assert.Equal(3, y, 12);
        var id = m.Inverse().After(m);
        var (px, py) = id.Apply(7.5, -4.25);
        Assert.Equal(7.5, px, 10);
        Assert.Equal(-4.25, py, 10);
        Assert.Equal(1.1 * 1.1, m.Determinant, 10);
    }
}
