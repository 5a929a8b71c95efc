using TorchSharp;
using DistillKit.Data.Synthetic;
using DistillKit.Data.Video;
using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Tests.Support;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>MDFlow's three steps on real footage mixed with real-texture synthetic pairs (the laptop preset's data path, smoke sizes).</summary>
public class MdFlowFootageTests
{
    [Fact]
    public void TheThreeStepsTrainOnFootageCropsAndRealTexturePairs()
    {
        using var dir = new TempFolder();
        Stage1FootageTests.BuildData(dir);
        var roots = new DataRoots(new Dictionary<string, string> { ["Footage"] = Path.Combine(dir.Path, "data", "Footage") }, searchFrom: dir.Path);
        var footageData = Stage1FootageTests.SmokeFootage().Data;
        var laptop = new MdFlowTeacherInitRecipe().ForPreset(Preset.Laptop);
        // the laptop preset's data section at smoke size: 2 footage crops of 32×48 (FastFlowNet pads them to 64×64) and
        // 1 real-texture synthetic pair per batch
        var data = laptop.Data with
        {
            BatchSize = 3, SyntheticPerBatch = 1, CropHeight = 32, CropWidth = 48, EvalPairs = 3,
            Synthetic = footageData.Synthetic, Footage = footageData.Footage,
            // the teacher's warm-up on small synthetic pairs: step 0 only here (600 steps under laptop)
            WarmupSteps = 1, Warmup = SyntheticFlowConfig.Smoke with { Height = 32, Width = 48 },
        };
        Assert.True(laptop.Data.WarmupSteps > 0 && new MdFlowForwardRecipe().ForPreset(Preset.Laptop).Data.WarmupSteps == 0,
            "only the teacher init warms up");
        // the laptop preset weighs the synthetic rows' exact flow (1 in the warm-up, 0.2 after) and has no AR term; the
        // smoke chain below keeps AR on as well, to run both paths
        Assert.Equal(new[] { 1.0, 0.2 }, laptop.Phases.Select(p => p.Weight(MdFlow.Exact)));
        // the forward step's laptop preset: the teacher's reliable matches and the synthetic rows' exact flow, weight 1 each
        var forwardLaptop = new MdFlowForwardRecipe().ForPreset(Preset.Laptop).Phases.Single();
        Assert.Equal((1.0, 1.0), (forwardLaptop.Weight(MdFlow.Sup), forwardLaptop.Weight(MdFlow.Exact)));
        Assert.All(laptop.Phases, p => Assert.Equal(0, p.Weight(MdFlow.Ar)));
        MdFlowConfig Smoke(IRecipe recipe, string? teacher = null, string? student = null)
        {
            var c = (MdFlowConfig)recipe.ForPreset(Preset.Smoke, 0);
            if (recipe is MdFlowTeacherInitRecipe)
                c = c with { Phases = MdFlowTeacherInitRecipe.Phases(1, 3, ar: 0.05, exactWarmup: 1, exact: 0.2) };
            if (recipe is MdFlowForwardRecipe)
                c = c with { Phases = MdFlowForwardRecipe.Phases(3, exact: 1) };
            if (recipe is MdFlowBackwardRecipe)
                c = c with { Phases = MdFlowBackwardRecipe.Phases(3, exact: 0.2) };
            return c with
            {
                Data = data, Augmentor = c.Augmentor with { CropHeight = 24, CropWidth = 40 },
                Inputs = new MdFlowInputs { Teacher = teacher, Student = student },
            };
        }
        string Out(string name) => Path.Combine(dir.Path, name);

        var init = new MdFlowTeacherInitRecipe();
        var batches = MdFlow.Batches(Smoke(init), roots);
        using (var w = batches(0))
            Assert.Equal(new long[] { 3, 3, 32, 48 }, w.Image1.shape);   // the warm-up batch: synthetic pairs only
        using (var b = batches(4))
        {
            Assert.Equal(new long[] { 3, 3, 32, 48 }, b.Image1.shape);
            Assert.Null(b.FlowFw);   // ground truth dropped: MDFlow trains on unlabelled pairs
            using var again = batches(4);
            Assert.True(b.Image1.eq(again.Image1).all().item<bool>(), "a step's batch comes from (seed, step) alone");
            // with exact flow: the same images, the synthetic row's flow and Valid 1, the real rows' Valid 0
            using var exact = MdFlow.Batches(Smoke(init), roots, exactFlow: true)(4);
            Assert.True(b.Image1.eq(exact.Image1).all().item<bool>());
            Assert.Equal(new long[] { 3, 2, 32, 48 }, exact.FlowFw!.shape);
            Assert.Equal(new long[] { 3, 2, 32, 48 }, exact.FlowBw!.shape);
            Assert.Equal(0, exact.Valid![..2].sum().ToDouble());
            Assert.Equal(32 * 48, exact.Valid[2].sum().ToDouble());
            Assert.True(exact.FlowFw[2].abs().max().ToDouble() > 0);
            // the term: ψ of the flow error on Valid pixels; 0.2 of it in the main phase's loss
            var phase = MdFlowTeacherInitRecipe.Phases(0, 1, exact: 0.2)[0];
            var terms = new Dictionary<string, double>();
            using var net = MdFlow.CreateTeacher(Smoke(init), null);
            var (loss, _, _) = MdFlow.TeacherTerms(net, exact, Smoke(init).Losses, phase, terms);
            Assert.True(terms[MdFlow.Exact] > 0 && double.IsFinite(terms[MdFlow.Exact]));
            var others = terms.Where(kv => kv.Key != MdFlow.Exact).Sum(kv => phase.Weight(kv.Key) * kv.Value);
            Assert.Equal(others + 0.2 * terms[MdFlow.Exact], loss.ToDouble(), 4);
            var unlabelledTerms = new Dictionary<string, double>();
            var e = Assert.Throws<InvalidOperationException>(() => MdFlow.TeacherTerms(net, b, Smoke(init).Losses, phase, unlabelledTerms));
            Assert.Contains("exactFlow: true", e.Message);
        }

        using (var run = init.Train(Smoke(init), new RunOptions { OutDir = Out("init"), Progress = null, Data = roots }))
            Assert.True(double.IsFinite(Assert.IsType<MdFlowEvaluation>(run.Evaluation).Models["teacher"].Model.EpeAll));
        var teacher = Path.Combine(Out("init"), MdFlow.TeacherFile);
        var forward = new MdFlowForwardRecipe();
        using (var run = forward.Train(Smoke(forward, teacher), new RunOptions { OutDir = Out("forward"), Progress = null, Data = roots }))
        {
            Assert.True(run.Result.Completed);
            // the laptop form: the teacher's reliable matches and the synthetic row's exact flow, each beside its value at zero flow
            var terms = run.Result.Log[^1].Terms;
            foreach (var key in new[] { MdFlow.Sup, MdFlow.Exact, MdFlow.Sup + MdFlowForwardRecipe.AtZeroFlow, MdFlow.Exact + MdFlowForwardRecipe.AtZeroFlow, "teacher-epe-kept" })
                Assert.True(terms.TryGetValue(key, out var v) && double.IsFinite(v) && v >= 0, key);
            Assert.Equal(terms[MdFlow.Sup] + terms[MdFlow.Exact], run.Result.Log[^1].Loss, 4);
        }
        // one augmentor draw moves the exact flow as it moves the teacher's target: a fresh generator of the same stream
        // and step gives the same input pair
        using (var pair = MdFlow.Batches(Smoke(forward, teacher), roots, exactFlow: true)(2))
        {
            var config = Smoke(forward, teacher);
            var first = MdFlow.Augment(config.Augmentor, pair, torch.zeros_like(pair.FlowFw!), torch.ones_like(pair.Valid!), SampleRandom.For(0, MdFlow.AugmentorStream, 2));
            var second = MdFlow.Augment(config.Augmentor, pair, pair.FlowFw!, pair.Valid!, SampleRandom.For(0, MdFlow.AugmentorStream, 2));
            Assert.True(first.Image1.eq(second.Image1).all().item<bool>() && first.Image2.eq(second.Image2).all().item<bool>());
            Assert.Equal(0, second.Mask[..2].sum().ToDouble());   // the real rows stay unsupervised
        }
        var student = Path.Combine(Out("forward"), MdFlow.StudentFile);
        var backward = new MdFlowBackwardRecipe();
        // the laptop preset's step 3 keeps the teacher init's exact-flow weight (otherwise the teacher would lose a term it
        // learned from); its log shows the term, and the loss is the weighted sum of the logged terms
        Assert.Equal(MdFlowTeacherInitRecipe.LaptopExact, backward.ForPreset(Preset.Laptop).Phases.Single().Weight(MdFlow.Exact));
        using (var run = backward.Train(Smoke(backward, teacher, student), new RunOptions { OutDir = Out("backward"), Progress = null, Data = roots }))
        {
            Assert.True(run.Result.Completed);
            var last = run.Result.Log[^1];
            var phase = MdFlowBackwardRecipe.Phases(3, exact: 0.2)[0];
            Assert.True(last.Terms.TryGetValue(MdFlow.Exact, out var exactTerm) && double.IsFinite(exactTerm) && exactTerm > 0);
            Assert.Equal(last.Terms.Sum(kv => phase.Weight(kv.Key) * kv.Value), last.Loss, 4);
        }

        // every output runs on held-out real frames (./kit footage's metrics), RAFT and FastFlowNet padded to their multiples
        var footage = Footage.Open([Path.Combine(dir.Path, "data", "Footage")], footageData.Footage);
        foreach (var file in new[] { teacher, student, Path.Combine(Out("backward"), MdFlow.TeacherFile) })
        {
            using var net = FlowModels.Load(file);
            var m = FootageEvaluation.Of(net, footage.HeldOut);
            Assert.True(m.Pairs > 0 && double.IsFinite(m.Census) && m.Consistent is >= 0 and <= 1, file);
        }
    }
}
