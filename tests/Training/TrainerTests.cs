using DistillKit.Metrics;
using DistillKit.Models.Pwc;
using System.Text.Json.Nodes;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Training;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Training;

public class TrainerTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("dk-train-").FullName;

    static readonly Stage1Recipe Recipe = new();

    static Stage1Config Tiny(long steps) => Recipe.ForPreset(Preset.Smoke, seed: 5) with
    {
        Phases = Stage1Recipe.DDFlowPhases(steps / 2, steps - steps / 2),
        Loop = new LoopSettings { CheckpointEvery = 3, LogEvery = 1, KeepCheckpoints = 5 },
    };

    static TrainerConfig TrainerOf(Stage1Config c) => c.Loop.ToTrainer(c.TotalSteps, c.Optim);

    static float[] Weights(PwcNet net) => net.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    static float[] TrainAndGet(Stage1Config config, string dir, bool resume)
    {
        using var net = Stage1Recipe.CreateModel(config);
        new Trainer(TrainerOf(config), net, Stage1Recipe.StepFunction(config, net), dir, config.Run.Seed, "{}") { Progress = null }.Run(resume);
        return Weights(net);
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameWeightsAsAnUninterruptedOne()
    {
        var straight = TrainAndGet(Tiny(6), TempDir(), resume: false);
        var dir = TempDir();
        TrainAndGet(Tiny(6) with { Phases = Stage1Recipe.DDFlowPhases(3, 0) }, dir, resume: false); // "interrupted" after its step-3 checkpoint
        var resumed = TrainAndGet(Tiny(6), dir, resume: true);
        Assert.Equal(straight.Length, resumed.Length);
        for (int i = 0; i < straight.Length; i++) Assert.Equal(straight[i], resumed[i], 5);
        Assert.Equal(new long[] { 3, 6 }, Checkpoint.List(Path.Combine(dir, "checkpoints")).Select(c => c.step));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(dir, "log.jsonl")).Length); // 3 + 3 logged steps, appended on resume
    }

    [Fact]
    public void ANonFiniteLossStopsWithTheLastGoodCheckpointKept()
    {
        var dir = TempDir();
        var config = Tiny(8);
        using var net = Stage1Recipe.CreateModel(config);
        var step = Stage1Recipe.StepFunction(config, net);
        var trainer = new Trainer(TrainerOf(config), net, s => s == 4 ? new StepOutput(torch.tensor(double.NaN)) : step(s), dir, 5, "{}") { Progress = null };
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run(resume: false));
        Assert.Contains("NaN at step 4", e.Message);
        Assert.Contains(Checkpoint.FileName(3), e.Message);
        Assert.Equal(new long[] { 3 }, Checkpoint.List(Path.Combine(dir, "checkpoints")).Select(c => c.step));
    }

    [Fact]
    public void CheckpointsKeepOnlyTheNewestAndRestoreStrictly()
    {
        var dir = TempDir();
        var config = Tiny(9) with { Loop = Tiny(9).Loop with { KeepCheckpoints = 2 } };
        using var net = Stage1Recipe.CreateModel(config);
        new Trainer(TrainerOf(config), net, Stage1Recipe.StepFunction(config, net), dir, 5, "{\"x\":1}") { Progress = null }.Run(resume: false);
        var list = Checkpoint.List(Path.Combine(dir, "checkpoints"));
        Assert.Equal(new long[] { 6, 9 }, list.Select(c => c.step));
        Assert.Equal("{\"x\":1}", Checkpoint.ReadMetadata(list[^1].path)["config"]);
        using var other = new PwcNet(PwcNetConfig.Mini);
        var err = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(list[^1].path, other));
        Assert.Contains("does not fit this model", err.Message);
    }

    [Fact]
    public void Stage1SmokeWritesTeacherRecordAndFiniteMetrics()
    {
        var dir = TempDir();
        var config = Recipe.ForPreset(Preset.Smoke, seed: 2);
        using var run = Recipe.Train(config, new RunOptions { OutDir = dir, Progress = null });
        var eval = (FlowEvaluation)run.Evaluation;
        Assert.True(run.Result.Completed);
        Assert.Equal(config.TotalSteps, run.Result.StepsDone);
        Assert.True(double.IsFinite(eval.Model.EpeNoc) && double.IsFinite(eval.ZeroFlow.EpeNoc));
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!;
        Assert.Equal(2, record["seed"]!.GetValue<long>());
        Assert.Equal("smoke", record["preset"]!.GetValue<string>());
        Assert.Equal("stage1", record["stage"]!.GetValue<string>());
        Assert.NotNull(record["metrics"]!["Model"]!["EpeNoc"]);
        using var loaded = FlowModels.Load(Path.Combine(dir, "teacher.safetensors"));
        var teacher = Assert.IsType<PwcNet>(loaded);
        Assert.Equal(config.Model.PyramidChannels, teacher.Config.PyramidChannels);
        Assert.Equal(Weights((PwcNet)run.Models["model"]), Weights(teacher));
    }

    [Fact]
    public void PhasesSwitchAtTheConfiguredStepAndTheLengthIsTheirSum()
    {
        var c = Recipe.ForPreset(Preset.Mini);
        Assert.Equal(0, LossPhases.At(c.Phases, 2499).index);
        Assert.Equal(1, LossPhases.At(c.Phases, 2500).index);
        Assert.Equal(1.0, LossPhases.At(c.Phases, 2500).phase.Weight(Stage1Recipe.Census));
        Assert.Equal(0.0, LossPhases.At(c.Phases, 2500).phase.Weight(Stage1Recipe.Psi));
        Assert.Equal(5000, c.TotalSteps);
        var scaled = LossPhases.ScaleTo(c.Phases, 300);
        Assert.Equal(new long[] { 150, 150 }, scaled.Select(p => p.Steps));
    }

    [Fact]
    public void ExtendingKeepsTheEarlierPhasesAndLengthensTheLastOne()
    {
        var c = Recipe.ForPreset(Preset.Smoke);
        var extended = LossPhases.ExtendTo(c.Phases, 10_000);
        Assert.Equal(new long[] { 4, 9_996 }, extended.Select(p => p.Steps));
        Assert.Equal(c.Phases.Select(p => p.Weights), extended.Select(p => p.Weights));
        var config = ConfigOverrides.WithPhases(c, extended);
        Assert.Equal(10_000, config.TotalSteps);
        Assert.Equal(1, LossPhases.At(config.Phases, 4).index);
        var e = Assert.Throws<ArgumentException>(() => LossPhases.ExtendTo(Recipe.ForPreset(Preset.Mini).Phases, 2_500));
        Assert.Contains("take 2500", e.Message);
    }
}
