using System.Security.Cryptography;
using DistillKit.Models;
using DistillKit.Runtime;
using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Training;

/// <summary>
/// Every file a run writes besides its checkpoints (config.json, log.jsonl, the trained weights, run.json, the lock)
/// fails with an exception naming it and the cause, and leaves what the run has on disk as it was: a folder in the way
/// of each (in process), a file-size limit and a read-only output folder (child processes; as root, the child runs
/// without the capability that overrides file permissions).
/// </summary>
[Collection(TrainingChildren.Name)]
public class OutputWriteFailureTests(ITestOutputHelper output)
{
    static string Ckpt(string dir, long step) => Path.Combine(dir, "checkpoints", Checkpoint.FileName(step));

    /// <summary>Relative path → SHA-256 of every file under <paramref name="dir"/>.</summary>
    static SortedDictionary<string, string> Snapshot(string dir, params string[] except) =>
        new(Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f)).Where(f => !except.Contains(f))
            .ToDictionary(f => f, f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, f))))));

    static void ReplaceByFolder(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        Directory.CreateDirectory(path);
    }

    /// <summary>A linear layer fitted to row sums (as in <see cref="CheckpointIntegrityTests"/>), checkpoints every 2 steps.</summary>
    static void TrainLinear(string dir, long steps)
    {
        using var net = SeededInit.Apply(nn.Sequential(nn.Linear(4, 1)), 11);
        var config = new TrainerConfig { Steps = steps, CheckpointEvery = 2, LogEvery = 1, KeepCheckpoints = 5, Optim = new OptimConfig { LearningRate = 0.05 } };
        new Trainer(config, net, step =>
        {
            using var g = new Generator((ulong)(1000 + step));
            var x = torch.randn([8, 4], generator: g);
            return new StepOutput((net.forward(x) - x.sum(1, keepdim: true)).pow(2).mean());
        }, dir, 11, "{}") { Progress = null, Warnings = null }.Run();
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("log.jsonl")]
    public void AFolderInThePlaceOfAFileOfTheLoopStopsTheRunNamingItAndTheCheckpointsStayWhole(string name)
    {
        using var dir = new TempFolder();
        TrainLinear(dir.Path, 4);
        var checkpoints = Snapshot(Path.Combine(dir.Path, "checkpoints"));
        ReplaceByFolder(dir.File(name));
        var e = Assert.Throws<OutputWriteException>(() => TrainLinear(dir.Path, 6));
        Assert.StartsWith($"{dir.File(name)}: ", e.Message);
        Assert.Contains("failed: a folder is in the way (Is a directory)", e.Message);
        Assert.Contains($"The checkpoint {Ckpt(dir.Path, 4)} is intact: fix the cause and run again to resume from it.", e.Message);
        Assert.Equal(checkpoints, Snapshot(Path.Combine(dir.Path, "checkpoints")));
        Directory.Delete(dir.File(name));
        TrainLinear(dir.Path, 6);
        Assert.Null(CheckpointIntegrity.Problem(Ckpt(dir.Path, 6)));
    }

    [Theory]
    [InlineData("teacher.safetensors")]
    [InlineData("run.json")]
    public void AFolderInThePlaceOfAnOutputStopsTheRunNamingItAndARerunWritesIt(string name)
    {
        using var dir = new TempFolder();
        var recipe = new Stage1Recipe();
        var smoke = recipe.ForPreset(Preset.Smoke);
        var config = smoke with { Phases = Stage1Recipe.DDFlowPhases(1, 1), Data = smoke.Data with { EvalPairs = 2 }, Loop = smoke.Loop with { CheckpointEvery = 2 } };
        void Run()
        {
            using var run = recipe.Train(config, new RunOptions { OutDir = dir.Path, Progress = null, Warnings = null });
        }
        ReplaceByFolder(dir.File(name));
        var e = Assert.Throws<OutputWriteException>(Run);
        Assert.StartsWith($"{dir.File(name)}: writing ", e.Message);
        Assert.Contains("failed: a folder is in the way (Is a directory)", e.Message);
        Assert.Contains($"The training is done and its checkpoint {Ckpt(dir.Path, 2)} is whole", e.Message);
        Assert.Null(CheckpointIntegrity.Problem(Ckpt(dir.Path, 2)));
        Directory.Delete(dir.File(name));
        Run();
        Assert.True(File.Exists(dir.File(name)));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    static string Expect(int code, KitProcess kit)
    {
        using (kit)
        {
            int exit = kit.Wait();
            Assert.True(exit == code, $"expected exit {code}, got {exit} (153 = killed by SIGXFSZ):\n{kit.Output}");
            return kit.Output;
        }
    }

    [Fact]
    public void OverTheFileSizeLimitOrInAReadOnlyFolderARunStopsNamingTheFileAndLeavesItsFilesAsTheyWere()
    {
        using var dir = new TempFolder();
        var run = Path.Combine(dir.Path, "run");
        var args = $"train stage1 --preset smoke --steps 4 --threads 2 --set Loop.CheckpointEvery=2 --set Data.EvalPairs=2 --out \"{run}\"";
        // With W^X (on by default) the runtime double-maps its code through a file that such a limit forbids.
        var noWx = new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" };
        Expect(0, new KitProcess(args));
        string checkpoint = Ckpt(run, 4), teacher = Path.Combine(run, "teacher.safetensors"), config = Path.Combine(run, "config.json");
        var files = Snapshot(run);
        output.WriteLine($"config.json {new FileInfo(config).Length} bytes, teacher.safetensors {new FileInfo(teacher).Length} bytes");

        // 1. a limit of 1 KiB: the run config, the first file a rerun writes, fails
        var said = Expect(1, new KitProcess(args, noWx, fileSizeLimitKb: "1"));
        output.WriteLine(said.Split('\n').Last());
        Assert.Contains($"{config}: writing the run config failed: the file-size limit was reached", said);
        Assert.Contains("config.json keeps its previous content.", said);
        Assert.Contains($"The checkpoint {checkpoint} is intact", said);
        Assert.Equal(files, Snapshot(run));

        // 2. a limit of half the weights: the rerun resumes at the end, evaluates, and fails writing them
        said = Expect(1, new KitProcess(args, noWx, fileSizeLimitKb: (new FileInfo(teacher).Length / 2048).ToString()));
        output.WriteLine(said.Split('\n').Last());
        Assert.Contains($"{teacher}: writing the trained weights of model failed: the file-size limit was reached", said);
        Assert.Contains("teacher.safetensors keeps its previous content.", said);
        Assert.Contains($"The training is done and its checkpoint {checkpoint} is whole", said);
        Assert.Equal(Snapshot(run, except: "log.jsonl"), new SortedDictionary<string, string>(files.Where(f => f.Key != "log.jsonl").ToDictionary()));

        // 3. a read-only output folder: the lock, the first file of a run, cannot be written
        var readOnly = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var before = Snapshot(run);
        File.SetUnixFileMode(run, readOnly);
        try
        {
            string[]? withoutOverride = Environment.UserName == "root" ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] : null;
            said = Expect(1, new KitProcess(args, launcher: withoutOverride));
            output.WriteLine(said.Split('\n').Last());
            Assert.Contains($"{Path.Combine(run, RunLock.FileName)}: cannot take the training lock of {run}: permission denied", said);
        }
        finally
        {
            File.SetUnixFileMode(run, readOnly | UnixFileMode.UserWrite);
        }
        Assert.Equal(before, Snapshot(run));

        // 4. no limit: the rerun writes what failed
        Expect(0, new KitProcess(args));
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories));
    }
}
