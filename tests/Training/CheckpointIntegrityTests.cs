using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Models;
using DistillKit.Tests.Support;
using DistillKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>
/// Checkpoints verify themselves (SHA-256 and length in the metadata), a damaged newest checkpoint gives way to the
/// previous whole one with a warning naming it, and one training holds an output folder at a time. A three-weight
/// linear model keeps these in-process tests to a fraction of a second; the child-process cases (SIGKILL, file-size
/// limit) are in <see cref="TrainingProcessCrashTests"/>.
/// </summary>
public class CheckpointIntegrityTests
{
    const int Steps = 6;

    /// <summary>A linear layer drawn from seed 11 (inside a Sequential: <see cref="SeededInit"/> redraws submodules only).</summary>
    static Sequential Net() => SeededInit.Apply(nn.Sequential(nn.Linear(4, 1)), 11);

    /// <summary>Regression onto the row sums of a batch drawn from (step) alone.</summary>
    static Func<long, StepOutput> Step(Sequential net) => step =>
    {
        using var g = new Generator((ulong)(1000 + step));
        var x = torch.randn([8, 4], generator: g);
        return new StepOutput((net.forward(x) - x.sum(1, keepdim: true)).pow(2).mean());
    };

    static readonly TrainerConfig Config = new() { Steps = Steps, CheckpointEvery = 2, LogEvery = 1, KeepCheckpoints = 5, Optim = new OptimConfig { LearningRate = 0.05 } };

    /// <summary>Trains to <paramref name="steps"/> (resuming when possible); returns the weights, the warnings and the progress lines.</summary>
    static (float[] Weights, string Warnings, string Progress) Train(string dir, long steps = Steps, bool resume = true)
    {
        using var net = Net();
        var warnings = new StringWriter();
        var progress = new StringWriter();
        new Trainer(Config with { Steps = steps }, net, Step(net), dir, 11, "{}") { Progress = progress, Warnings = warnings }.Run(resume);
        return (net.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray(), warnings.ToString(), progress.ToString());
    }

    static string Ckpt(string dir, long step) => Path.Combine(dir, "checkpoints", Checkpoint.FileName(step));

    static void FlipByte(string path, long offsetFromEnd)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = f.Length - offsetFromEnd;
        int b = f.ReadByte();
        f.Position--;
        f.WriteByte((byte)(b ^ 0x01));
    }

    [Fact]
    public void ACheckpointRecordsTheHashAndLengthOfItsTensorFile()
    {
        using var dir = new TempFolder();
        Train(dir.Path);
        var path = Ckpt(dir.Path, Steps);
        var meta = Checkpoint.ReadMetadata(path);
        Assert.Equal(new FileInfo(path).Length.ToString(), meta[CheckpointIntegrity.LengthKey]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), meta[CheckpointIntegrity.HashKey]);
        Assert.Null(CheckpointIntegrity.Problem(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "checkpoints"), "*.tmp"));
        Assert.False(File.Exists(Path.Combine(dir.Path, RunLock.FileName)), "the lock is released when the run ends");
    }

    [Fact]
    public void ACorruptNewestCheckpointIsSetAsideWithAWarningAndTheRunResumesFromThePreviousOne()
    {
        using var straight = new TempFolder();
        using var dir = new TempFolder();
        var expected = Train(straight.Path).Weights;
        Train(dir.Path, steps: 4);                                  // checkpoints at 2 and 4
        FlipByte(Ckpt(dir.Path, 4), 3);                             // one bit of the last tensor
        var (weights, warnings, progress) = Train(dir.Path);
        Assert.Contains(Ckpt(dir.Path, 4), warnings);
        Assert.Contains("SHA-256", warnings);
        Assert.Contains($"resuming from {Ckpt(dir.Path, 2)} (step 2)", progress);
        Assert.True(File.Exists(Ckpt(dir.Path, 4) + ".corrupt"), "the damaged checkpoint is kept for inspection");
        Assert.Equal(expected, weights);                            // bit for bit: steps 3-6 were trained again
    }

    [Fact]
    public void ATruncatedNewestCheckpointIsNamedWithItsLengthAndThePreviousOneIsUsed()
    {
        using var dir = new TempFolder();
        Train(dir.Path, steps: 4);
        var newest = Ckpt(dir.Path, 4);
        using (var f = new FileStream(newest, FileMode.Open)) f.SetLength(f.Length - 10);
        var problem = CheckpointIntegrity.Problem(newest);
        Assert.NotNull(problem);
        Assert.Contains("truncated", problem);
        var (good, damaged) = Checkpoint.NewestGood(Path.Combine(dir.Path, "checkpoints"));
        Assert.Equal(Ckpt(dir.Path, 2), good);
        Assert.Equal(newest, Assert.Single(damaged).Path);
        using var net = Net();
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(newest, net));
        Assert.Contains(newest, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void WhenNoCheckpointIsWholeResumeFailsNamingTheFolderAndEveryFile()
    {
        using var dir = new TempFolder();
        Train(dir.Path, steps: 4);
        FlipByte(Ckpt(dir.Path, 2), 1);
        File.WriteAllText(Checkpoint.MetadataPath(Ckpt(dir.Path, 4)), "{\"step\": \"4\", \"sha2");  // unreadable metadata
        var e = Assert.Throws<InvalidDataException>(() => Train(dir.Path));
        Assert.Contains(Path.Combine(dir.Path, "checkpoints"), e.Message);
        Assert.Contains("step-00000002.safetensors: its SHA-256", e.Message);
        Assert.Contains("step-00000004.safetensors: its metadata is unreadable", e.Message);
        Assert.Contains("--fresh", e.Message);
        Assert.True(File.Exists(Ckpt(dir.Path, 4)), "nothing is set aside when there is nothing to resume from");
    }

    [Fact]
    public void ACheckpointWrittenBeforeHashesLoadsAndIsStillCheckedForTruncation()
    {
        using var dir = new TempFolder();
        Train(dir.Path, steps: 2);
        var path = Ckpt(dir.Path, 2);
        var meta = JsonNode.Parse(File.ReadAllText(Checkpoint.MetadataPath(path)))!.AsObject();
        meta.Remove(CheckpointIntegrity.HashKey);
        meta.Remove(CheckpointIntegrity.LengthKey);
        File.WriteAllText(Checkpoint.MetadataPath(path), meta.ToJsonString());
        Assert.Null(CheckpointIntegrity.Problem(path));
        using (var net = Net()) Assert.Equal(2, Checkpoint.Load(path, net));
        using (var f = new FileStream(path, FileMode.Open)) f.SetLength(f.Length - 4);
        Assert.Contains("tensors need", CheckpointIntegrity.Problem(path));
    }

    [Fact]
    public void ASecondTrainingInTheSameFolderRefusesNamingTheFirst()
    {
        using var dir = new TempFolder();
        using (RunLock.Acquire(dir.Path))
        {
            var e = Assert.Throws<IOException>(() => Train(dir.Path));
            Assert.Contains($"{dir.Path} is in use by another training: PID {Environment.ProcessId} on host {Environment.MachineName}", e.Message);
            Assert.Contains(Path.Combine(dir.Path, RunLock.FileName), e.Message);
            Assert.Contains("--out", e.Message);
        }
        Train(dir.Path, steps: 2);  // released: the folder is free again
    }

    [Fact]
    public void AStaleLockOfAProcessThatNoLongerRunsIsTakenOverWithAWarning()
    {
        using var dir = new TempFolder();
        int deadPid;
        using (var p = Process.Start("/bin/true")!)
        {
            p.WaitForExit();
            deadPid = p.Id;
        }
        var stale = new RunLock.Owner(deadPid, Environment.MachineName, DateTime.UtcNow.AddHours(-1), 12345, "kit train stage1", "0123456789abcdef");
        File.WriteAllText(Path.Combine(dir.Path, RunLock.FileName), JsonSerializer.Serialize(stale));
        var warnings = Train(dir.Path, steps: 2).Warnings;
        Assert.Contains($"PID {deadPid}", warnings);
        Assert.Contains("no longer running; taking the folder over", warnings);
        Assert.False(File.Exists(Path.Combine(dir.Path, RunLock.FileName)));
    }

    [Fact]
    public void ALockFromAnotherHostIsNeverTakenOver()
    {
        using var dir = new TempFolder();
        var other = new RunLock.Owner(1, "some-other-host", DateTime.UtcNow, null, "kit train stage1", "0123456789abcdef");
        File.WriteAllText(Path.Combine(dir.Path, RunLock.FileName), JsonSerializer.Serialize(other));
        var e = Assert.Throws<IOException>(() => RunLock.Acquire(dir.Path));
        Assert.Contains("PID 1 on host some-other-host", e.Message);
    }
}
