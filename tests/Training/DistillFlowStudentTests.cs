using DistillKit.Metrics;
using DistillKit.Tests.Support;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Training;

public class DistillFlowStudentTests
{
    [Fact]
    public void TheStudentTrainsFromAStageOneTeacherThatStaysAsItWas()
    {
        using var dir = new TempFolder();
        var teacherDir = Path.Combine(dir.Path, "teacher");
        var stage1 = new Stage1Recipe();
        using (var teacherRun = stage1.Train(stage1.ForPreset(Preset.Smoke, seed: 2), new RunOptions { OutDir = teacherDir, Progress = null })) { }
        var teacherFile = Path.Combine(teacherDir, "teacher.safetensors");
        var teacherBytes = File.ReadAllBytes(teacherFile);

        var recipe = new DistillFlowStudentRecipe();
        var smoke = recipe.ForPreset(Preset.Smoke, seed: 2);
        var config = smoke with
        {
            Teacher = smoke.Teacher with { Checkpoints = [teacherFile] },
            Phases = DistillFlowStudentRecipe.DistillPhases(6, occlusionView: true, confidenceView: true),
        };
        var studentDir = Path.Combine(dir.Path, "student");
        using var run = recipe.Train(config, new RunOptions { OutDir = studentDir, Progress = null });
        var eval = Assert.IsType<DistillEvaluation>(run.Evaluation);
        Assert.True(File.Exists(Path.Combine(studentDir, "student.safetensors")));
        Assert.True(File.Exists(Path.Combine(studentDir, "run.json")));
        Assert.Equal(6, run.Result.StepsDone);
        Assert.Equal(["census", "confidence", "occlusion"], run.Result.Log[^1].Terms.Keys.Order());
        Assert.Equal(teacherBytes, File.ReadAllBytes(teacherFile));
        // the teacher evaluated after the student's training is the stage-1 teacher, unchanged
        using var heldOut = DistillFlowStudentRecipe.HeldOut(config);
        using var teacher = DistillKit.Models.FlowModels.Load(teacherFile);
        Assert.Equal(FlowEvaluations.Of(teacher, heldOut).Model.EpeAll, eval.Teachers[0].Model.EpeAll, 6);
        Assert.True(double.IsFinite(eval.Student.Model.EpeAll));
    }

    [Fact]
    public void AMissingTeacherNamesTheFileAndTheCommandThatMakesIt()
    {
        using var dir = new TempFolder();
        var recipe = new DistillFlowStudentRecipe();
        var config = recipe.ForPreset(Preset.Smoke) with { Teacher = new TeacherSettings { Checkpoints = [Path.Combine(dir.Path, "nope.safetensors")] } };
        var e = Assert.Throws<FileNotFoundException>(() => recipe.Train(config, new RunOptions { OutDir = dir.Path, Progress = null }));
        Assert.Contains("nope.safetensors", e.Message);
        Assert.Contains("./kit train stage1", e.Message);
    }
}
