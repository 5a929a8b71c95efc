using System.Text.Json;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

public class PmdTests(ITestOutputHelper output)
{
    /// <summary>Channels 16/24 on an 8×8 grid: the whole head in float64 in well under a second.</summary>
    static readonly PmdConfig Tiny = PmdConfig.Mini with { Layer3Channels = 16, Layer4Channels = 24, Hypotheses = 3 };

    static PmdConfig ForName(string name) => name == "tiny" ? Tiny : PmdConfig.Mini with { Hypotheses = 3 };

    /// <summary>Random post-ReLU-like features (about half zeros) of a config at its InputSize.</summary>
    static ResNetFeatures Features(PmdConfig c, int batch, Generator g, ScalarType dtype = ScalarType.Float32) => new(
        torch.randn([batch, c.Layer3Channels, c.GridSize, c.GridSize], generator: g).relu().to_type(dtype),
        torch.randn([batch, c.Layer4Channels, c.Layer4Size, c.Layer4Size], generator: g).relu().to_type(dtype));

    /// <summary>Batch-norm affine parameters and running statistics away from 1/0, so that loading and updating them is tested.</summary>
    static void PerturbBatchNorms(nn.Module net, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in net.named_modules())
            if (m is BatchNorm2d bn)
            {
                bn.weight!.copy_(torch.rand(bn.weight.shape, generator: g).mul(0.5).add(0.75));
                bn.bias!.copy_(torch.randn(bn.bias.shape, generator: g).mul(0.1));
                bn.running_mean!.copy_(torch.randn(bn.running_mean.shape, generator: g).mul(0.1));
                bn.running_var!.copy_(torch.rand(bn.running_var.shape, generator: g).add(0.5));
            }
    }

    [Fact]
    public void PmdHeadsHaveTheirParameterCountsAndTheBackbonesAreFrozen()
    {
        // mini (ResNet-18 widths 256/512): adapt3 2·(256²·25 + 2·256), adapt4 2·(512²·9 + 2·512), attention 1024·512 + 2·512;
        // the teacher's depthwise scale conv adds 512·2·4·4 + 512 (layer4 4×4 at 128×128)
        using (var s = new PmdStudent(PmdConfig.Mini))
            Assert.Equal(3_277_824 + 4_720_640 + 525_312, Count(s));
        using (var t = new PmdTeacher(PmdConfig.Mini))
        {
            Assert.Equal(8_523_776 + 16_896, Count(t));
            Assert.Equal(new long[] { 512, 2, 4, 4 }, t.attention.scale.weight!.shape);
        }
        // paper (ResNet-101 widths 1024/2048, layer4 10×10): 136.3 M trainable in the student, + 411,648 in the teacher
        using (var s = new PmdStudent(PmdConfig.Paper))
            Assert.Equal(52_432_896 + 75_505_664 + 8_392_704, Count(s));
        using (var t = new PmdTeacher(PmdConfig.Paper))
            Assert.Equal(136_331_264 + 2048 * 2 * 10 * 10 + 2048, Count(t));

        using var r18 = PmdBackbone.Untrained(PmdConfig.Smoke, seed: 1);
        Assert.Equal(15_897_152, r18.Network.parameters().Sum(p => p.numel()));
        Assert.All(r18.Network.parameters(), p => Assert.False(p.requires_grad));
        Assert.False(r18.Network.training);
        using var r101 = PmdBackbone.Untrained(PmdConfig.Paper, seed: 1);
        Assert.Equal(44_549_160, r101.Network.parameters().Sum(p => p.numel()));
        Assert.Contains("layer3.22.bn3.running_var", r101.Network.state_dict().Keys);
        Assert.Contains("fc.weight", r101.Network.state_dict().Keys);
        output.WriteLine("trainable: mini student 8,523,776, teacher 8,540,672; paper student 136,331,264, teacher 136,742,912; " +
                         "frozen: ResNet-18 15,897,152, ResNet-101 44,549,160 (42,500,160 without its unused fc)");

        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => PmdBackbone.Untrained(PmdConfig.Mini with { Layer3Channels = 1024 }));
        Assert.Contains("256/512", e.Message);
        using var features = r101.Features(torch.rand(1, 3, 64, 96));
        Assert.Equal(new long[] { 1, 1024, 4, 6 }, features.Layer3.shape);
        Assert.Equal(new long[] { 1, 2048, 2, 3 }, features.Layer4.shape);
        Assert.False(features.Layer3.requires_grad);
        e = Assert.Throws<ArgumentException>(() => r18.Features(torch.rand(1, 3, 64, 70)));
        Assert.Contains("multiples of 32", e.Message);
    }

    static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());

    /// <summary>
    /// Both directions, a weighted sum of the matches, every gradient (parameters and input features) and the batch-norm
    /// buffers after the pass in train mode, then the eval-mode matches, against tests/reference/pmd_reference.py (PyTorch
    /// 1.13, written from METHODS §6: attention as a linear map with BatchNorm1d, the correlation as an einsum, the
    /// soft-argmax through its marginals, the teacher's scale as an explicit sum). Gradient error = max|Δ| / max|reference
    /// gradient| per tensor. Tolerances: float64 1e-10 on matches (normalised units), 1e-9 on gradients (both sides compute
    /// the same functions in another order); float32 2e-5 on matches, 1e-4 on the teacher's μ and σ and 5e-4 on gradients
    /// (the batch-norm statistics of 3 samples and β = 50 amplify float32 rounding). Measured maxima go to the test output; the fused correlation's
    /// smallest top-1/top-2 gap is reported and required above 1e-6 (ten times float32 rounding of a correlation ≤ 1), so that float32 cannot pick another argmax.
    /// </summary>
    [Theory]
    [InlineData("student", "tiny")]
    [InlineData("student", "mini")]
    [InlineData("teacher", "tiny")]
    public void MatchesThePyTorchReferenceForwardAndBackward(string role, string size)
    {
        var config = ForName(size);
        const int batch = 3;
        using var dir = new TempFolder();
        using var scope = torch.NewDisposeScope();
        var weights = dir.File("weights.safetensors");
        bool teacher = role == "teacher";
        using (var init = teacher ? (nn.Module)new PmdTeacher(config, seed: 7) : new PmdStudent(config, seed: 7))
        {
            PerturbBatchNorms(init, 11);
            WeightFiles.Save(init, weights);
        }
        using var g = new Generator(3);
        var src = Features(config, batch, g);
        var tgt = Features(config, batch, g);
        long k = config.Hypotheses, h = config.GridSize, c4 = config.Layer4Channels;
        var inputs = new Dictionary<string, Tensor>
        {
            ["src3"] = src.Layer3, ["src4"] = src.Layer4, ["tgt3"] = tgt.Layer3, ["tgt4"] = tgt.Layer4,
            ["r_fw"] = torch.randn(teacher ? [k, batch, 2, h, h] : [batch, 2, h, h], generator: g),
            ["r_bw"] = torch.randn(teacher ? [k, batch, 2, h, h] : [batch, 2, h, h], generator: g),
            ["noise_fw"] = torch.randn([k, batch, 2, c4], generator: g),
            ["noise_bw"] = torch.randn([k, batch, 2, c4], generator: g),
            ["r_mu"] = torch.randn([k, batch, 2, c4], generator: g),
            ["r_sigma"] = torch.randn([k, batch, 2, c4], generator: g),
        };
        File.WriteAllText(dir.File("config.json"), JsonSerializer.Serialize(config, DistillKit.Training.Json.Options));
        PyTorchPickler.PickleStateDict(dir.File("inputs.pth"), inputs);
        ReferenceScripts.Run(Path.Combine(ReferenceScripts.RepoRoot, "tests", "reference", "pmd_reference.py"), "parity", role,
            dir.File("config.json"), weights, dir.File("inputs.pth"), dir.File("out.pth"));
        var reference = WeightFiles.Read(dir.File("out.pth"));
        double margin = reference["margin"].ToDouble();
        Assert.True(margin > 1e-6, $"the inputs put two correlations within {margin:E2}: float32 may pick another argmax");
        var fwRef = reference["f64.fw"];
        Assert.True(fwRef.max().ToDouble() - fwRef.min().ToDouble() > 0.1); // the matches depend on the features

        foreach (var (dtype, prefix, matchTol, gradTol) in new[] { (ScalarType.Float64, "f64.", 1e-10, 1e-9), (ScalarType.Float32, "f32.", 2e-5, 5e-4) })
        {
            var what = $"{role}/{size}/{dtype}";
            using var net = teacher ? (nn.Module)new PmdTeacher(config) : new PmdStudent(config);
            WeightFiles.Load(net, weights);
            net.to(dtype);
            net.train();
            var features = new Dictionary<string, Tensor>();
            foreach (var name in new[] { "src3", "src4", "tgt3", "tgt4" })
                features[name] = inputs[name].to_type(dtype).detach().requires_grad_();
            var fs = new ResNetFeatures(features["src3"], features["src4"]);
            var ft = new ResNetFeatures(features["tgt3"], features["tgt4"]);
            Tensor fw, bw, loss;
            var compared = new List<(string name, Tensor value, double tol)>();
            if (teacher)
            {
                var (hf, hb) = ((PmdTeacher)net).HypothesesBoth(fs, ft, inputs["noise_fw"].to_type(dtype), inputs["noise_bw"].to_type(dtype));
                (fw, bw) = (hf.Target, hb.Target);
                loss = fw.mul(inputs["r_fw"].to_type(dtype)).sum().add(bw.mul(inputs["r_bw"].to_type(dtype)).sum())
                    .add(hf.Mu.mul(inputs["r_mu"].to_type(dtype)).sum()).add(hf.Sigma.mul(inputs["r_sigma"].to_type(dtype)).sum());
                // μ and σ come out of a batch norm over 3 samples (the variance of three numbers): float32 rounding grows to 2e-5
                double statTol = dtype == ScalarType.Float64 ? matchTol : 1e-4;
                compared.AddRange([("mu_fw", hf.Mu, statTol), ("sigma_fw", hf.Sigma, statTol), ("mu_bw", hb.Mu, statTol), ("sigma_bw", hb.Sigma, statTol)]);
            }
            else
            {
                var (mf, mb) = ((PmdStudent)net).MatchBoth(fs, ft);
                (fw, bw) = (mf.Target, mb.Target);
                loss = fw.mul(inputs["r_fw"].to_type(dtype)).sum().add(bw.mul(inputs["r_bw"].to_type(dtype)).sum());
            }
            compared.AddRange([("fw", fw, matchTol), ("bw", bw, matchTol)]);
            loss.backward();
            Assert.Equal(dtype, fw.dtype);
            double matchDiff = 0, statDiff = 0;
            foreach (var (name, value, tol) in compared)
            {
                double d = value.detach().sub(reference[prefix + name]).abs().max().ToDouble();
                if (name is "fw" or "bw") matchDiff = Math.Max(matchDiff, d);
                else statDiff = Math.Max(statDiff, d);
                Assert.True(d < tol, $"{what}: {name} differs by {d:E2}");
            }
            double lossRel = Math.Abs(loss.ToDouble() - reference[prefix + "loss"].ToDouble()) / Math.Abs(reference[prefix + "loss"].ToDouble());

            var gradients = net.named_parameters().Select(p => (name: "grad." + p.name, grad: p.parameter.grad!))
                .Concat(features.Select(f => (name: "grad_in." + f.Key, grad: f.Value.grad!))).ToList();
            Assert.Equal(reference.Keys.Where(n => n.StartsWith(prefix + "grad")).Order(), gradients.Select(x => prefix + x.name).Order());
            double worst = 0;
            string worstName = "";
            foreach (var (name, grad) in gradients)
            {
                var expected = reference[prefix + name];
                double scale = expected.abs().max().ToDouble();
                Assert.True(scale > 0, $"{what}: the reference gives {name} no gradient");
                double rel = grad.sub(expected).abs().max().ToDouble() / scale;
                if (rel > worst) (worst, worstName) = (rel, name);
                Assert.True(rel <= gradTol, $"{what}: {name} differs by {rel:E2} of its largest entry");
            }
            double bufferDiff = 0;
            var buffers = net.named_buffers().ToList();
            Assert.Equal(reference.Keys.Where(n => n.StartsWith(prefix + "buffer.")).Order(), buffers.Select(b => prefix + "buffer." + b.name).Order());
            foreach (var (name, b) in buffers)
            {
                double d = b.to_type(ScalarType.Float64).flatten().sub(reference[prefix + "buffer." + name].to_type(ScalarType.Float64).flatten()).abs().max().ToDouble();
                bufferDiff = Math.Max(bufferDiff, d);
                Assert.True(d <= matchTol, $"{what}: buffer {name} differs by {d:E2}");
            }

            ((ISemanticMatcher)net).SetEval();
            using (torch.no_grad())
            {
                using var eval = ((ISemanticMatcher)net).Match(
                    new ResNetFeatures(inputs["src3"].to_type(dtype), inputs["src4"].to_type(dtype)),
                    new ResNetFeatures(inputs["tgt3"].to_type(dtype), inputs["tgt4"].to_type(dtype)));
                double d = eval.Target.sub(reference[prefix + "eval_fw"]).abs().max().ToDouble();
                matchDiff = Math.Max(matchDiff, d);
                Assert.True(d < matchTol, $"{what}: eval-mode matches differ by {d:E2}");
            }
            output.WriteLine($"{what}: matches (train and eval) max|Δ| {matchDiff:E2}{(teacher ? $", μ and σ {statDiff:E2}" : "")}; loss rel {lossRel:E2}; " +
                             $"gradients of {gradients.Count} tensors: worst max|Δ|/max|g| {worst:E2} ({worstName}); buffers max|Δ| {bufferDiff:E2}; " +
                             $"top-2 correlation gap ≥ {margin:E2}");
            Assert.True(lossRel < (dtype == ScalarType.Float64 ? 1e-12 : 1e-5), $"{what}: loss differs by {lossRel:E2}");
        }
        foreach (var t in reference.Values) t.Dispose();
    }

    [Fact]
    public void PmdStudentMatchBothIsMatchInEachDirection()
    {
        using var net = new PmdStudent(Tiny, seed: 2);
        net.SetEval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var g = new Generator(4);
        var (a, b) = (Features(Tiny, 2, g), Features(Tiny, 2, g));
        var (fw, bw) = net.MatchBoth(a, b);
        var fw1 = net.Match(a, b);
        var bw1 = net.Match(b, a);
        Assert.Equal(new long[] { 2, 2, 8, 8 }, fw.Target.shape);
        Assert.True(fw.Target.sub(fw1.Target).abs().max().ToDouble() < 1e-6);
        Assert.True(bw.Target.sub(bw1.Target).abs().max().ToDouble() < 1e-6);
        Assert.True(fw.Target.sub(bw.Target).abs().max().ToDouble() > 1e-2);
        // flow = target − cell centre; every match is a convex combination of target cell centres
        Assert.True(fw.Flow.add(CellGrid.Centres(8, 8)).sub(fw.Target).abs().max().ToDouble() < 1e-6);
        Assert.True(fw.Target.abs().max().ToDouble() <= 1 - 1.0 / 8 + 1e-6);
    }

    [Fact]
    public void PmdCallsLeaveOnlyTheirResults()
    {
        using var student = new PmdStudent(Tiny, seed: 1);
        using var teacher = new PmdTeacher(Tiny, seed: 1);
        using var g = new Generator(2);
        using var a = Features(Tiny, 2, g);
        using var b = Features(Tiny, 2, g);
        var stats = DisposeScopeManager.Statistics;
        long Live(Action run)
        {
            long before = stats.ThreadTotalLiveCount;
            run();
            return stats.ThreadTotalLiveCount - before;
        }
        using var scope = torch.NewDisposeScope();
        Assert.Equal(2, Live(() => student.Match(a, b)));                  // target, flow
        Assert.Equal(4, Live(() => student.MatchBoth(a, b)));
        Assert.Equal(2, Live(() => teacher.Match(a, b)));
        Assert.Equal(5, Live(() => teacher.Hypotheses(a, b, g)));          // target, flow, μ, σ, correlation
        Assert.Equal(10, Live(() => teacher.HypothesesBoth(a, b, g)));
        // a training step inside a scope leaves nothing once the scope ends
        student.train();
        Assert.Equal(0, Live(() =>
        {
            using var step = torch.NewDisposeScope();
            var (f, r) = student.MatchBoth(a, b);
            f.Flow.square().sum().add(r.Flow.square().sum()).backward();
        }));
    }

    [Fact]
    public void PmdTeacherMeanModeHypothesesAndStudentWeightsAgree()
    {
        using var teacher = new PmdTeacher(Tiny, seed: 5);
        teacher.SetEval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var g = new Generator(6);
        var (a, b) = (Features(Tiny, 2, g), Features(Tiny, 2, g));
        var mean = teacher.Match(a, b);
        // the mean mode is one hypothesis with ε = 0
        var zero = teacher.Hypotheses(a, b, torch.zeros(1, 2, 2, Tiny.Layer4Channels));
        Assert.True(zero.Target[0].sub(mean.Target).abs().max().ToDouble() < 1e-7);
        // seeded draws: the same generator seed gives the same hypotheses; the hypotheses differ from each other
        using var g1 = new Generator(9);
        using var g2 = new Generator(9);
        var h1 = teacher.Hypotheses(a, b, g1);
        var h2 = teacher.Hypotheses(a, b, g2);
        Assert.Equal(new long[] { 3, 2, 2, 8, 8 }, h1.Flow.shape);
        Assert.Equal(new long[] { 3, 2, 2, Tiny.Layer4Channels }, h1.Sigma.shape);
        Assert.True(h1.Target.equal(h2.Target).all().item<bool>());
        Assert.True(h1.Flow[0].sub(h1.Flow[1]).abs().max().ToDouble() > 1e-3);
        Assert.True(h1.Sigma.min().ToDouble() > 0);
        Assert.Equal(new long[] { 2, 2, 8, 8 }, h1.MeanFlow().shape);
        Assert.True(h1.MeanFlow().sub(h1.Flow.mean([0])).abs().max().ToDouble() < 1e-7);
        // the source's attention (index 0) is the same for every hypothesis, the target's is not
        Assert.True(h1.Mu[0, .., 0].equal(h1.Mu[2, .., 0]).all().item<bool>());
        Assert.False(h1.Mu[0, .., 1].equal(h1.Mu[2, .., 1]).all().item<bool>());
        // σ → 0 (scale bias −40): every hypothesis is the mean mode
        teacher.attention.scale.bias!.fill_(-40);
        var collapsed = teacher.Hypotheses(a, b, g1);
        var meanNow = teacher.Match(a, b);
        Assert.True(collapsed.Target.sub(meanNow.Target.unsqueeze(0)).abs().max().ToDouble() < 1e-6);
        // a student loaded with the teacher's weights (all but attention.scale) matches as the teacher's mean mode
        using var student = new PmdStudent(Tiny, seed: 0);
        var weights = teacher.state_dict().Where(kv => !kv.Key.StartsWith("attention.scale.")).ToDictionary(kv => kv.Key, kv => kv.Value);
        StateDicts.LoadStrict(student, weights, "teacher");
        student.SetEval();
        Assert.True(student.Match(a, b).Target.sub(meanNow.Target).abs().max().ToDouble() < 1e-6);
        // both directions with a generator: K per direction, the two directions differ
        var (hf, hb) = teacher.HypothesesBoth(a, b, g1, count: 2);
        Assert.Equal(2, hf.Count);
        Assert.True(hf.Target.sub(hb.Target).abs().max().ToDouble() > 1e-3);
    }

    [Fact]
    public void PmdMatchersRejectWhatTheyCannotRunWithMessagesSayingWhy()
    {
        using var student = new PmdStudent(Tiny);
        using var teacher = new PmdTeacher(Tiny);
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(1);
        var a = Features(Tiny, 2, g);
        var wrongChannels = new ResNetFeatures(torch.rand(2, 17, 8, 8), a.Layer4);
        var e = Assert.Throws<ArgumentException>(() => student.Match(a, wrongChannels));
        Assert.Contains("layer3 [B,16,h,w]", e.Message);
        var odd = new ResNetFeatures(torch.rand(2, 16, 8, 8), torch.rand(2, 24, 3, 4));
        Assert.Throws<ArgumentException>(() => student.Match(odd, odd));
        // the student runs on other input sizes, the teacher only on its InputSize
        var larger = new ResNetFeatures(torch.rand(2, 16, 12, 10), torch.rand(2, 24, 6, 5));
        student.SetEval();
        Assert.Equal(new long[] { 2, 2, 12, 10 }, student.Match(larger, larger).Flow.shape);
        e = Assert.Throws<ArgumentException>(() => teacher.Match(larger, larger));
        Assert.Contains("resize the images to 128×128", e.Message);
        // train mode: batch norm over a [1,C,1,1] batch is undefined
        student.train();
        var one = Features(Tiny, 1, g);
        e = Assert.Throws<ArgumentException>(() => student.Match(one, one));
        Assert.Contains("at least 2 pairs", e.Message);
        e = Assert.Throws<ArgumentException>(() => teacher.Hypotheses(a, a, torch.zeros(3, 2, 2, 23)));
        Assert.Contains("[K,2,2,24]", e.Message);
        Assert.Throws<ArgumentException>(() => new PmdStudent(Tiny with { Layer3Kernel = 4 }));
        Assert.Throws<ArgumentException>(() => PmdConfig.ForPreset("huge"));
    }

    [Fact]
    public void PmdInitialisationComesFromItsOwnSeed()
    {
        torch.manual_seed(1);
        using var a = new PmdTeacher(Tiny, seed: 5);
        torch.manual_seed(2);
        _ = torch.rand(100);
        using var b = new PmdTeacher(Tiny, seed: 5);
        using var c = new PmdTeacher(Tiny, seed: 6);
        var (sa, sb, sc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(sa, kv => Assert.True(kv.Value.equal(sb[kv.Key]).all().item<bool>(), kv.Key));
        Assert.Contains(sa, kv => !kv.Value.equal(sc[kv.Key]).all().item<bool>());
        // PyTorch's default draws: uniform in ±1/√fan_in (adapt3 convs: fan_in 16·25)
        double bound = 1 / Math.Sqrt(16 * 25);
        var w = ((AdaptationBlock)a.adapt3[0]).conv.weight!;
        Assert.True(w.abs().max().ToDouble() <= bound);
        Assert.True(w.abs().max().ToDouble() > 0.9 * bound);
        Assert.Equal(new[] { "adapt3.0.conv.weight", "adapt3.0.bn.weight", "adapt3.0.bn.bias", "adapt3.1.conv.weight" },
                     a.named_parameters().Select(p => p.name).Take(4));
        Assert.Contains("attention.scale.bias", sa.Keys);
        Assert.Contains("adapt4.1.bn.running_var", sa.Keys);
    }

    [Fact]
    public void PmdMatchesImagesThroughTheFrozenBackboneAndTrainsTheHeadOnly()
    {
        var config = PmdConfig.Smoke;
        using var backbone = PmdBackbone.Untrained(config, seed: 3);
        using var student = new PmdStudent(config, seed: 4);
        using var scope = torch.NewDisposeScope();
        using var g = new Generator(2);
        var images = torch.rand([2, 3, 64, 64], generator: g);
        var others = torch.rand([2, 3, 64, 64], generator: g);
        student.train();
        var m = SemanticMatching.Match(backbone, student, images, others);
        Assert.Equal(new long[] { 2, 2, 4, 4 }, m.Flow.shape);
        m.Flow.square().sum().backward();
        Assert.All(student.parameters(), p => Assert.NotNull(p.grad));
        Assert.All(backbone.Network.parameters(), p => Assert.Null(p.grad));
        Assert.False(backbone.Network.training);
        Assert.Equal(new long[] { 2, 2, 64, 64 }, m.PixelFlow(64, 64).shape);
    }
}
