using DistillKit.Tests.Support;
using DistillKit.Metrics;
using DistillKit.Data.Synthetic;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using DistillKit.Tests.Imaging;
using Xunit;

namespace DistillKit.Tests.Training;

public class Stage1LearningTests
{
    /// <summary>
    /// The stage-1 step function must make flow better, not just finite: the smoke network trained unsupervised (ψ phase)
    /// for 300 steps on mini-size synthetic pairs reaches held-out EPE-noc below 0.9× zero flow (measured 0.83 here; the
    /// run is seeded, so the figure repeats on a machine). A wrong warp direction, sign or loss leaves it at zero flow or worse.
    /// </summary>
    [Fact]
    public void AShortSmokeTrainingLearnsFlow()
    {
        using var dir = new TempFolder();
        var recipe = new Stage1Recipe();
        var smoke = recipe.ForPreset(Preset.Smoke, seed: 4);
        var config = smoke with
        {
            Data = smoke.Data with { Synthetic = SyntheticFlowConfig.Mini, BatchSize = 4, EvalPairs = 16 },
            Phases = Stage1Recipe.DDFlowPhases(300, 0),
            Loop = new LoopSettings { CheckpointEvery = 1000, LogEvery = 100 },
        };
        using var run = recipe.Train(config, new RunOptions { OutDir = dir.Path, Progress = null });
        var eval = (FlowEvaluation)run.Evaluation;
        double ratio = eval.Model.EpeNoc / eval.ZeroFlow.EpeNoc;
        Assert.True(ratio < 0.9, $"held-out EPE-noc {eval.Model.EpeNoc:F3} vs zero flow {eval.ZeroFlow.EpeNoc:F3} (ratio {ratio:F2}, needs < 0.9)");
        Console.WriteLine($"smoke learning: EPE-noc {eval.Model.EpeNoc:F3} vs zero flow {eval.ZeroFlow.EpeNoc:F3} (ratio {ratio:F2})");
    }
}
