using DistillKit.Geometry;
using DistillKit.Tests.Losses;
using DistillKit.Tests.Support;
using DistillKit.Weights;
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

    /// <summary>build/golden/warp/warp.pth from tests/reference/make_warp_golden.py (float64; the three paddings written
    /// from their definitions, with gradients of sum(warped · in_weights)).</summary>
    static readonly Lazy<Dictionary<string, Tensor>> s_warpGolden = new(() =>
        WeightFiles.Read(Path.Combine(ReferenceScripts.Golden("warp", "make_warp_golden.py"), "warp.pth"))
            .ToDictionary(e => e.Key, e => e.Value.DetachFromDisposeScope())); // kept for the process, whichever test loads it

    /// <summary>A fresh copy (in the caller's dispose scope) of the golden tensor <paramref name="name"/>.</summary>
    static Tensor WarpGolden(string name) => s_warpGolden.Value[name].clone();

    [Theory]
    // float64: the reference is float64 too, so only summation order differs (measured ≤ 2e-15)
    [InlineData(WarpPadding.Zeros, ScalarType.Float64, 1e-12)]
    [InlineData(WarpPadding.Border, ScalarType.Float64, 1e-12)]
    [InlineData(WarpPadding.DdflowTfWarp, ScalarType.Float64, 1e-12)]
    // float32: rounding of positions and products, relative to each tensor's largest magnitude (measured ≤ 1.4e-6)
    [InlineData(WarpPadding.Zeros, ScalarType.Float32, 1e-5)]
    [InlineData(WarpPadding.Border, ScalarType.Float32, 1e-5)]
    [InlineData(WarpPadding.DdflowTfWarp, ScalarType.Float32, 1e-5)]
    public void PaddingModesMatchTheReferenceWrittenFromTheirDefinitions(WarpPadding padding, ScalarType dtype, double rtol)
    {
        using var scope = torch.NewDisposeScope();
        var mode = padding switch { WarpPadding.Zeros => "zeros", WarpPadding.Border => "border", _ => "ddflow" };
        var image2 = WarpGolden("in_image2").to_type(dtype).requires_grad_();
        var flow = WarpGolden("in_flow").to_type(dtype).requires_grad_();
        var (warped, inBounds) = Warping.Warp(image2, flow, padding);
        Assert.Equal(dtype, warped.dtype);
        warped.mul(WarpGolden("in_weights").to_type(dtype)).sum().backward();
        TensorAssert.Close(WarpGolden($"warp_{mode}"), warped, rtol, atol: 0, what: $"{mode} warped", floorFraction: 1);
        TensorAssert.Close(WarpGolden($"grad_image_{mode}"), image2.grad!, rtol, atol: 0, what: $"{mode} d/d image", floorFraction: 1);
        TensorAssert.Close(WarpGolden($"grad_flow_{mode}"), flow.grad!, rtol, atol: 0, what: $"{mode} d/d flow", floorFraction: 1);
        TensorAssert.Close(WarpGolden("inbounds"), inBounds, rtol: 0, atol: 0, what: "in-bounds (the same for every padding)");
        TensorAssert.Close(warped, Warping.Warped(image2, flow, padding), rtol: 0, atol: 0, what: "Warped = Warp");
    }

    [Fact]
    public void BorderEqualsZerosInsideTheImageAndReadsTheClampedEdgeOutside()
    {
        using var scope = torch.NewDisposeScope();
        var image2 = WarpGolden("in_image2").to_type(ScalarType.Float32);
        var flow = WarpGolden("in_flow").to_type(ScalarType.Float32);
        var (zeros, inBounds) = Warping.Warp(image2, flow);
        var (border, inBoundsBorder) = Warping.Warp(image2, flow, WarpPadding.Border);
        Assert.Equal(0.0, inBounds.sub(inBoundsBorder).abs().sum().ToDouble());
        Assert.True(zeros.sub(border).mul(inBounds).abs().max().ToDouble() < 1e-6);       // inside: the same
        Assert.True(zeros.sub(border).mul(1 - inBounds).abs().max().ToDouble() > 0.1);    // outside: the paddings differ
        // far right of a constant image: zeros reads 0 (mask 0), border reads the image
        var ones = torch.ones(1, 3, 6, 6);
        var far = ConstantFlow(1, 6, 6, 20, -0.5f);
        Assert.Equal(0.0, Warping.Warped(ones, far).abs().sum().ToDouble());
        TensorAssert.Close(ones, Warping.Warped(ones, far, WarpPadding.Border), rtol: 0, atol: 1e-6);
        // a ramp 10·x + y read 3.5 columns past the right edge gives its last column, row by row (y shifted by 0.25)
        var xs = torch.arange(0, 6, 1, ScalarType.Float32).view(1, 1, 1, 6).expand(1, 1, 5, 6);
        var ys = torch.arange(0, 5, 1, ScalarType.Float32).view(1, 1, 5, 1).expand(1, 1, 5, 6);
        var ramp = xs * 10 + ys;
        var past = Warping.Warped(ramp, ConstantFlow(1, 5, 6, 9.5f, 0.25f), WarpPadding.Border);
        TensorAssert.Close((ys * 1 + 50.25f)[.., .., ..4, ..], past[.., .., ..4, ..], rtol: 0, atol: 1e-5, what: "clamped x");
        TensorAssert.Close(torch.full([1, 1, 1, 6], 54f), past[.., .., 4.., ..], rtol: 0, atol: 1e-5, what: "clamped x and y");
    }

    [Fact]
    public void DdflowTfWarpZeroesTheLastRowAndColumnAndExtrapolatesJustLeftOfTheImage()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var image2 = torch.rand(1, 2, 5, 7);
        // zero flow: the image itself, except the last column and row, which read 0 (x1 clipped onto x0, weights cancel)
        var same = Warping.Warped(image2, ConstantFlow(1, 5, 7, 0, 0), WarpPadding.DdflowTfWarp);
        TensorAssert.Close(image2[.., .., ..4, ..6], same[.., .., ..4, ..6], rtol: 0, atol: 1e-6);
        Assert.Equal(0.0, same[.., .., 4, ..].abs().sum().ToDouble());
        Assert.Equal(0.0, same[.., .., .., 6].abs().sum().ToDouble());
        // shifted left by 1.25: column 1 reads x = −0.25, in (−1, 0): (1 + 0.25)·I(0) − 0.25·I(1), a linear
        // extrapolation; column 0 reads x = −1.25 ≤ −1: 0; column 2 reads x = 0.75: bilinear (rows 0..3; row 4 is 0)
        var left = Warping.Warped(image2, ConstantFlow(1, 5, 7, -1.25f, 0), WarpPadding.DdflowTfWarp);
        Assert.Equal(0.0, left[.., .., .., 0].abs().sum().ToDouble());
        TensorAssert.Close(image2[.., .., ..4, 0] * 1.25f - image2[.., .., ..4, 1] * 0.25f, left[.., .., ..4, 1], rtol: 0, atol: 1e-6);
        TensorAssert.Close(image2[.., .., ..4, 0] * 0.25f + image2[.., .., ..4, 1] * 0.75f, left[.., .., ..4, 2], rtol: 0, atol: 1e-6);
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
