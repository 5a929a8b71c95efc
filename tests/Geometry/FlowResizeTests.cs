using DistillKit.Tests.Support;
using DistillKit.Geometry;
using DistillKit.Tests.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Geometry;

public class FlowResizeTests
{
    static Tensor Constant(long h, long w, float u, float v) =>
        torch.cat([torch.full([1, 1, h, w], u), torch.full([1, 1, h, w], v)], 1);

    [Fact]
    public void ConstantFlowIsScaledBySizeRatio()
    {
        using var scope = torch.NewDisposeScope();
        var flow = Constant(8, 12, 2, -3);
        var down = FlowResize.Resize(flow, 4, 6);
        Assert.Equal(new long[] { 1, 2, 4, 6 }, down.shape);
        TensorAssert.Close(Constant(4, 6, 1, -1.5f), down, rtol: 1e-6);
        // anisotropic: H × 2, W × 0.5
        TensorAssert.Close(Constant(16, 6, 1, -6), FlowResize.Resize(flow, 16, 6), rtol: 1e-6);
    }

    [Fact]
    public void CornerAlignedScalingUsesSizeMinusOne()
    {
        var (u, v) = FlowResize.Factors(9, 13, 5, 7, FlowScaling.CornerAligned);
        Assert.Equal(6.0 / 12, u, 12);
        Assert.Equal(4.0 / 8, v, 12);
        using var scope = torch.NewDisposeScope();
        TensorAssert.Close(Constant(5, 7, 1, 1), FlowResize.Resize(Constant(9, 13, 2, 2), 5, 7, FlowScaling.CornerAligned), rtol: 1e-6);
    }

    [Theory]
    [InlineData(ScalarType.Float64, 1e-5, 0.01)]
    [InlineData(ScalarType.Float32, 1e-5, 1.0)] // float32 interpolation weights: ~6e-7 of the largest value
    public void ResizeKeepsCornerValuesAndMatchesPyTorch(ScalarType dtype, double rtol, double floorFraction)
    {
        using var scope = torch.NewDisposeScope();
        var flow = LossGolden.Get("in_flow").to_type(dtype);
        var down = FlowResize.Resize(flow, 13, 17);
        TensorAssert.Close(LossGolden.Get("resize_down"), down, rtol, floorFraction: floorFraction, what: "down");
        TensorAssert.Close(LossGolden.Get("resize_up"), FlowResize.Resize(flow, 40, 56), rtol, floorFraction: floorFraction, what: "up");
        // align_corners = true: the corner pixel keeps its vector, times the factor
        TensorAssert.Scalar(flow[0, 0, 19, 27].ToDouble() * 17 / 28, down[0, 0, 12, 16].ToDouble(), rtol: 1e-6);
        TensorAssert.Scalar(flow[1, 1, 0, 0].ToDouble() * 13 / 20, down[1, 1, 0, 0].ToDouble(), rtol: 1e-6);
    }
}
