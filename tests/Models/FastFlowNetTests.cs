using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Losses;
using DistillKit.Models;
using DistillKit.Models.FastFlow;
using DistillKit.Tests.Support;
using DistillKit.Weights;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

public class FastFlowNetTests(ITestOutputHelper output)
{
    static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    [Fact]
    public void PaperWidthHasExactly1366114Parameters()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Paper);
        Assert.Equal(1_366_114, Count(net));
        // the parts, counted by hand from METHODS §2 (3×3 convs with bias; 4×4 transposed convs 2→2)
        Assert.Equal(118_256, Count(net.pyramid));
        Assert.Equal(83_104, Count(net.reduce));
        Assert.Equal(264, Count(net.upsample));
        Assert.All(net.decoders.Modules, d => Assert.Equal(232_898, Count(d)));
        Assert.Equal(5, net.decoders.Count);
    }

    [Fact]
    public void StateDictNamesAreStable()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Smoke);
        var names = net.state_dict().Keys.ToHashSet();
        foreach (var name in new[]
                 {
                     "pyramid.conv1_1.weight", "pyramid.conv2_3.bias", "pyramid.conv3_3.weight", "reduce.2.weight", "reduce.6.bias",
                     "decoders.6.conv1.weight", "decoders.2.conv4.weight", "decoders.2.predict.bias", "upsample.6.weight", "upsample.3.bias",
                 })
            Assert.Contains(name, names);
        Assert.DoesNotContain("upsample.2.weight", names);
        Assert.Equal(8 * 2 + 5 * 2 + 5 * 7 * 2 + 4 * 2, names.Count);
        Assert.Equal(new long[] { 12, 4, 3, 3 }, net.decoders.At(2).conv2.weight!.shape); // groups 3: 12 in → 4 per group
    }

    [Fact]
    public void CorrelationKeepsThe53DisplacementsDividedByChannels()
    {
        Assert.Equal(53, FastFlowCorrelation.Channels);
        var g = new Generator(3);
        using var scope = torch.NewDisposeScope();
        var f1 = torch.randn([2, 5, 7, 9], generator: g);
        var f2 = torch.randn([2, 5, 7, 9], generator: g);
        var a = FastFlowCorrelation.Compute(f1, f2, CostVolumeMode.ChannelsLast);
        Assert.Equal(new long[] { 2, 53, 7, 9 }, a.shape);
        foreach (var mode in new[] { CostVolumeMode.ShiftMultiply, CostVolumeMode.Im2Col })
            Assert.True(FastFlowCorrelation.Compute(f1, f2, mode).sub(a).abs().max().ToDouble() < 1e-6, $"{mode} differs");
        // dy = −1, dx = +1: window index 3·9 + 5 = 32, kept as channel 20 (0,2,4,6,8 | 10,12,14,16 | 18,20,21,…,26 | 28,…,32)
        Assert.Equal(20, FastFlowCorrelation.Indices.ToList().IndexOf(32));
        double expect = f1[1, .., 3, 4].mul(f2[1, .., 2, 5]).sum().ToDouble() / 5;
        Assert.Equal(expect, a[1, 20, 3, 4].ToDouble(), 5);
        // the centre (index 40, channel 26) and dy = +4, dx = +4 (index 80, channel 52), zero where outside f2
        Assert.Equal(f1[0, .., 6, 8].mul(f2[0, .., 6, 8]).sum().ToDouble() / 5, a[0, 26, 6, 8].ToDouble(), 5);
        Assert.Equal(f1[0, .., 2, 4].mul(f2[0, .., 6, 8]).sum().ToDouble() / 5, a[0, 52, 2, 4].ToDouble(), 5);
        Assert.Equal(0.0, a[0, 52, 3, 4].ToDouble());
        // gradients of every form equal the straightforward one's
        var g1 = torch.randn([1, 3, 5, 12], generator: g).requires_grad_();
        var g2 = torch.randn([1, 3, 5, 12], generator: g).requires_grad_();
        Tensor[] Grads(CostVolumeMode mode)
        {
            g1.grad = null; g2.grad = null;
            FastFlowCorrelation.Compute(g1, g2, mode).pow(2).sum().backward();
            return [g1.grad!.clone(), g2.grad!.clone()];
        }
        var reference = Grads(CostVolumeMode.ShiftMultiply);
        foreach (var mode in new[] { CostVolumeMode.ChannelsLast, CostVolumeMode.Im2Col })
            Assert.All(Grads(mode).Zip(reference), p => Assert.True(p.First.sub(p.Second).abs().max().ToDouble() < 1e-5, $"{mode} gradient differs"));
    }

    /// <summary>
    /// Forward flows (both directions), every level's flow, the DDFlow phase-A loss and every parameter's gradient
    /// against tests/reference/fastflownet_reference.py (PyTorch 1.13, written from METHODS §2: the correlation as the
    /// full 81-displacement unfold with the 53 channels picked by index, both directions as two separate calls, the
    /// output upsampled with scale_factor 4), loading the kit's weights; each of the kit's correlation forms in float32,
    /// the kit's default form in float64 too (the forms are also compared with each other in the correlation test).
    /// Gradient error = max|Δ| / max|reference gradient|, per parameter tensor. Tolerances: float64 flows 1e-10 px,
    /// loss 1e-12, gradients 1e-9 (the same functions on both sides; measured ≤ 3.2e-14 px, 1.3e-16, 7.6e-12);
    /// float32 flows 1e-4 px, loss 1e-5, gradients 2e-3 (measured ≤ 1.2e-5 px, 6.9e-8, 6.5e-4: LibTorch 2.10 against
    /// PyTorch 1.13 float32 rounding, the same size as for PWC-Net). Flows reach 6–8 px. Measured maxima go to the
    /// test output.
    /// </summary>
    [Theory]
    [InlineData("mini", 2, 128, 192)]
    [InlineData("paper", 1, 64, 128)] // the smallest legal size (64 = 2^6); 1,366,114 parameters
    public void MatchesThePyTorchReferenceWithTheSameWeights(string preset, int batch, int height, int width)
    {
        using var dir = new TempFolder();
        var config = FastFlowNetConfig.ForPreset(preset);
        var weights = dir.File("weights.safetensors");
        using (var init = new FastFlowNet(config, seed: 7))
        {
            // a flow bias of (0.03, −0.02) px/20 at every level, so that no warp samples only at integer positions
            // (where the bilinear gradient jumps and float32 and float64 gradients disagree)
            using var noGrad = torch.no_grad();
            foreach (var decoder in init.decoders.Modules) decoder.predict.bias!.copy_(torch.tensor(new[] { 0.03f, -0.02f }));
            WeightFiles.Save(init, weights);
        }
        using var scope = torch.NewDisposeScope();
        var g = new Generator(11);
        var image1 = torch.rand([batch, 3, height, width], generator: g);
        var image2 = torch.rand([batch, 3, height, width], generator: g);
        File.WriteAllText(dir.File("config.json"), JsonSerializer.Serialize(config));
        PyTorchPickler.PickleStateDict(dir.File("inputs.pth"), new Dictionary<string, Tensor> { ["image1"] = image1, ["image2"] = image2 });
        ReferenceScripts.Run(Path.Combine(ReferenceScripts.RepoRoot, "tests", "reference", "fastflownet_reference.py"), "parity",
            dir.File("config.json"), weights, dir.File("inputs.pth"), dir.File("out.pth"));
        var reference = WeightFiles.Read(dir.File("out.pth"));
        var u = reference["f32.flow_fw"][.., 0];
        Assert.True(u.max().ToDouble() - u.min().ToDouble() > 0.1); // not just the bias: the flow depends on the images

        var cases = Enum.GetValues<CostVolumeMode>().Select(form => (form, ScalarType.Float32, "f32.", 1e-4, 1e-5, 2e-3))
            .Append((config.Correlation, ScalarType.Float64, "f64.", 1e-10, 1e-12, 1e-9));
        foreach (var (form, dtype, prefix, flowTol, lossTol, gradTol) in cases)
        {
            var what = $"{preset}/{form}/{dtype}";
            using var net = new FastFlowNet(config with { Correlation = form });
            WeightFiles.Load(net, weights);
            net.to(dtype);
            var (i1, i2) = (image1.to_type(dtype), image2.to_type(dtype));
            double flowDiff;
            using (torch.no_grad())
                flowDiff = net.forward(i1, i2).sub(reference[prefix + "flow_fw"]).abs().max().ToDouble();
            var (fw, bw, levelsFw, levelsBw) = net.ForwardBothLevels(i1, i2);
            var loss = PhotometricTerms.Psi(i1, i2, fw) + PhotometricTerms.Psi(i2, i1, bw);
            loss.backward();
            Assert.Equal(dtype, fw.dtype);
            flowDiff = Math.Max(flowDiff, Math.Max(fw.sub(reference[prefix + "flow_fw"]).abs().max().ToDouble(), bw.sub(reference[prefix + "flow_bw"]).abs().max().ToDouble()));
            for (int level = 2; level <= 6; level++)
            {
                Assert.Equal(new long[] { batch, 2, height >> level, width >> level }, levelsFw[level - 2].shape);
                flowDiff = Math.Max(flowDiff, levelsFw[level - 2].sub(reference[$"{prefix}level{level}_fw"]).abs().max().ToDouble());
                flowDiff = Math.Max(flowDiff, levelsBw[level - 2].sub(reference[$"{prefix}level{level}_bw"]).abs().max().ToDouble());
            }
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
    }

    [Fact]
    public void RejectsWrongShapesAndSizesThatAreNotAMultipleOf64()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Smoke);
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => net.forward(torch.zeros(1, 3, 64, 96), torch.zeros(1, 3, 64, 96)));
        Assert.Contains("64×96", e.Message);
        Assert.Contains("multiple of 64", e.Message);
        Assert.Contains("64×128", e.Message); // the size to pad to
        e = Assert.Throws<ArgumentException>(() => net.ForwardBoth(torch.zeros(1, 3, 64, 64), torch.zeros(1, 3, 64, 128)));
        Assert.Contains("[1,3,64,64] and [1,3,64,128]", e.Message);
        Assert.Throws<ArgumentException>(() => net.ForwardFlow(torch.zeros(1, 1, 64, 64), torch.zeros(1, 1, 64, 64)));
    }

    [Fact]
    public void ForwardBothEqualsTwoForwardCalls()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Mini, seed: 1);
        net.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var g = new Generator(2);
        var i1 = torch.rand([2, 3, 64, 128], ScalarType.Float64, generator: g);
        var i2 = torch.rand([2, 3, 64, 128], ScalarType.Float64, generator: g);
        var (fw, bw) = net.ForwardBoth(i1, i2);
        Assert.Equal(new long[] { 2, 2, 64, 128 }, fw.shape);
        Assert.True(fw.sub(net.ForwardFlow(i1, i2)).abs().max().ToDouble() < 1e-10);
        Assert.True(bw.sub(net.ForwardFlow(i2, i1)).abs().max().ToDouble() < 1e-10);
        Assert.True(fw.sub(bw).abs().max().ToDouble() > 1e-3); // the directions differ
    }

    [Fact]
    public void NormalisationIgnoresAConstantAddedToBothImages()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Smoke, seed: 3);
        net.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var g = new Generator(4);
        var i1 = torch.rand([1, 3, 64, 64], ScalarType.Float64, generator: g);
        var i2 = torch.rand([1, 3, 64, 64], ScalarType.Float64, generator: g);
        var shift = torch.tensor(new[] { 0.2, -0.1, 0.05 }, [1, 3, 1, 1], ScalarType.Float64);
        var flow = net.ForwardFlow(i1, i2);
        Assert.True(net.ForwardFlow(i1 + shift, i2 + shift).sub(flow).abs().max().ToDouble() < 1e-10);
        // the mean is joint: a constant added to one image only changes the flow
        Assert.True(net.ForwardFlow(i1, i2 + shift).sub(flow).abs().max().ToDouble() > 1e-6);
    }

    [Fact]
    public void SeededInitIsKaimingNormalFromTheNetworksOwnGenerator()
    {
        torch.manual_seed(1);
        using var a = new FastFlowNet(FastFlowNetConfig.Paper, seed: 5);
        torch.manual_seed(2);
        _ = torch.rand(1000);
        using var b = new FastFlowNet(FastFlowNetConfig.Paper, seed: 5);
        using var c = new FastFlowNet(FastFlowNetConfig.Paper, seed: 6);
        var (sa, sb, sc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(sa, kv => Assert.True(kv.Value.equal(sb[kv.Key]).all().item<bool>(), kv.Key));
        Assert.Contains(sa, kv => !kv.Value.equal(sc[kv.Key]).all().item<bool>());
        Assert.All(sa.Where(kv => kv.Key.EndsWith(".bias")), kv => Assert.Equal(0.0, kv.Value.abs().max().ToDouble()));
        // std √(2 / fan_in), within about 5 standard errors of a sample std (σ/√(2n)): decoder conv1 fan_in 87·9
        // (87,696 draws), grouped conv 32·9 (27,648), the four transposed convs 2·16 (256)
        static void Std(double expected, Tensor w, double rel) =>
            Assert.InRange(w.std().ToDouble(), expected * (1 - rel), expected * (1 + rel));
        Std(Math.Sqrt(2.0 / (87 * 9)), a.decoders.At(4).conv1.weight!, 0.02);
        Std(Math.Sqrt(2.0 / (32 * 9)), a.decoders.At(4).conv2.weight!, 0.03);
        Std(Math.Sqrt(2.0 / 32), torch.cat(a.upsample.Modules.Select(u => u.weight!.flatten()).ToList()), 0.25);
    }

    [Fact]
    public void BilinearStartUpsamplesEachFlowChannelBilinearlyAndShrinksThePredictions()
    {
        using var plain = new FastFlowNet(FastFlowNetConfig.Smoke, seed: 4);
        using var net = new FastFlowNet(FastFlowNetConfig.Smoke, seed: 4).BilinearStart(predictScale: 0.1);
        using var noGrad = torch.no_grad();
        // a flow that is constant per channel comes out of every upsampling layer unchanged away from the border,
        // and u never leaks into v
        var flow = torch.cat([torch.full(1, 1, 6, 8, 3.0f), torch.full(1, 1, 6, 8, -2.0f)], 1);
        foreach (var up in net.upsample.Modules)
        {
            var doubled = up.forward(flow);
            Assert.Equal(new long[] { 1, 2, 12, 16 }, doubled.shape);
            var inner = doubled[.., .., 1..11, 1..15];
            Assert.Equal(3.0, inner[0, 0].min().ToDouble(), 6);
            Assert.Equal(3.0, inner[0, 0].max().ToDouble(), 6);
            Assert.Equal(-2.0, inner[0, 1].min().ToDouble(), 6);
            Assert.Equal(-2.0, inner[0, 1].max().ToDouble(), 6);
        }
        // a ramp in u is interpolated: output pixel 2i+1 lies a quarter of the way from input i to i+1
        var ramp = torch.arange(8, dtype: ScalarType.Float32).view(1, 1, 1, 8).expand(1, 2, 6, 8).contiguous();
        var up6 = net.upsample.At(6).forward(ramp);
        Assert.Equal(2.25, up6[0, 0, 5, 5].ToDouble(), 6);   // 0.75·2 + 0.25·3
        // the predict convs are the seeded draw × 0.1; every other weight is the seeded draw
        var (a, b) = (plain.state_dict(), net.state_dict());
        foreach (var (name, value) in a)
        {
            if (name.StartsWith("upsample.")) continue;
            var expected = name.Contains(".predict.") ? value * 0.1 : value;
            Assert.True(b[name].allclose(expected, rtol: 1e-6, atol: 1e-9), name);
        }
    }

    [Fact]
    public void LoadsThroughTheKitsOneLoader()
    {
        using var dir = new TempFolder();
        var config = FastFlowNetConfig.Smoke with { Correlation = CostVolumeMode.ShiftMultiply };
        using var net = new FastFlowNet(config, seed: 9);
        WeightFiles.Save(net, dir.File("teacher.safetensors"));
        File.WriteAllText(dir.File("config.json"), new JsonObject { ["Model"] = JsonSerializer.SerializeToNode(config, DistillKit.Training.Json.Options) }.ToJsonString());
        using var loaded = FlowModels.Load(dir.File("teacher.safetensors"));
        var model = Assert.IsType<FastFlowNet>(loaded);
        Assert.Equal("FastFlowNet", model.Kind);
        Assert.Equal(64, model.SizeMultiple);
        Assert.Equal(config.PyramidChannels, model.Config.PyramidChannels);
        Assert.Equal(CostVolumeMode.ShiftMultiply, model.Config.Correlation);
        var expected = net.state_dict();
        Assert.All(model.state_dict(), kv => Assert.True(kv.Value.equal(expected[kv.Key]).all().item<bool>(), kv.Key));
        Assert.False(model.training);
    }

    [Fact]
    public void CorrelationScaleIsTheSameNetworkWithItsCorrelationWeightsScaled()
    {
        // LeakyReLU(s·c) = s·LeakyReLU(c) for s > 0, and conv1 sees the 53 correlation channels first: a network with
        // CorrelationScale s computes what the paper's network computes with conv1's correlation weights × s
        const double s = 100;
        using var scaled = new FastFlowNet(FastFlowNetConfig.Smoke with { CorrelationScale = s }, seed: 4);
        using var plain = new FastFlowNet(FastFlowNetConfig.Smoke, seed: 4);
        using (torch.no_grad())
            for (int level = FastFlowNet.CoarsestLevel; level >= FastFlowNet.FinestLevel; level--)
                plain.decoders.At(level).conv1.weight!.narrow(1, 0, FastFlowCorrelation.Channels).mul_(s);
        var g = new Generator(6);
        using var i1 = torch.rand([2, 3, 64, 128], generator: g);
        using var i2 = torch.rand([2, 3, 64, 128], generator: g);
        using var a = scaled.ForwardFlow(i1, i2);
        using var b = plain.ForwardFlow(i1, i2);
        using var unscaled = new FastFlowNet(FastFlowNetConfig.Smoke, seed: 4);
        using var c = unscaled.ForwardFlow(i1, i2);
        // float32 sums in another order: agreement to 1e-5 of the flow's size, where the scale itself moves it by far more
        double size = a.abs().max().ToDouble(), same = (a - b).abs().max().ToDouble(), moved = (a - c).abs().max().ToDouble();
        output.WriteLine($"max |flow| {size:G4}, scaled vs weights × s {same:G3}, scaled vs paper {moved:G3}");
        Assert.True(same <= 1e-5 * size + 1e-6, $"max difference {same} at max |flow| {size}");
        Assert.True(moved > 100 * (1e-5 * size + 1e-6), $"the scale changed the flow by only {moved}");

        // it travels with the weights: the kit's loader rebuilds the scaled network
        using var dir = new TempFolder();
        WeightFiles.Save(scaled, dir.File("teacher.safetensors"));
        File.WriteAllText(dir.File("config.json"), new JsonObject { ["Model"] = JsonSerializer.SerializeToNode(scaled.Config, DistillKit.Training.Json.Options) }.ToJsonString());
        using var loaded = FlowModels.Load(dir.File("teacher.safetensors"));
        Assert.Equal(s, Assert.IsType<FastFlowNet>(loaded).Config.CorrelationScale);
        using var d = loaded.ForwardFlow(i1, i2);
        Assert.True(a.allclose(d, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void LeavesNoTensorsBehind()
    {
        using var net = new FastFlowNet(FastFlowNetConfig.Smoke);
        var g = new Generator(5);
        using var i1 = torch.rand([1, 3, 64, 64], generator: g);
        using var i2 = torch.rand([1, 3, 64, 64], generator: g);
        net.ForwardFlow(i1, i2).Dispose(); // warm-up (lazily created state, if any)
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        net.ForwardFlow(i1, i2).Dispose();
        var (fw, bw) = net.ForwardBoth(i1, i2);
        fw.Dispose(); bw.Dispose();
        var (f, b, lf, lb) = net.ForwardBothLevels(i1, i2);
        foreach (var t in lf.Concat(lb).Append(f).Append(b)) t.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
