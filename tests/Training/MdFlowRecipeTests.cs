using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Tests.Support;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Training;

public class MdFlowRecipeTests
{
    /// <summary>The three steps under smoke, each loading the previous step's output; what each must not touch stays as it was.</summary>
    [Fact]
    public void TheThreeStepsChainAndLeaveTheirInputsAsTheyWere()
    {
        using var dir = new TempFolder();
        string Dir(string step) => Path.Combine(dir.Path, step);

        var init = new MdFlowTeacherInitRecipe();
        var initConfig = init.ForPreset(Preset.Smoke, seed: 1);
        using (var run = init.Train(initConfig, new RunOptions { OutDir = Dir("init"), Progress = null }))
        {
            Assert.Equal(6, run.Result.StepsDone);
            Assert.Equal(["ar", "photometric", "smooth"], run.Result.Log[^1].Terms.Keys.Order());
            Assert.All(run.Result.Log, e => Assert.True(double.IsFinite(e.Loss)));
        }
        var teacherFile = Path.Combine(Dir("init"), MdFlow.TeacherFile);
        var teacherBytes = File.ReadAllBytes(teacherFile);
        using (var loaded = FlowModels.Load(teacherFile)) Assert.Equal("FastFlowNet", loaded.Kind);

        var forward = new MdFlowForwardRecipe();
        var forwardConfig = forward.ForPreset(Preset.Smoke, seed: 1) with { Inputs = new MdFlowInputs { Teacher = teacherFile } };
        using (var run = forward.Train(forwardConfig, new RunOptions { OutDir = Dir("forward"), Progress = null }))
        {
            Assert.Equal(["kept", "sup", "sup@zero", "teacher-epe-dropped", "teacher-epe-kept", "teacher-length-dropped", "teacher-length-kept"],
                run.Result.Log[^1].Terms.Keys.Order());
            var eval = Assert.IsType<MdFlowEvaluation>(run.Evaluation);
            Assert.Equal(["student", "teacher"], eval.Models.Keys.Order());
        }
        var studentFile = Path.Combine(Dir("forward"), MdFlow.StudentFile);
        Assert.Equal(teacherBytes, File.ReadAllBytes(teacherFile));
        var studentBytes = File.ReadAllBytes(studentFile);
        using (var loaded = FlowModels.Load(studentFile)) Assert.Equal("Raft", loaded.Kind);

        var backward = new MdFlowBackwardRecipe();
        var backwardConfig = backward.ForPreset(Preset.Smoke, seed: 1) with { Inputs = new MdFlowInputs { Teacher = teacherFile, Student = studentFile } };
        using (var run = backward.Train(backwardConfig, new RunOptions { OutDir = Dir("backward"), Progress = null }))
        {
            Assert.Equal(["photometric", "smooth", "sup"], run.Result.Log[^1].Terms.Keys.Order());
            var eval = Assert.IsType<MdFlowEvaluation>(run.Evaluation);
            // the initial teacher reported here is step 1's output, unchanged, and the trained one has moved away from it
            using var heldOut = MdFlow.HeldOut(backwardConfig);
            using var initial = FlowModels.Load(teacherFile);
            Assert.Equal(FlowEvaluations.Of(initial, heldOut).Model.EpeAll, eval.Models["initial teacher"].Model.EpeAll, 6);
            Assert.NotEqual(eval.Models["initial teacher"].Model.EpeAll, eval.Models["teacher"].Model.EpeAll);
        }
        Assert.Equal(teacherBytes, File.ReadAllBytes(teacherFile));
        Assert.Equal(studentBytes, File.ReadAllBytes(studentFile));
    }

    /// <summary>The forward step's log separates what the reliable mask keeps from what it drops: flow lengths, and the
    /// teacher's error where the exact flow is known.</summary>
    [Fact]
    public void TheForwardLogMeasuresTheTeacherOnTheKeptAndTheDroppedPixels()
    {
        // one row of four pixels with lengths 5 (3, 4), 0, 2 (0, 2), 1 (1, 0); the mask keeps the two middle ones
        using var fw = torch.tensor(new float[] { 3, 0, 0, 1, 4, 0, 2, 0 }).reshape(1, 2, 1, 4);
        using var kept = torch.tensor(new float[] { 0, 1, 1, 0 }).reshape(1, 1, 1, 4);
        var terms = new Dictionary<string, double>();
        MdFlowForwardRecipe.LogTeacherTargets(fw, kept, terms);
        Assert.Equal(["kept", "teacher-length-dropped", "teacher-length-kept"], terms.Keys.Order());
        Assert.Equal(0.5, terms["kept"], 6);
        Assert.Equal(1.0, terms["teacher-length-kept"], 6);      // (0 + 2) / 2
        Assert.Equal(3.0, terms["teacher-length-dropped"], 6);   // (5 + 1) / 2
        // exact flow (0, 2) everywhere, known on the first three pixels only
        using var truth = torch.tensor(new float[] { 0, 0, 0, 0, 2, 2, 2, 2 }).reshape(1, 2, 1, 4);
        using var valid = torch.tensor(new float[] { 1, 1, 1, 0 }).reshape(1, 1, 1, 4);
        MdFlowForwardRecipe.LogTeacherTargets(fw, kept, terms, truth, valid);
        Assert.Equal(1.0, terms["teacher-epe-kept"], 6);          // errors 2 and 0
        Assert.Equal(Math.Sqrt(13), terms["teacher-epe-dropped"], 5); // (3, 2): the fourth pixel is unknown
    }

    [Fact]
    public void AMissingTeacherNamesTheFileAndTheStepThatMakesIt()
    {
        using var dir = new TempFolder();
        var forward = new MdFlowForwardRecipe();
        var config = forward.ForPreset(Preset.Smoke) with { Inputs = new MdFlowInputs { Teacher = Path.Combine(dir.Path, "nope.safetensors") } };
        var e = Assert.Throws<FileNotFoundException>(() => forward.Train(config, new RunOptions { OutDir = dir.Path, Progress = null }));
        Assert.Contains("nope.safetensors", e.Message);
        Assert.Contains("./kit train mdflow-teacher-init", e.Message);
    }

    [Fact]
    public void TheTeacherWarmsUpUnmaskedFromABilinearStartBeforeItsOcclusionMaskSmoothnessAndRegularisation()
    {
        foreach (var preset in new[] { Preset.Smoke, Preset.Mini, Preset.Paper })
        {
            var config = new MdFlowTeacherInitRecipe().ForPreset(preset);
            Assert.True(config.Networks.TeacherBilinearStart);
            Assert.Equal(2, config.Phases.Count);
            var (warmup, main) = (config.Phases[0], config.Phases[1]);
            Assert.Equal([MdFlow.PhotometricUnmasked], warmup.Weights.Where(kv => kv.Value != 0).Select(kv => kv.Key));
            Assert.Equal(0, main.Weight(MdFlow.PhotometricUnmasked));
            Assert.True(main.Weight(MdFlow.Photometric) > 0 && main.Weight(MdFlow.Smooth) > 0 && main.Weight(MdFlow.Ar) > 0, preset.ToString());
        }
        // the start is the seeded draw with bilinear upsampling; switched off, the plain seeded draw
        var smoke = new MdFlowTeacherInitRecipe().ForPreset(Preset.Smoke, seed: 2);
        using var started = MdFlow.CreateTeacher(smoke, null);
        using var plain = MdFlow.CreateTeacher(smoke with { Networks = smoke.Networks with { TeacherBilinearStart = false } }, null);
        using var expected = new DistillKit.Models.FastFlow.FastFlowNet(smoke.Networks.Teacher, 2);
        Assert.True(plain.state_dict().All(kv => kv.Value.equal(expected.state_dict()[kv.Key]).all().item<bool>()));
        Assert.True(started.upsample.At(6).weight![0, 1].abs().max().ToDouble() == 0);   // u and v do not mix
    }

    [Fact]
    public void UnderMiniEveryStepSharesTheStrideFourStudentAndTheForwardStepOutlastsItsSlowStart()
    {
        Recipe<MdFlowConfig>[] steps = [new MdFlowTeacherInitRecipe(), new MdFlowForwardRecipe(), new MdFlowBackwardRecipe()];
        foreach (var step in steps)
        {
            var config = step.ForPreset(Preset.Mini);
            Assert.Equal(4, config.Networks.Student.FeatureStride);
            Assert.Equal(DistillKit.Models.Raft.RaftConfig.Mini.HiddenChannels, config.Networks.Student.HiddenChannels);
        }
        // the student leaves zero flow after 400-500 steps at lr 1e-3 (held-out EPE 1.67 at 400, 0.94 at 500, 0.81 at 800)
        var forward = new MdFlowForwardRecipe().ForPreset(Preset.Mini);
        Assert.True(forward.TotalSteps >= 800 && forward.Optim.LearningRate == 1e-3);
        Assert.All(forward.Optim.Milestones, m => Assert.True(m > 500));
    }

    [Fact]
    public void TheReliabilitySweepKeepsMoreAsTauGrowsAndInfinityIsTheNonOcclusionMask()
    {
        using var dir = new TempFolder();
        var config = new MdFlowTeacherInitRecipe().ForPreset(Preset.Smoke, seed: 1);
        using var teacher = MdFlow.CreateTeacher(config, null);
        using var heldOut = MdFlow.HeldOut(config);
        var rows = ReliabilitySweep.Of(teacher, heldOut, [0.5, 5, 20, 48.9, double.PositiveInfinity]);
        for (int i = 1; i < rows.Count; i++) Assert.True(rows[i].Kept >= rows[i - 1].Kept);
        Assert.Equal(rows[^1].Kept, rows[^2].Kept, 6); // every census distance is below 49: only noc_T remains
        Assert.All(rows, r => Assert.InRange(r.Kept, 0, 1));
    }
}
