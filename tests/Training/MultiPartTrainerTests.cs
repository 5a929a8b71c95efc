using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Tests.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Training;

public class MultiPartTrainerTests
{
    /// <summary>Two linear modules fitted to fixed targets, alternating which one steps (as MDFlow alternates teacher and student).</summary>
    sealed class Setup : IDisposable
    {
        public readonly nn.Module<Tensor, Tensor> A, B;
        public readonly List<long> Epochs = new();

        public Setup()
        {
            torch.manual_seed(1);
            A = nn.Linear(3, 1);
            B = nn.Linear(3, 1);
        }

        public StepOutput Step(long step)
        {
            using var g = new torch.Generator((ulong)(step + 100));
            var x = torch.randn([8, 3], generator: g);
            var la = (A.forward(x) - x.sum(1, keepdim: true)).pow(2).mean();
            var lb = (B.forward(x) + x.sum(1, keepdim: true)).pow(2).mean();
            return new StepOutput(la + lb, new Dictionary<string, double> { ["a"] = la.ToDouble(), ["b"] = lb.ToDouble() })
            {
                Update = step % 2 == 0 ? ["a", "b"] : ["b"],
            };
        }

        public Trainer Trainer(string dir, long steps) => new(
            new TrainerConfig { Steps = steps, CheckpointEvery = 4, LogEvery = 2, KeepCheckpoints = 5, EvaluateEvery = 4, StepsPerEpoch = 3 },
            [new TrainPart("a", A, new OptimConfig { LearningRate = 0.05 }), new TrainPart("b", B, new OptimConfig { LearningRate = 0.02, Optimizer = OptimizerKind.Sgd })],
            Step, dir, 0, "{}")
        {
            Progress = null,
            Evaluate = s => new Dictionary<string, double> { ["wa"] = A.parameters().First().sum().ToDouble() },
            OnEpochEnd = e => Epochs.Add(e),
        };

        public float[] Weights() => A.parameters().Concat(B.parameters()).SelectMany(p => p.data<float>().ToArray()).ToArray();

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }

    [Fact]
    public void SeveralModulesTrainCheckpointAndResumeTogether()
    {
        using var dir1 = new TempFolder();
        using var straight = new Setup();
        var result = straight.Trainer(dir1.Path, 10).Run(resume: false);
        Assert.Equal(new long[] { 1, 2, 3 }, straight.Epochs);
        Assert.Equal(new long[] { 4, 8, 10 }, result.Evaluations.Select(e => e.Step));
        Assert.All(result.Log, e => Assert.True(e.Terms.ContainsKey("a") && e.Terms.ContainsKey("b")));
        var lines = File.ReadAllLines(Path.Combine(dir1.Path, "log.jsonl"));
        Assert.Contains(lines, l => l.Contains("\"Eval\"") && l.Contains("\"wa\""));
        Assert.Contains(lines, l => l.Contains("\"Terms\":{\"a\""));

        using var dir2 = new TempFolder();
        using (var first = new Setup()) first.Trainer(dir2.Path, 4).Run(resume: false);       // stopped after its step-4 checkpoint
        using var resumed = new Setup();
        resumed.Trainer(dir2.Path, 10).Run(resume: true);                                   // fresh modules, restored from the checkpoint
        Assert.Equal(straight.Weights(), resumed.Weights());
        var meta = Checkpoint.ReadMetadata(Checkpoint.List(Path.Combine(dir2.Path, "checkpoints"))[^1].path);
        Assert.Equal("a,b", meta["parts"]);
    }

    [Fact]
    public void OnlyThePartsAStepNamesAreUpdated()
    {
        using var dir = new TempFolder();
        using var s = new Setup();
        var before = s.A.parameters().First().detach().clone();
        new Trainer(new TrainerConfig { Steps = 1, CheckpointEvery = 10, LogEvery = 1 },
            [new TrainPart("a", s.A, new OptimConfig { LearningRate = 0.1 }), new TrainPart("b", s.B, new OptimConfig { LearningRate = 0.1 })],
            step => s.Step(1) /* names only b */, dir.Path, 0, "{}") { Progress = null }.Run(resume: false);
        Assert.True(before.eq(s.A.parameters().First()).all().item<bool>());
    }
}
