using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using DistillKit.Tests.Imaging;
using Xunit;

namespace DistillKit.Tests.Training;

public class RecipeConfigTests
{
    static readonly IRecipe Stage1 = RecipeRegistry.Get("stage1");

    [Fact]
    public void SettingsChangeSingleKeysAndPhaseWeights()
    {
        var c = (Stage1Config)RecipeRegistry.Configure(Stage1, Preset.Smoke, 3, null,
            ["Optim.LearningRate=5e-4", "data.batchsize=3", "Phases[1].Weights.psi=0.5", "Data.Source=FlyingChairs", "Run.Init=/x/teacher.safetensors"]);
        Assert.Equal(5e-4, c.Optim.LearningRate);
        Assert.Equal(3, c.Data.BatchSize);
        Assert.Equal(0.5, c.Phases[1].Weight(Stage1Recipe.Psi));
        Assert.Equal(1.0, c.Phases[1].Weight(Stage1Recipe.Census));
        Assert.Equal(Stage1Source.FlyingChairs, c.Data.Source);
        Assert.Equal("/x/teacher.safetensors", c.Run.Init);
        Assert.Equal(3, c.Run.Seed);
    }

    [Fact]
    public void UnknownKeysAndBadValuesAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => RecipeRegistry.Configure(Stage1, Preset.Smoke, 0, null, ["Optim.LearnRate=1"]));
        Assert.Contains("LearnRate", e.Message);
        Assert.Contains("LearningRate", e.Message);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => RecipeRegistry.Configure(Stage1, Preset.Smoke, 0, null, ["Phases[5].Steps=1"])).Message);
        Assert.Contains("Stage1Config", Assert.Throws<ArgumentException>(() => RecipeRegistry.Configure(Stage1, Preset.Smoke, 0, null, ["Data.BatchSize=many"])).Message);
        Assert.Contains("unknown recipe 'stage9'", Assert.Throws<ArgumentException>(() => RecipeRegistry.Get("stage9")).Message);
        Assert.Contains("unknown preset", Assert.Throws<ArgumentException>(() => RecipeRegistry.ParsePreset("huge")).Message);
    }

    [Fact]
    public void AConfigFileMergesOverThePresetAndStepsRescaleThePhases()
    {
        using var dir = new TempFolder();
        var file = Path.Combine(dir.Path, "ablation.json");
        File.WriteAllText(file, """{ "Optim": { "ClipNorm": 3 }, "Loop": { "LogEvery": 7 } }""");
        var c = (Stage1Config)RecipeRegistry.Configure(Stage1, Preset.Mini, 0, file, [], totalSteps: 100);
        Assert.Equal(3, c.Optim.ClipNorm);
        Assert.Equal(1e-3, c.Optim.LearningRate); // untouched keys keep the preset's values
        Assert.Equal(7, c.Loop.LogEvery);
        Assert.Equal(new long[] { 50, 50 }, c.Phases.Select(p => p.Steps));
        File.WriteAllText(file, """{ "Optim": { "Clip": 3 } }""");
        Assert.Contains("ablation.json", Assert.Throws<ArgumentException>(() => RecipeRegistry.Configure(Stage1, Preset.Mini, 0, file, [])).Message);
    }

    [Fact]
    public void DatasetRootsComeFromArgumentsEnvironmentOrTheLocalSettingsFile()
    {
        using var dir = new TempFolder();
        var chairs = Directory.CreateDirectory(Path.Combine(dir.Path, "chairs")).FullName;
        var nested = Directory.CreateDirectory(Path.Combine(dir.Path, "a", "b")).FullName;
        File.WriteAllText(Path.Combine(dir.Path, DataRoots.SettingsFileName), $$"""{ "datasets": { "FlyingChairs": "{{chairs}}" } }""");
        Assert.Equal(chairs, new DataRoots(searchFrom: nested).Resolve("FlyingChairs", "get.sh"));
        var other = Directory.CreateDirectory(Path.Combine(dir.Path, "other")).FullName;
        Assert.Equal(other, new DataRoots(new Dictionary<string, string> { ["flyingchairs"] = other }, nested).Resolve("FlyingChairs", "get.sh"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => new DataRoots(searchFrom: nested).Resolve("Sintel", "data-scripts/get-sintel.sh"));
        Assert.Contains("DISTILLKIT_DATA_SINTEL", e.Message);
        Assert.Contains("data-scripts/get-sintel.sh", e.Message);
    }

    [Fact]
    public void PresetsHaveNoMachinePathsAndRoundTripThroughJson()
    {
        foreach (var preset in new[] { Preset.Smoke, Preset.Mini, Preset.Laptop, Preset.Paper })
        {
            var c = (Stage1Config)Stage1.ForPreset(preset);
            var json = System.Text.Json.JsonSerializer.Serialize(c, Json.Options);
            Assert.DoesNotContain("Root", json);
            var back = System.Text.Json.JsonSerializer.Deserialize<Stage1Config>(json, Json.Options)!;
            Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(back, Json.Options));
        }
        // stage 1, the DistillFlow student and MDFlow have a laptop preset (the student reads the laptop teacher, footage
        // and real-texture pairs); the others say which presets they have
        var student = (DistillFlowStudentConfig)RecipeRegistry.Get("distillflow-student").ForPreset(Preset.Laptop, 0);
        var studentJson = System.Text.Json.JsonSerializer.Serialize(student, Json.Options);
        Assert.Equal(studentJson, System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonSerializer.Deserialize<DistillFlowStudentConfig>(studentJson, Json.Options), Json.Options));
        Assert.Equal(Stage1Source.Footage, student.Data.Source);
        Assert.Equal(Path.Combine("runs", "stage1-laptop", "teacher.safetensors"), Assert.Single(student.Teacher.Checkpoints));
        // its joint affine moves both frames alike (a relative part made the student drift on still scenes)
        Assert.True(student.Challenge.Affine);
        for (int d = 0; d < 8; d++)
        {
            var (a1, a2) = student.Challenge.AffineRanges.Sample(96, 128, DistillKit.Data.Synthetic.SampleRandom.For(3, d));
            Assert.Equal(a1, a2);
        }
        // MDFlow's three steps: stage 1's laptop pairs, each step reading the one before under runs/*-laptop
        foreach (var name in new[] { "mdflow-teacher-init", "mdflow-forward", "mdflow-backward" })
        {
            var md = (MdFlowConfig)RecipeRegistry.Get(name).ForPreset(Preset.Laptop, 0);
            var mdJson = System.Text.Json.JsonSerializer.Serialize(md, Json.Options);
            Assert.Equal(mdJson, System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonSerializer.Deserialize<MdFlowConfig>(mdJson, Json.Options), Json.Options));
            Assert.Equal(Stage1Source.Footage, md.Data.Source);
            Assert.Equal(100, md.Networks.Teacher.CorrelationScale);   // FastFlowNet mini leaves zero flow at once (FastFlowNetConfig)
            if (name == "mdflow-teacher-init")   // the synthetic rows' exact flow, stage 1's laptop form; no AR term
                Assert.Equal(new[] { (1.0, 0.0), (0.2, 0.0) }, md.Phases.Select(p => (p.Weight(MdFlow.Exact), p.Weight(MdFlow.Ar))));
            Assert.InRange(md.TotalSteps, 100, 5000);
            if (name != "mdflow-teacher-init")
                Assert.Equal(Path.Combine("runs", "mdflow-teacher-init-laptop", "teacher.safetensors"), md.Inputs.Teacher);
        }
        // PMD's teacher and student: footage, the student reading runs/pmd-teacher-laptop; the keypoint teacher has none
        foreach (var name in new[] { "pmd-teacher", "pmd-student" })
        {
            var pmd = (IRecipeConfig)RecipeRegistry.Get(name).ForPreset(Preset.Laptop, 0);
            var pmdJson = System.Text.Json.JsonSerializer.Serialize(pmd, pmd.GetType(), Json.Options);
            Assert.Equal(pmdJson, System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonSerializer.Deserialize(pmdJson, pmd.GetType(), Json.Options), pmd.GetType(), Json.Options));
            Assert.Contains("\"Footage\"", pmdJson);
        }
        Assert.Equal(Path.Combine("runs", "pmd-teacher-laptop", "teacher.safetensors"),
            ((DistillKit.Training.Stages.Pmd.PmdStudentConfig)RecipeRegistry.Get("pmd-student").ForPreset(Preset.Laptop, 0)).Teacher.Checkpoint);
        Assert.Contains("no laptop preset", Assert.Throws<ArgumentException>(() => RecipeRegistry.Get("pmd-teacher-keypoints").ForPreset(Preset.Laptop, 0)).Message);
    }

    [Fact]
    public void StepsRescaleTheDataWarmupAndTheLearningRateMilestonesWithThePhases()
    {
        // MDFlow's laptop teacher init: 600 warm-up steps on small synthetic pairs, 1400 on footage, lr halved at 1533
        var recipe = RecipeRegistry.Get("mdflow-teacher-init");
        var full = (MdFlowConfig)recipe.ForPreset(Preset.Laptop, 0);
        Assert.Equal(2000, full.TotalSteps);
        var c = (MdFlowConfig)RecipeRegistry.Configure(recipe, Preset.Laptop, 0, null, [], 600);
        Assert.Equal(600, c.TotalSteps);
        Assert.Equal(new long[] { 180, 420 }, c.Phases.Select(p => p.Steps));
        Assert.Equal(180, c.Data.WarmupSteps);                       // the data warm-up ends with the warm-up phase
        Assert.Equal(new long[] { 460 }, c.Optim.Milestones);          // 1533 × 0.3
        Assert.Equal(full.Optim.LearningRate, c.Optim.LearningRate);   // nothing else changes
        Assert.Equal(full.Data.BatchSize, c.Data.BatchSize);
        // the same length is the identity; a longer run stretches the same way
        var same = (MdFlowConfig)RecipeRegistry.Configure(recipe, Preset.Laptop, 0, null, [], 2000);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(full, Json.Options), System.Text.Json.JsonSerializer.Serialize(same, Json.Options));
        var longer = (Stage1Config)RecipeRegistry.Configure(Stage1, Preset.Laptop, 0, null, [], 11_000);
        Assert.Equal(2 * Stage1Recipe.LaptopWarmupSteps, longer.Data.WarmupSteps);
    }
}
