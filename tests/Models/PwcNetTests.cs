using DistillKit.Models.Pwc;
using System.Text.Json;
using DistillKit.Losses;
using DistillKit.Models;
using DistillKit.Tests.Support;
using DistillKit.Weights;
using TorchSharp.PyBridge;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

public class PwcNetTests(ITestOutputHelper output)
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
        Assert.Equal(new long[] { 2, 25, 7, 9 }, a.shape);
        foreach (var mode in Enum.GetValues<CostVolumeMode>())
            Assert.True(CostVolume.Compute(f1, f2, 2, mode).sub(b).abs().max().ToDouble() < 1e-5, $"{mode}: values");
        // gradients equal to the straightforward form's, with and without a batch, on a map wider than tall; an upstream
        // gradient that is not all ones (pow) so that a plane mix-up would show
        foreach (var shape in new long[][] { [1, 3, 5, 40], [3, 4, 6, 5] })
        {
            var g1 = torch.randn(shape).requires_grad_();
            var g2 = torch.randn(shape).requires_grad_();
            var weights = torch.randn(1, 81, shape[2], shape[3]);
            (Tensor, Tensor, Tensor) Run(CostVolumeMode mode)
            {
                g1.grad = null; g2.grad = null;
                var cv = CostVolume.Compute(g1, g2, 4, mode);
                cv.pow(2).mul(weights).sum().backward();
                return (cv.detach(), g1.grad!.clone(), g2.grad!.clone());
            }
            var (c0, d1, d2) = Run(CostVolumeMode.ShiftMultiply);
            foreach (var mode in Enum.GetValues<CostVolumeMode>())
            {
                var (c, e1, e2) = Run(mode);
                Assert.True(c.sub(c0).abs().max().ToDouble() < 1e-4, $"{mode} [{string.Join(",", shape)}]: values");
                Assert.True(e1.sub(d1).abs().max().ToDouble() < 1e-5 * d1.abs().max().ToDouble(), $"{mode} [{string.Join(",", shape)}]: gradient of f1");
                Assert.True(e2.sub(d2).abs().max().ToDouble() < 1e-5 * d2.abs().max().ToDouble(), $"{mode} [{string.Join(",", shape)}]: gradient of f2");
            }
        }
        // the hand-written backward with only one input needing a gradient (the other frozen)
        var h1 = torch.randn(2, 3, 6, 7).requires_grad_();
        var frozen = torch.randn(2, 3, 6, 7);
        CostVolume.Compute(h1, frozen, 2, CostVolumeMode.ChannelsLastOwnBackward).pow(2).sum().backward();
        var own = h1.grad!.clone();
        h1.grad = null;
        CostVolume.Compute(h1, frozen, 2, CostVolumeMode.ShiftMultiply).pow(2).sum().backward();
        Assert.True(own.sub(h1.grad!).abs().max().ToDouble() < 1e-5 * own.abs().max().ToDouble());
        Assert.Null(frozen.grad);
        // channel (dy+2)*5+(dx+2) at (y,x) = f1(y,x)·f2(y+dy,x+dx); zero when outside
        double expect = f1[0, .., 3, 4].mul(f2[0, .., 2, 5]).sum().ToDouble(); // dy=-1, dx=+1 → channel 1*5+3 = 8
        Assert.Equal(expect, a[0, 8, 3, 4].ToDouble(), 4);
        Assert.Equal(0.0, a[0, 0, 0, 0].ToDouble()); // dy=-2, dx=-2 at the corner: outside f2
    }

    /// <summary>
    /// Forward flows, the DDFlow phase-A loss and every parameter's gradient against tests/reference/pwcnet_reference.py
    /// (PyTorch 1.13, written from METHODS §2: the plain shift-and-multiply cost volume, both directions as two separate
    /// calls), loading the kit's weights; each of the kit's cost-volume forms against that one reference in float32, and
    /// the shift-and-multiply form in float64 too. Gradient error = max|Δ| / max|reference gradient|, per parameter
    /// tensor. Tolerances: float64 flows 1e-10 px, loss 1e-12, gradients 1e-9 (both sides compute the same functions;
    /// measured ≤ 3.3e-13). float32 flows 1e-4 px, loss 1e-5, gradients 2e-3 (measured ≤ 8.4e-4 paper, 1.7e-4 mini:
    /// LibTorch 2.10's float32 gradients lie 8e-4 from float64 here where PyTorch 1.13's lie 4e-5, although conv, the
    /// cost volume and ψ taken one at a time are as accurate as PyTorch's, and grid_sample and interpolate within 2×).
    /// Measured maxima go to the test output.
    /// </summary>
    [Theory]
    [InlineData("mini", 2, 64, 96)]
    [InlineData("paper", 1, 64, 128)] // the smallest legal height (2^6); 4,273,628 parameters
    public void MatchesThePyTorchReferenceWithTheSameWeights(string preset, int batch, int height, int width)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dk-pwc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        torch.manual_seed(0);
        var config = PwcNetConfig.ForPreset(preset);
        var weights = Path.Combine(dir, "weights.safetensors");
        using (var init = new PwcNet(config))
        {
            // Every level's flow ≈ (0.375, −0.125) level pixels, so each bilinear warp samples at fractional offsets
            // (0.75, −0.25 after the ×2 upsampling; 1.5, −0.5 px at full resolution). With the flows of a random init
            // (≈ 0) targets sit on integer positions, where the bilinear gradient jumps: there PyTorch's own float32
            // and float64 gradients differ by 3e-3 of the largest entry; with the offset by 4e-5.
            using var noGrad = torch.no_grad();
            foreach (var estimator in init.estimators) estimator.convs[estimator.convs.Count - 1].bias!.copy_(torch.tensor(new[] { 0.375f, -0.125f }));
            WeightFiles.Save(init, weights);
        }
        using var scope = torch.NewDisposeScope();
        var image1 = torch.rand(batch, 3, height, width);
        var image2 = torch.rand(batch, 3, height, width);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config));
        PyTorchPickler.PickleStateDict(Path.Combine(dir, "inputs.pth"), new Dictionary<string, Tensor> { ["image1"] = image1, ["image2"] = image2 });
        ReferenceScripts.Run(Path.Combine(ReferenceScripts.RepoRoot, "tests", "reference", "pwcnet_reference.py"), "parity",
            Path.Combine(dir, "config.json"), weights, Path.Combine(dir, "inputs.pth"), Path.Combine(dir, "out.pth"));
        var reference = WeightFiles.Read(Path.Combine(dir, "out.pth"));
        var u = reference["f32.flow_fw"][.., 0];
        Assert.True(u.max().ToDouble() - u.min().ToDouble() > 1e-2); // not just the bias: the flow depends on the images

        // every cost-volume form in float32; float64 (a few times slower) with the definition's form only
        var cases = Enum.GetValues<CostVolumeMode>().Select(form => (form, ScalarType.Float32, "f32.", 1e-4, 1e-5, 2e-3))
            .Append((CostVolumeMode.ShiftMultiply, ScalarType.Float64, "f64.", 1e-10, 1e-12, 1e-9));
        foreach (var (form, dtype, prefix, flowTol, lossTol, gradTol) in cases)
        {
            var what = $"{preset}/{form}/{dtype}";
            using var net = new PwcNet(config with { CostVolume = form });
            WeightFiles.Load(net, weights);
            net.to(dtype);
            var (i1, i2) = (image1.to_type(dtype), image2.to_type(dtype));
            double flowDiff;
            using (torch.no_grad())
                flowDiff = net.forward(i1, i2).sub(reference[prefix + "flow_fw"]).abs().max().ToDouble();
            var (fw, bw) = net.ForwardBoth(i1, i2);
            var loss = PhotometricTerms.Psi(i1, i2, fw) + PhotometricTerms.Psi(i2, i1, bw);
            loss.backward();
            Assert.Equal(dtype, fw.dtype);
            flowDiff = Math.Max(flowDiff, Math.Max(fw.sub(reference[prefix + "flow_fw"]).abs().max().ToDouble(), bw.sub(reference[prefix + "flow_bw"]).abs().max().ToDouble()));
            double lossRef = reference[prefix + "loss"].ToDouble(), lossDiff = Math.Abs(loss.ToDouble() - lossRef) / lossRef;
            var parameters = net.named_parameters().ToList();
            Assert.Equal(reference.Keys.Where(k => k.StartsWith(prefix + "grad.")).Order(), parameters.Select(p => prefix + "grad." + p.name).Order());
            double worst = 0;
            string worstName = "";
            foreach (var (name, p) in parameters)
            {
                var expected = reference[prefix + "grad." + name];
                double scale = expected.abs().max().ToDouble();
                Assert.True(scale > 0, $"{what}: the reference loss gives {name} no gradient");
                double rel = p.grad!.sub(expected).abs().max().ToDouble() / scale;
                if (rel > worst) (worst, worstName) = (rel, name);
                Assert.True(rel <= gradTol, $"{what}: gradient of {name} differs by {rel:E2} of its largest entry");
            }
            output.WriteLine($"{what}: flow max|Δ| {flowDiff:E2} px (max |flow| {reference[prefix + "flow_fw"].abs().max().ToDouble():F3}); " +
                             $"loss rel {lossDiff:E2}; gradients of {parameters.Count} tensors: worst max|Δ|/max|g| {worst:E2} ({worstName})");
            Assert.True(flowDiff < flowTol, $"{what}: flows differ by {flowDiff:E2} px");
            Assert.True(lossDiff < lossTol, $"{what}: loss differs by {lossDiff:E2} (relative)");
        }
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
