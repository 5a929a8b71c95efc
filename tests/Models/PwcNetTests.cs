using System.Text.Json;
using DistillKit.Models;
using DistillKit.Tests.Support;
using DistillKit.Weights;
using TorchSharp.PyBridge;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Models;

public class PwcNetTests
{
    [Fact]
    public void PaperWidthHas427MillionParameters()
    {
        using var net = new PwcNet(PwcNetConfig.Paper);
        Assert.Equal(4_273_628, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void CostVolumeFormsAgreeAndMatchHandValues()
    {
        torch.manual_seed(3);
        using var scope = torch.NewDisposeScope();
        var f1 = torch.randn(2, 5, 7, 9);
        var f2 = torch.randn(2, 5, 7, 9);
        var a = CostVolume.Compute(f1, f2, 2, CostVolumeMode.ChannelsLast);
        var b = CostVolume.Compute(f1, f2, 2, CostVolumeMode.ShiftMultiply);
        var c = CostVolume.Compute(f1, f2, 2, CostVolumeMode.Im2Col);
        Assert.Equal(new long[] { 2, 25, 7, 9 }, a.shape);
        Assert.True(a.sub(b).abs().max().ToDouble() < 1e-5);
        Assert.True(c.sub(b).abs().max().ToDouble() < 1e-5);
                // gradients equal to the straightforward form's
        var g1 = torch.randn(1, 3, 5, 40).requires_grad_();
        var g2 = torch.randn(1, 3, 5, 40).requires_grad_();
        CostVolume.Compute(g1, g2, 4, CostVolumeMode.ChannelsLast).pow(2).sum().backward();
        var (d1, d2) = (g1.grad!.clone(), g2.grad!.clone());
        g1.grad = null; g2.grad = null;
        CostVolume.Compute(g1, g2, 4, CostVolumeMode.ShiftMultiply).pow(2).sum().backward();
        Assert.True(d1.sub(g1.grad!).abs().max().ToDouble() < 1e-4);
        Assert.True(d2.sub(g2.grad!).abs().max().ToDouble() < 1e-4);
        // channel (dy+2)*5+(dx+2) at (y,x) = f1(y,x)·f2(y+dy,x+dx); zero when outside
        double expect = f1[0, .., 3, 4].mul(f2[0, .., 2, 5]).sum().ToDouble(); // dy=-1, dx=+1 → channel 1*5+3 = 8
        Assert.Equal(expect, a[0, 8, 3, 4].ToDouble(), 4);
        Assert.Equal(0.0, a[0, 0, 0, 0].ToDouble()); // dy=-2, dx=-2 at the corner: outside f2
    }

    [Theory]
    [InlineData(CostVolumeMode.ChannelsLast)]
    [InlineData(CostVolumeMode.ShiftMultiply)]
    public void MatchesThePyTorchReferenceWithTheSameWeights(CostVolumeMode form)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dk-pwc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        torch.manual_seed(0);
        var config = PwcNetConfig.Mini with { CostVolume = form }; // the reference computes the same form
        using var net = new PwcNet(config);
        net.eval();
        using var scope = torch.NewDisposeScope();
        var image1 = torch.rand(2, 3, 64, 96);
        var image2 = torch.rand(2, 3, 64, 96);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
        WeightFiles.Save(net, Path.Combine(dir, "weights.safetensors"));
        PyTorchPickler.PickleStateDict(Path.Combine(dir, "inputs.pth"), new Dictionary<string, Tensor> { ["image1"] = image1, ["image2"] = image2 });
        ReferenceScripts.Run(Path.Combine(ReferenceScripts.RepoRoot, "tests", "reference", "pwcnet_reference.py"), "parity",
            Path.Combine(dir, "config.json"), Path.Combine(dir, "weights.safetensors"), Path.Combine(dir, "inputs.pth"), Path.Combine(dir, "out.pth"));
        var reference = WeightFiles.Read(Path.Combine(dir, "out.pth"));
        using var noGrad = torch.no_grad();
        var flow = net.forward(image1, image2);
        var (fw, bw) = net.ForwardBoth(image1, image2);
        Assert.True(flow.sub(reference["flow"]).abs().max().ToDouble() < 1e-4);
        Assert.True(fw.sub(reference["both_fw"]).abs().max().ToDouble() < 1e-4);
        Assert.True(bw.sub(reference["both_bw"]).abs().max().ToDouble() < 1e-4);
        Assert.True(flow.abs().max().ToDouble() > 1e-3); // not trivially zero
        Directory.Delete(dir, true);
    }

    [Fact]
    public void RejectsSizesThatAreNotAMultipleOfThePyramid()
    {
        using var net = new PwcNet(PwcNetConfig.Smoke);
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 3, 30, 32), torch.zeros(1, 3, 30, 32)));
        Assert.Contains("multiple of 16", e.Message);
    }
}
