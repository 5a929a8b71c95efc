using System.Text.Json.Nodes;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Training;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Training;

public class TrainerTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("dk-train-").FullName;

    static Stage1Config Tiny(long steps) => Stage1Config.ForPreset("smoke", seed: 5) with
    {
        PhaseASteps = steps / 2,
        PhaseBSteps = steps - steps / 2,
        Trainer = Stage1Config.ForPreset("smoke").Trainer with { Steps = steps, CheckpointEvery = 3, LogEvery = 1, KeepCheckpoints = 5 },
    };

    static float[] Weights(PwcNet net) => net.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    static float[] TrainAndGet(Stage1Config config, string dir, bool resume)
    {
        using var net = Stage1Teacher.CreateModel(config);
        new Trainer(config.Trainer, net, Stage1Teacher.StepFunction(config, net), dir, config.Seed, "{}") { Progress = null }.Run(resume);
        return Weights(net);
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameWeightsAsAnUninterruptedOne()
    {
        var straight = TrainAndGet(Tiny(6), TempDir(), resume: false);
        var dir = TempDir();
        TrainAndGet(Tiny(6) with { Trainer = Tiny(6).Trainer with { Steps = 3 } }, dir, resume: false); // "interrupted" after its step-3 checkpoint
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
        using var net = Stage1Teacher.CreateModel(config);
        var step = Stage1Teacher.StepFunction(config, net);
        var trainer = new Trainer(config.Trainer, net, s => s == 4 ? new StepOutput(torch.tensor(double.NaN)) : step(s), dir, 5, "{}") { Progress = null };
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run(resume: false));
        Assert.Contains("NaN at step 4", e.Message);
        Assert.Contains(Checkpoint.FileName(3), e.Message);
        Assert.Equal(new long[] { 3 }, Checkpoint.List(Path.Combine(dir, "checkpoints")).Select(c => c.step));
    }

    [Fact]
    public void CheckpointsKeepOnlyTheNewestAndRestoreStrictly()
    {
        var dir = TempDir();
        var config = Tiny(9) with { Trainer = Tiny(9).Trainer with { KeepCheckpoints = 2 } };
        using var net = Stage1Teacher.CreateModel(config);
        new Trainer(config.Trainer, net, Stage1Teacher.StepFunction(config, net), dir, 5, "{\"x\":1}") { Progress = null }.Run(resume: false);
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
        var config = Stage1Config.ForPreset("smoke", seed: 2);
        var (model, result, eval) = Stage1Teacher.Train(config, dir, progress: TextWriter.Null);
        Assert.True(result.Completed);
        Assert.Equal(config.TotalSteps, result.StepsDone);
        Assert.True(double.IsFinite(eval.Model.EpeNoc) && double.IsFinite(eval.ZeroFlow.EpeNoc));
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!;
        Assert.Equal(2, record["seed"]!.GetValue<long>());
        Assert.Equal("smoke", record["preset"]!.GetValue<string>());
        Assert.NotNull(record["metrics"]!["Model"]!["EpeNoc"]);
        var (loaded, loadedConfig) = Stage1Teacher.Load(Path.Combine(dir, "teacher.safetensors"));
        Assert.Equal(config.Model.PyramidChannels, loadedConfig.Model.PyramidChannels);
        Assert.Equal(Weights(model), Weights(loaded));
    }

    [Fact]
    public void PhasesSwitchAtTheConfiguredStep()
    {
        var c = Stage1Config.ForPreset("mini");
        Assert.Equal(Stage1Loss.PsiNoOcclusion, c.LossAt(c.PhaseASteps - 1));
        Assert.Equal(Stage1Loss.CensusOccluded, c.LossAt(c.PhaseASteps));
        Assert.Equal(c.TotalSteps, c.Trainer.Steps);
    }
}
