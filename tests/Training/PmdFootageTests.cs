using DistillKit.Data.Video;
using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages.Pmd;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DistillKit.Tests.Training;

/// <summary>PMD on real footage (the laptop preset's data path, at smoke size): unlabelled training pairs of frames far apart,
/// held-out frames under random warps with the keypoints the warps carry.</summary>
public class PmdFootageTests
{
    static PmdData SmokeFootage() => PmdPresets.LaptopData with
    {
        BatchSize = 2, EvalBatchSize = 4,
        Footage = new FootageOptions { Height = 48, FrameGaps = [2, 4], PairEvery = 2, HeldOutFraction = 0.3 },
    };

    static DataRoots Roots(TempFolder dir) =>
        new(new Dictionary<string, string> { ["Footage"] = Path.Combine(dir.Path, "data", "Footage") }, searchFrom: dir.Path);

    [Fact]
    public void TheLaptopPresetsReadFootageAndTheKeypointTeacherRefusesIt()
    {
        foreach (var data in new[] { new PmdTeacherRecipe().ForPreset(Preset.Laptop).Data, new PmdStudentRecipe().ForPreset(Preset.Laptop).Data })
        {
            Assert.Equal(PmdDataSource.Footage, data.Source);
            Assert.All(data.Footage.FrameGaps, g => Assert.True(g >= 8, "frames far apart: views that differ, not the next frame"));
        }
        Assert.Equal(PmdConfig.Mini, new PmdTeacherRecipe().ForPreset(Preset.Laptop).Model);
        Assert.Equal(PmdTeacherRecipe.DefaultOutput(Preset.Laptop), new PmdStudentRecipe().ForPreset(Preset.Laptop).Teacher.Checkpoint);
        var e = Assert.Throws<ArgumentException>(() => new PmdTeacherKeypointsRecipe().ForPreset(Preset.Laptop));
        Assert.Contains("keypoint", e.Message);
    }

    [Fact]
    public void HeldOutFramesUnderAWarpCarryTheirKeypointsAndTrainingPairsHaveNone()
    {
        using var dir = new TempFolder();
        Stage1FootageTests.BuildData(dir);
        var data = SmokeFootage();
        var train = PmdPairs.Of(data, 0, PmdSplit.Train, 64, Roots(dir));
        Assert.Equal(10, train.Count);   // per clip: frames 0-6, gap 2 at 0, 2, 4 and gap 4 at 0, 2
        var (s, t) = train.Images([0, 1]);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, s.shape);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, t.shape);
        var none = Assert.Throws<InvalidOperationException>(() => train.Keypoints(0));
        Assert.Contains("no keypoints", none.Message);

        var validation = PmdPairs.Of(data, 0, PmdSplit.Validation, 64, Roots(dir));
        var test = PmdPairs.Of(data, 0, PmdSplit.Test, 64, Roots(dir));
        // the distinct first frames of the held-out pairs (one per clip here), alternately
        var heldOut = Footage.Open([Path.Combine(dir.Path, "data", "Footage")], data.Footage).HeldOut.Select(p => p.Image1Path).Distinct().ToList();
        Assert.Equal(2, heldOut.Count);
        Assert.Equal((1, 1), (validation.Count, test.Count));
        foreach (var split in new[] { validation, test })
            for (int i = 0; i < split.Count; i++)
            {
                using var kp = split.Keypoints(i);
                Assert.Equal((64, 48), (kp.SourceWidth, kp.SourceHeight));
                Assert.InRange(kp.Source.size(0), 4, PmdPairs.HeldOutGridSide * PmdPairs.HeldOutGridSide);
                Assert.True(kp.Target.ge(0).all().item<bool>() && kp.Target[.., 0].le(63).all().item<bool>() && kp.Target[.., 1].le(47).all().item<bool>());
                // the warped source at p shows the frame at T(p): the colours agree there, not at shuffled keypoints
                var (source, target) = split.Images([i]);
                Tensor At(Tensor image, Tensor points)
                {
                    var grid = torch.stack([(2 * points[.., 0] + 1) / 64 - 1, (2 * points[.., 1] + 1) / 48 - 1], -1).reshape(1, 1, -1, 2);
                    return nn.functional.grid_sample(image, grid, align_corners: false);
                }
                double same = (At(source, kp.Source) - At(target, kp.Target)).abs().mean().ToDouble();
                double shuffled = (At(source, kp.Source) - At(target, kp.Target.roll(1, 0))).abs().mean().ToDouble();
                Assert.True(same < 0.5 * shuffled, $"pair {i}: colour difference {same:F3} at the keypoints, {shuffled:F3} shuffled");
                // a perfect prediction scores 1 at every α, the source positions themselves less
                Assert.All(kp.Pck(kp.Target), v => Assert.Equal(1, v));
            }
        // the same pairs from the seed alone; another seed warps otherwise
        using (var a = validation.Keypoints(0))
        using (var b = PmdPairs.Of(data, 0, PmdSplit.Validation, 64, Roots(dir)).Keypoints(0))
        using (var c = PmdPairs.Of(data, 1, PmdSplit.Validation, 64, Roots(dir)).Keypoints(0))
        {
            Assert.True(a.Target.eq(b.Target).all().item<bool>());
            Assert.False(a.Target.shape.SequenceEqual(c.Target.shape) && a.Target.eq(c.Target).all().item<bool>());
        }
    }

    [Fact]
    public void TheTeacherAndItsStudentTrainOnFootageAndReportHeldOutPck()
    {
        using var dir = new TempFolder();
        Stage1FootageTests.BuildData(dir);
        var roots = Roots(dir);
        var teacherRecipe = new PmdTeacherRecipe();
        var teacherConfig = teacherRecipe.ForPreset(Preset.Smoke) with { Data = SmokeFootage() };
        var teacherDir = Path.Combine(dir.Path, "teacher");
        using (var run = teacherRecipe.Train(teacherConfig, new RunOptions { OutDir = teacherDir, Progress = null, Data = roots }))
        {
            var eval = Assert.IsType<PmdEvaluation>(run.Evaluation);
            Assert.Equal(1, eval.Pairs);
            Assert.All(eval.Pck.Values, p => Assert.All(p.Values, v => Assert.InRange(v, 0, 1)));
        }
        var studentRecipe = new PmdStudentRecipe();
        var studentConfig = studentRecipe.ForPreset(Preset.Smoke) with
        {
            Data = SmokeFootage(),
            Teacher = new PmdStudentTeacher { Checkpoint = Path.Combine(teacherDir, PmdTeacherRecipe.OutputFile) },
        };
        using (var run = studentRecipe.Train(studentConfig, new RunOptions { OutDir = Path.Combine(dir.Path, "student"), Progress = null, Data = roots }))
        {
            Assert.True(run.Result.Completed);
            var eval = Assert.IsType<PmdEvaluation>(run.Evaluation);
            Assert.Contains(PmdEvaluations.Student, eval.Pck.Keys);
            Assert.All(eval.Pck.Values, p => Assert.All(p.Values, v => Assert.InRange(v, 0, 1)));
        }
    }
}
