using System.Diagnostics;
using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Training;

/// <summary>
/// The smoke stage-1 training in child processes that die the hard way: SIGKILL at random steps and in the middle of
/// checkpoint writes (held there by <see cref="Checkpoint.PauseVariable"/>), and a file-size limit reached during a
/// checkpoint write. In the <see cref="TrainingChildren"/> collection, so these CPU-heavy children never run alongside
/// each other.
/// </summary>
[Collection(TrainingChildren.Name)]
public class TrainingProcessCrashTests(ITestOutputHelper output)
{
    const int Steps = 12, Every = 3, Threads = 2;
    static readonly string Args = $"train stage1 --preset smoke --steps {Steps} --threads {Threads} --set Loop.LogEvery=1 --set Loop.CheckpointEvery={Every} --set Data.EvalPairs=2";

    static Dictionary<string, string> Pause(long step, string point) => new() { [Checkpoint.PauseVariable] = $"{step}:{point}" };

    static string Ckpt(string dir, long step) => Path.Combine(dir, "checkpoints", Checkpoint.FileName(step));

    static long NewestComplete(string dir) => Checkpoint.List(Path.Combine(dir, "checkpoints")) is { Count: > 0 } l ? l[^1].step : 0;

    string RunToEnd(string args)
    {
        using var kit = new KitProcess(args);
        Assert.True(kit.Wait() == 0, $"kit {args} failed:\n{kit.Output}");
        return kit.Output;
    }

    [Fact]
    public void KilledAtRandomStepsAndDuringCheckpointWritesTheRunEndsBitForBitLikeAnUninterruptedOne()
    {
        var random = new Random(42);   // plan: kill during checkpoint 6, at step 8, during checkpoint 9
        using var dir = new TempFolder();
        string straight = Path.Combine(dir.Path, "straight"), killed = Path.Combine(dir.Path, "killed");
        var clock = Stopwatch.StartNew();
        RunToEnd($"{Args} --fresh --out \"{straight}\"");
        output.WriteLine($"uninterrupted run: {clock.Elapsed.TotalSeconds:F0} s");

        // 1. killed while the tensors of a checkpoint sit under their temporary name; meanwhile a second training is refused
        long first = Every * random.Next(1, 3);
        using (var kit = new KitProcess($"{Args} --fresh --out \"{killed}\"", Pause(first, "tensors")))
        {
            kit.WaitFor(l => l.StartsWith($"checkpoint paused: step {first} at tensors"), $"the pause at checkpoint {first}");
            using (var second = new KitProcess($"{Args} --out \"{killed}\""))
            {
                Assert.Equal(1, second.Wait());
                Assert.Contains($"{killed} is in use by another training: PID {kit.Pid} on host {Environment.MachineName}", second.Output);
            }
            kit.Kill();
        }
        Assert.True(File.Exists(Ckpt(killed, first) + ".tmp"));
        output.WriteLine($"kill 1: during the write of checkpoint {first} (tensors written, not renamed)");

        // 2. killed at a random step
        long from = NewestComplete(killed);
        long at = random.NextInt64(from + 1, 9);
        using (var kit = new KitProcess($"{Args} --out \"{killed}\""))
        {
            kit.WaitFor(l => l.Contains($"] step {at}/{Steps} "), $"step {at}");
            kit.Kill();
            Assert.Contains("no longer running; taking the folder over", kit.Output);
            Assert.Contains($"removed {Ckpt(killed, first)}.tmp", kit.Output);
            if (from > 0) Assert.Contains($"resuming from {Ckpt(killed, from)} (step {from})", kit.Output);
        }
        output.WriteLine($"kill 2: at step {at}, after resuming from step {from}");

        // 3. killed with the tensor file of a checkpoint in place and its metadata not yet written
        from = NewestComplete(killed);
        long third = from + Every;
        using (var kit = new KitProcess($"{Args} --out \"{killed}\"", Pause(third, "renamed")))
        {
            kit.WaitFor(l => l.StartsWith($"checkpoint paused: step {third} at renamed"), $"the pause at checkpoint {third}");
            kit.Kill();
        }
        Assert.True(File.Exists(Ckpt(killed, third)) && !File.Exists(Checkpoint.MetadataPath(Ckpt(killed, third))));
        output.WriteLine($"kill 3: during the write of checkpoint {third} (tensor file in place, no metadata), after resuming from step {from}");

        // 4. to the end
        from = NewestComplete(killed);
        var last = RunToEnd($"{Args} --out \"{killed}\"");
        Assert.Contains($"removed {Ckpt(killed, third)}: left by an interrupted checkpoint write", last);
        if (from > 0) Assert.Contains($"resuming from {Ckpt(killed, from)} (step {from})", last);
        output.WriteLine($"resumed from step {from} to the end; {clock.Elapsed.TotalSeconds:F0} s in all");

        AssertBitwiseEqual(Ckpt(straight, Steps), Ckpt(killed, Steps));
        AssertBitwiseEqual(Path.Combine(straight, "teacher.safetensors"), Path.Combine(killed, "teacher.safetensors"));
    }

    /// <summary>Every tensor (weights and optimizer state) bit for bit, and the optimizer's step count; on a difference,
    /// the tensors that differ and the largest difference, so non-determinism is reported, not hidden.</summary>
    void AssertBitwiseEqual(string expectedPath, string actualPath)
    {
        var a = WeightFiles.Read(expectedPath);
        var b = WeightFiles.Read(actualPath);
        try
        {
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            var differ = new List<string>();
            double largest = 0;
            foreach (var (k, t) in a)
            {
                if (t.bytes.SequenceEqual(b[k].bytes)) continue;
                using var scope = torch.NewDisposeScope();
                double d = (t.to(float64) - b[k].to(float64)).abs().max().item<double>();
                largest = Math.Max(largest, d);
                differ.Add($"{k} (max |Δ| {d:G3})");
            }
            int optimizer = a.Keys.Count(k => k.StartsWith(Checkpoint.OptimizerPrefix));
            output.WriteLine(differ.Count == 0
                ? $"{Path.GetFileName(expectedPath)}: all {a.Count} tensors bitwise identical ({a.Count - optimizer} weights, {optimizer} optimizer state)"
                : $"{Path.GetFileName(expectedPath)}: {differ.Count} of {a.Count} tensors differ, largest |Δ| {largest:G3}: {string.Join(", ", differ)}");
            Assert.True(differ.Count == 0, $"{actualPath} differs from {expectedPath} in {differ.Count} tensors, largest |Δ| {largest:G3}: {string.Join(", ", differ.Take(8))}");
            if (expectedPath.EndsWith(Checkpoint.FileName(Steps)))
                Assert.Equal(Checkpoint.ReadMetadata(expectedPath)["optimizer_steps"], Checkpoint.ReadMetadata(actualPath)["optimizer_steps"]);
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }

    [Fact]
    public void AWriteOverTheFileSizeLimitFailsNamingTheFileAndLeavesThePreviousCheckpointWhole()
    {
        using var dir = new TempFolder();
        var run = Path.Combine(dir.Path, "run");
        var args = $"train stage1 --preset smoke --steps 6 --threads {Threads} --set Loop.CheckpointEvery=3 --set Data.EvalPairs=2 --out \"{run}\"";
        using (var kit = new KitProcess(args + " --fresh", Pause(6, "tensors")))
        {
            kit.WaitFor(l => l.StartsWith("checkpoint paused: step 6"), "the pause at checkpoint 6");
            kit.Kill();
        }
        var previous = Ckpt(run, 3);
        Assert.Null(CheckpointIntegrity.Problem(previous));
        var hash = CheckpointIntegrity.Sha256(previous);

        // Half a checkpoint per file. With W^X (on by default) the runtime double-maps its code through a file that
        // such a limit forbids and .NET would not even start; the limit is for the checkpoint, so W^X is off here.
        var limitKb = (new FileInfo(previous).Length / 2048).ToString();
        using (var kit = new KitProcess(args, new Dictionary<string, string> { ["DOTNET_EnableWriteXorExecute"] = "0" }, fileSizeLimitKb: limitKb))
        {
            int code = kit.Wait();
            output.WriteLine($"under ulimit -f {limitKb}: exit {code}\n{kit.Output.Split('\n').Last()}");
            Assert.True(code == 1, $"expected exit 1 with a message, got {code} (153 = killed by SIGXFSZ):\n{kit.Output}");
            Assert.Contains($"{Ckpt(run, 6)}.tmp: writing the checkpoint of step 6 failed: the file-size limit was reached", kit.Output);
            Assert.Contains($"The previous checkpoint {previous} is intact", kit.Output);
        }
        Assert.Equal(hash, CheckpointIntegrity.Sha256(previous));
        Assert.Null(CheckpointIntegrity.Problem(previous));
        Assert.Equal(new long[] { 3 }, Checkpoint.List(Path.Combine(run, "checkpoints")).Select(c => c.step));
        Assert.Empty(Directory.GetFiles(Path.Combine(run, "checkpoints"), "*.tmp"));

        var resumed = RunToEnd(args);   // no limit: resumes from step 3 and ends
        Assert.Contains($"resuming from {previous} (step 3)", resumed);
        Assert.Null(CheckpointIntegrity.Problem(Ckpt(run, 6)));
    }
}
