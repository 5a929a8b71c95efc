using DistillKit.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DistillKit.Tests.Runtime;

public class OneDnnCheckTests
{
    /// <summary>
    /// Whatever the CPU, after the load-time check the float32 input gradient of a stride-1 3×3 convolution equals the
    /// float64 one, at output widths the oneDNN bug touches (2, 8, 24: 30–50% errors or NaN on an AMD EPYC) and one it
    /// does not (32).
    /// </summary>
    [Theory]
    [InlineData(64, 2, 8, 12)]
    [InlineData(128, 2, 16, 24)]
    [InlineData(32, 2, 32, 48)]
    [InlineData(64, 8, 8, 12)]
    [InlineData(96, 2, 12, 20)]
    [InlineData(64, 24, 16, 24)]
    [InlineData(64, 32, 16, 24)]
    public void ConvolutionInputGradientsAreRightInFloat32(int inChannels, int outChannels, int height, int width)
    {
        Assert.NotNull(OneDnnCheck.Outcome);
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(17);
        var x = torch.randn(2, inChannels, height, width, generator: generator);
        using var conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        using (torch.no_grad()) conv.weight!.copy_(torch.randn(outChannels, inChannels, 3, 3, generator: generator).mul(0.1));
        var up = torch.randn(2, outChannels, height, width, generator: generator);
        Tensor Gradient(ScalarType type)
        {
            conv.to(type);
            var input = x.to_type(type).detach().requires_grad_(true);
            conv.forward(input).mul(up.to_type(type)).sum().backward();
            return input.grad!.to_type(ScalarType.Float64);
        }
        var reference = Gradient(ScalarType.Float64);
        double error = Gradient(ScalarType.Float32).sub(reference).abs().max().ToDouble() / reference.abs().max().ToDouble();
        Assert.True(error < 1e-5, $"float32 input gradient off by {error:E2} of its largest entry ({OneDnnCheck.Outcome})");
    }
}
