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
    /// for 600 steps on mini-size synthetic pairs reaches held-out EPE-noc below 0.9× zero flow (seed 3: 0.70 here with oneDNN off). A wrong
    /// warp direction, sign or loss leaves it at zero flow or worse. The run depends on its seed alone (the network is
    /// drawn from its own generator, <see cref="DistillKit.Models.SeededInit"/>, so parallel tests cannot change it).
    /// Seeds 1–8 measured here: 0.80, 0.98, 0.68, 0.83, 0.55, 1.00, 0.79, 1.00; seeds 2, 6 and 8 sit on the zero-flow
    /// plateau of photometric training this early (at 800 steps: 0.44, 0.99, 0.67), which is why the seed is fixed.
    /// Those figures are with oneDNN's convolutions; on a CPU where <see cref="DistillKit.Runtime.OneDnnCheck"/> turns
    /// oneDNN off, LibTorch's own convolutions round differently and the plateau lasts longer (ratios at 300 / 600 steps:
    /// seed 0 0.999 / 0.920, seed 1 0.816 / 0.551, seed 3 0.999 / 0.704), so the run is 600 steps.
    /// </summary>
    [Fact]
    public void AShortSmokeTrainingLearnsFlow()
    {
        using var dir = new TempFolder();
        var recipe = new Stage1Recipe();
        var smoke = recipe.ForPreset(Preset.Smoke, seed: 3);
        var config = smoke with
        {
            Data = smoke.Data with { Synthetic = SyntheticFlowConfig.Mini, BatchSize = 4, EvalPairs = 16 },
            Phases = Stage1Recipe.DDFlowPhases(600, 0),
            Loop = new LoopSettings { CheckpointEvery = 1000, LogEvery = 100 },
        };
        using var run = recipe.Train(config, new RunOptions { OutDir = dir.Path, Progress = null });
        var eval = (FlowEvaluation)run.Evaluation;
        double ratio = eval.Model.EpeNoc / eval.ZeroFlow.EpeNoc;
        Assert.True(ratio < 0.9, $"held-out EPE-noc {eval.Model.EpeNoc:F3} vs zero flow {eval.ZeroFlow.EpeNoc:F3} (ratio {ratio:F2}, needs < 0.9)");
        Console.WriteLine($"smoke learning: EPE-noc {eval.Model.EpeNoc:F3} vs zero flow {eval.ZeroFlow.EpeNoc:F3} (ratio {ratio:F2})");
    }
}
