using System.Text.Json.Nodes;
using DistillKit.Metrics;
using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages.Pmd;
using DistillKit.Weights;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>A smoke teacher trained once for the PMD recipe tests.</summary>
public sealed class PmdSmokeTeacher : IDisposable
{
    readonly TempFolder _dir = new();

    public PmdSmokeTeacher()
    {
        var recipe = new PmdTeacherRecipe();
        using var run = recipe.Train(recipe.ForPreset(Preset.Smoke, seed: 4), new RunOptions { OutDir = Dir, Progress = null });
        Run = (run.Result, (PmdEvaluation)run.Evaluation);
    }

    public string Dir => Path.Combine(_dir.Path, "teacher");
    public string File => Path.Combine(Dir, PmdTeacherRecipe.OutputFile);
    public (TrainResult Result, PmdEvaluation Evaluation) Run { get; }

    public void Dispose() => _dir.Dispose();
}

public class PmdRecipeTests(PmdSmokeTeacher teacher) : IClassFixture<PmdSmokeTeacher>
{
    static readonly PmdStudentRecipe Student = new();

    PmdStudentConfig StudentSmoke(long seed = 4) => Student.ForPreset(Preset.Smoke, seed) with
    {
        Teacher = new PmdStudentTeacher { Checkpoint = teacher.File },
    };

    [Fact]
    public void TheTeacherTrainsOnWarpsAndWritesAMatcherARecordAndHeldOutPck()
    {
        var (result, eval) = teacher.Run;
        Assert.True(result.Completed);
        Assert.Equal(4, result.StepsDone);
        Assert.Equal(["flow", "kl", "valid"], result.Log[^1].Terms.Keys.Order());
        Assert.All(result.Log, e => Assert.True(double.IsFinite(e.Loss) && e.Loss > 0));
        Assert.Equal(new[] { PmdEvaluations.Identity, PmdEvaluations.TeacherMean, PmdEvaluations.TeacherMeanMode }.Order(), eval.Pck.Keys.Order());
        Assert.Equal(4, eval.Pairs);
        Assert.Equal([2L, 4L], eval.Validation.Keys.Order());
        Assert.NotNull(eval.MedianStepMs);
        using var loaded = SemanticMatcherFile.Load(teacher.File);
        Assert.IsType<PmdTeacher>(loaded);
        Assert.Equal(PmdConfig.Smoke, loaded.Config);
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(teacher.Dir, "run.json")))!;
        Assert.Equal("pmd-teacher", record["stage"]!.GetValue<string>());
        Assert.NotNull(record["metrics"]!["Pck"]![PmdEvaluations.TeacherMean]!["Values"]);
        Assert.NotNull(record["metrics"]!["Pck"]![PmdEvaluations.Identity]!["Values"]);
    }

    [Fact]
    public void TheStudentLearnsFromTheTeacherFileAndLeavesItAsItWas()
    {
        var before = File.ReadAllBytes(teacher.File);
        using var dir = new TempFolder();
        using var run = Student.Train(StudentSmoke(), new RunOptions { OutDir = dir.Path, Progress = null });
        var eval = Assert.IsType<PmdEvaluation>(run.Evaluation);
        Assert.Equal(4, run.Result.StepsDone);
        Assert.Equal(["distill", "smooth", "weight"], run.Result.Log[^1].Terms.Keys.Order());
        Assert.Equal(new[] { PmdEvaluations.Identity, PmdEvaluations.Student, PmdEvaluations.TeacherMean, PmdEvaluations.TeacherMeanMode }.Order(), eval.Pck.Keys.Order());
        Assert.Equal(before, File.ReadAllBytes(teacher.File));
        // the teacher rows are the teacher's own, on the same pairs
        Assert.Equal(teacher.Run.Evaluation.Pck[PmdEvaluations.TeacherMean].Values, eval.Pck[PmdEvaluations.TeacherMean].Values);
        Assert.Equal(teacher.Run.Evaluation.Pck[PmdEvaluations.Identity].Values, eval.Pck[PmdEvaluations.Identity].Values);
        using var loaded = SemanticMatcherFile.Load(Path.Combine(dir.Path, PmdStudentRecipe.OutputFile));
        Assert.IsType<PmdStudent>(loaded);
        Assert.True(eval.PsrUpdates >= 1);
        Assert.True(File.Exists(Path.Combine(dir.Path, "run.json")));
    }

    [Fact]
    public void AnInterruptedStudentRunResumesToTheSameWeightsValidationsAndPsrUpdates()
    {
        using var dir = new TempFolder();
        string straight = Path.Combine(dir.Path, "straight"), interrupted = Path.Combine(dir.Path, "interrupted");
        var config = StudentSmoke();
        PmdEvaluation evalStraight, evalResumed;
        using (var run = Student.Train(config, new RunOptions { OutDir = straight, Progress = null })) evalStraight = (PmdEvaluation)run.Evaluation;
        using (Student.Train(config with { Phases = PmdStudentRecipe.StudentPhases(2) }, new RunOptions { OutDir = interrupted, Progress = null })) { }
        using (var run = Student.Train(config, new RunOptions { OutDir = interrupted, Progress = null }))
        {
            evalResumed = (PmdEvaluation)run.Evaluation;
            Assert.Equal(2, run.Result.Log.Count);   // steps 3 and 4 only
        }
        Assert.Equal(evalStraight.Validation, evalResumed.Validation);
        Assert.Equal(evalStraight.SelectedStep, evalResumed.SelectedStep);
        Assert.Equal(evalStraight.PsrUpdates, evalResumed.PsrUpdates);
        Assert.Equal(evalStraight.Pck[PmdEvaluations.Student].Values, evalResumed.Pck[PmdEvaluations.Student].Values);
        AssertSameWeights(Path.Combine(straight, PmdStudentRecipe.OutputFile), Path.Combine(interrupted, PmdStudentRecipe.OutputFile));
        AssertSameWeights(Path.Combine(straight, "checkpoints", Checkpoint.FileName(4)), Path.Combine(interrupted, "checkpoints", Checkpoint.FileName(4)));
    }

    [Fact]
    public void AnInterruptedTeacherRunResumesToTheSameWeights()
    {
        using var dir = new TempFolder();
        var recipe = new PmdTeacherRecipe();
        var config = recipe.ForPreset(Preset.Smoke, seed: 4);
        string interrupted = Path.Combine(dir.Path, "interrupted");
        using (recipe.Train(config with { Phases = PmdTeacherRecipe.TeacherPhases(2) }, new RunOptions { OutDir = interrupted, Progress = null })) { }
        using (var run = recipe.Train(config, new RunOptions { OutDir = interrupted, Progress = null }))
            Assert.Equal(((PmdEvaluation)run.Evaluation).Validation, teacher.Run.Evaluation.Validation);
        AssertSameWeights(Path.Combine(teacher.Dir, "checkpoints", Checkpoint.FileName(4)), Path.Combine(interrupted, "checkpoints", Checkpoint.FileName(4)));
        AssertSameWeights(teacher.File, Path.Combine(interrupted, PmdTeacherRecipe.OutputFile));
    }

    /// <summary>PSR and CAL are one setting each, and each changes the step's distillation term the way its weights must:
    /// both weights lie in [0, 1], so switching either off can only raise the term, and here it does.</summary>
    [Fact]
    public void ThePsrAndCalSwitchesChangeTheLoss()
    {
        double Distill(params string[] settings)
        {
            using var dir = new TempFolder();
            var config = (PmdStudentConfig)ConfigOverrides.Apply(StudentSmoke(), null, settings);
            var setup = Student.Setup(config, new RunOptions { OutDir = dir.Path, Progress = null });
            try
            {
                return setup.Step(0).Terms!["distill"];
            }
            finally
            {
                setup.Parts[0].Module.Dispose();
            }
        }
        double both = Distill(), noPsr = Distill("Losses.Psr=false"), noCal = Distill("Losses.Cal=false"), neither = Distill("Losses.Psr=false", "Losses.Cal=false");
        Assert.True(noPsr > both * 1.01, $"PSR off {noPsr} vs on {both}");
        Assert.True(noCal > both * 1.01, $"CAL off {noCal} vs on {both}");
        Assert.True(neither > Math.Max(noPsr, noCal), $"both off {neither}");
        Assert.Equal(both, Distill(), 12);   // and the step is deterministic
    }

    /// <summary>The paper preset's data path: PF-PASCAL's three pair files through the kit's reader (a tiny fixture in the
    /// dataset's layout), images resized to the input, the train split read without keypoints, α_img PCK after 320×320.</summary>
    [Fact]
    public void BothRecipesRunOnPfPascalThroughItsReaders()
    {
        using var dir = new TempFolder();
        var root = Directory.CreateDirectory(dir.File("pfpascal")).FullName;
        DistillKit.Tests.Data.RealDatasets.Semantic.SemanticFixtures.BuildPascal(root);
        var options = (string name) => new RunOptions
        {
            OutDir = dir.File(name), Progress = null, Data = new DataRoots(new Dictionary<string, string> { ["PfPascal"] = root }),
        };
        var teacherRecipe = new PmdTeacherRecipe();
        var smoke = teacherRecipe.ForPreset(Preset.Smoke, seed: 2);
        var data = smoke.Data with { Source = PmdDataSource.PfPascal, FeatureCache = FeatureCacheMode.Disk };
        using (var run = teacherRecipe.Train(smoke with { Data = data }, options("teacher")))
        {
            var eval = (PmdEvaluation)run.Evaluation;
            Assert.Equal(("pfpascal-test", 2), (eval.Split, eval.Pairs));
            Assert.All(eval.Pck.Values, p => Assert.Equal(PckThreshold.Image, p.Threshold));
        }
        Assert.NotEmpty(Directory.GetFiles(dir.File("teacher"), "*.features", SearchOption.AllDirectories));
        var config = StudentSmoke(2) with { Data = data, Teacher = new PmdStudentTeacher { Checkpoint = Path.Combine(dir.File("teacher"), PmdTeacherRecipe.OutputFile) } };
        using (var run = Student.Train(config, options("student")))
        {
            var eval = (PmdEvaluation)run.Evaluation;
            Assert.Equal(2, eval.Pairs);
            Assert.True(eval.Pck[PmdEvaluations.Student].Values.All(double.IsFinite));
        }
    }

    [Fact]
    public void TheKeypointSupervisedTeacherTrainsOnAnnotatedPairsAndAStudentDistilsIt()
    {
        var recipe = (PmdTeacherKeypointsRecipe)RecipeRegistry.Get("pmd-teacher-keypoints");
        using var dir = new TempFolder();
        var config = recipe.ForPreset(Preset.Smoke, seed: 4);
        Assert.Equal(1, config.Phases[0].Weight(PmdTeacherRecipe.Keypoints));
        using (var run = recipe.Train(config, new RunOptions { OutDir = dir.File("teacher"), Progress = null }))
        {
            Assert.Equal(4, run.Result.StepsDone);
            Assert.Equal(["flow", "keypoints", "keypoints per pair", "kl", "valid"], run.Result.Log[^1].Terms.Keys.Order());
            Assert.All(run.Result.Log, e => Assert.True(double.IsFinite(e.Loss) && e.Terms["keypoints"] > 0 && e.Terms["keypoints per pair"] >= 1));
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.File("teacher"), "run.json")))!;
            Assert.Equal("pmd-teacher-keypoints", record["stage"]!.GetValue<string>());
        }
        var path = Path.Combine(dir.File("teacher"), PmdTeacherRecipe.OutputFile);
        using (var loaded = SemanticMatcherFile.Load(path)) Assert.IsType<PmdTeacher>(loaded);
        // keypoints alone: no warped batch; 6 steps of 2 pairs pass the 8 training pairs' epoch, so a pair's keypoints are reused
        var alone = config with { Phases = [new LossPhase("keypoints", 6, new() { [PmdTeacherRecipe.Keypoints] = 1 })] };
        using (var run = recipe.Train(alone, new RunOptions { OutDir = dir.File("alone"), Progress = null }))
            Assert.Equal(["keypoints", "keypoints per pair"], run.Result.Log[^1].Terms.Keys.Order());
        var student = StudentSmoke() with { Teacher = new PmdStudentTeacher { Checkpoint = path } };
        using (var run = Student.Train(student, new RunOptions { OutDir = dir.File("student"), Progress = null }))
            Assert.True(((PmdEvaluation)run.Evaluation).Pck[PmdEvaluations.Student].Values.All(double.IsFinite));
    }

    [Fact]
    public void AMissingTeacherNamesTheFileAndTheCommandThatMakesIt()
    {
        using var dir = new TempFolder();
        var config = StudentSmoke() with { Teacher = new PmdStudentTeacher { Checkpoint = dir.File("nope.safetensors") } };
        var e = Assert.Throws<FileNotFoundException>(() => Student.Train(config, new RunOptions { OutDir = dir.Path, Progress = null }));
        Assert.Contains("nope.safetensors", e.Message);
        Assert.Contains("./kit train pmd-teacher --preset smoke", e.Message);
    }

    [Fact]
    public void TrainingItemsVisitEveryPairOncePerEpochInASeededOrder()
    {
        var steps = Enumerable.Range(0, 10).SelectMany(s => PmdRunParts.Items(7, 41, s, 6, 20)).ToArray();   // 3 epochs of 20
        Assert.Equal(Enumerable.Range(0, 20), steps.Take(20).Order());
        Assert.Equal(Enumerable.Range(0, 20), steps.Skip(20).Take(20).Order());
        Assert.NotEqual(steps.Take(20), steps.Skip(20).Take(20));
        Assert.Equal(steps.Skip(18).Take(6), PmdRunParts.Items(7, 41, 3, 6, 20));
        Assert.NotEqual(steps.Take(6), PmdRunParts.Items(8, 41, 0, 6, 20));
    }

    [Fact]
    public void PresetsRoundTripAndThePaperPresetIsPmds()
    {
        foreach (var recipe in new IRecipe[] { new PmdTeacherRecipe(), Student })
            foreach (var preset in new[] { Preset.Smoke, Preset.Mini, Preset.Paper })
            {
                var c = recipe.ForPreset(preset);
                var json = System.Text.Json.JsonSerializer.Serialize(c, c.GetType(), Json.Options);
                var back = System.Text.Json.JsonSerializer.Deserialize(json, c.GetType(), Json.Options)!;
                Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back, c.GetType(), Json.Options));
            }
        var paper = Student.ForPreset(Preset.Paper);
        Assert.Equal(PmdConfig.Paper, paper.Model);
        Assert.Equal((320, PmdBackboneKind.ResNet101), (paper.Model.InputSize, paper.Model.Backbone));
        Assert.Equal((3e-5, 16, 0.2), (paper.Optim.LearningRate, paper.Data.BatchSize, paper.Optim.Gamma));
        Assert.Equal(100 * paper.Loop.StepsPerEpoch, LossPhases.Total(paper.Phases));
        Assert.Equal([60 * paper.Loop.StepsPerEpoch], paper.Optim.Milestones);
        Assert.Equal(PmdDataSource.PfPascal, paper.Data.Source);
        Assert.Equal(paper.Loop.StepsPerEpoch, paper.Loop.EvaluateEvery);
        Assert.True(paper.Selection.BestValidation && paper.Losses.Psr && paper.Losses.Cal);
        Assert.Equal("runs/pmd-teacher-mini/teacher.safetensors", Student.ForPreset(Preset.Mini).Teacher.Checkpoint);
        Assert.Contains("unknown recipe", Assert.Throws<ArgumentException>(() => RecipeRegistry.Get("pmd-teacherr")).Message);
        Assert.Equal("pmd-student", RecipeRegistry.Get("pmd-student").Name);
    }

    static void AssertSameWeights(string a, string b)
    {
        var x = WeightFiles.Read(a);
        var y = WeightFiles.Read(b);
        try
        {
            Assert.Equal(x.Keys.Order(), y.Keys.Order());
            foreach (var (k, t) in x)
                Assert.True(t.to_type(TorchSharp.torch.ScalarType.Float64).sub(y[k].to_type(TorchSharp.torch.ScalarType.Float64)).abs().max().ToDouble() <= 1e-6,
                    $"{k} differs between {a} and {b}");
        }
        finally
        {
            foreach (var t in x.Values.Concat(y.Values)) t.Dispose();
        }
    }
}
