using DistillKit.Torch;
using Xunit;
using static DistillKit.Torch.torch.nn;
using F = DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Tests.Torch;

/// <summary>The same kit code on a CUDA device (skipped on CPU-only machines).</summary>
public class CudaTests
{
    [CudaFact]
    public void SmallOpRunsOnTheGpu()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones([2, 3], device: Device.CUDA);
        Assert.Equal(DeviceType.CUDA, x.device.Type);
        var y = (x * 2 + 1).sum(1);
        Assert.Equal(DeviceType.CUDA, y.device.Type);
        Assert.Equal(new[] { 9f, 9f }, y.cpu().data<float>());
    }

    [CudaFact]
    public void GridSampleOnTheGpuMatchesTheCpu()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var image = torch.randn(1, 2, 5, 6);
        var grid = torch.rand(1, 4, 3, 2) * 2 - 1;
        var cpu = F.grid_sample(image, grid, GridSampleMode.Bilinear, GridPaddingMode.Zeros, align_corners: true);
        var gpu = F.grid_sample(image.cuda(), grid.cuda(), GridSampleMode.Bilinear, GridPaddingMode.Zeros, align_corners: true);
        var diff = (gpu.cpu() - cpu).abs().max().ToDouble();
        Assert.True(diff < 1e-5, $"GPU and CPU differ by {diff}");
    }

    [Fact]
    public void CudaQueriesAgree()
    {
        // Runs everywhere: availability and device count must tell the same story.
        Assert.Equal(torch.cuda.is_available(), torch.cuda.device_count() > 0);
    }
}
