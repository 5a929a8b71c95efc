using DistillKit.Tests.Support;
using System.Diagnostics;
using System.Text.Json.Nodes;
using DistillKit.Tests.Imaging;
using DistillKit.Training;
using DistillKit.Weights;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>
/// Training in separate processes: the batches of a step come from (seed, step) through stable hashes (not .NET's
/// per-process HashCode), so a process killed during training and restarted continues with exactly the batches,
/// and ends with exactly the weights, of the uninterrupted run.
/// </summary>
public class TrainingProcessTests
{
    const int Steps = 40;
    static readonly string Args = $"train stage1 --preset smoke --steps {Steps} --trace-batches --set Loop.LogEvery=1 --set Loop.CheckpointEvery=8 --set Data.EvalPairs=2";

    static ProcessStartInfo Kit(string args) => new("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "kit.dll")}\" {args}")
    {
        RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
    };

    static string RunToEnd(string args)
    {
        using var p = Process.Start(Kit(args))!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"kit {args} failed: {err.Result}");
        return output;
    }

    /// <summary>Step → batch digest from a log (the last entry of a step wins: a resumed run re-logs the steps after its checkpoint).</summary>
    static Dictionary<long, string> Digests(string dir)
    {
        var result = new Dictionary<long, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "log.jsonl")))
        {
            var node = JsonNode.Parse(line)!;
            if (node["Batches"] is JsonArray batches) result[node["Step"]!.GetValue<long>()] = batches[0]!.GetValue<string>();
        }
        return result;
    }

    [Fact]
    public void AKilledRunRestartedInANewProcessSeesTheSameBatchesAndEndsWithTheSameWeights()
    {
        using var dir = new TempFolder();
        string straight = Path.Combine(dir.Path, "straight"), killed = Path.Combine(dir.Path, "killed");
        RunToEnd($"{Args} --fresh --out \"{straight}\"");

        // second run: paused right after its step-8 checkpoint is complete (a smoke step is too fast to race), then killed
        // (SIGKILL, no clean-up)
        using (var kit = new KitProcess($"{Args} --fresh --out \"{killed}\"",
                   new Dictionary<string, string> { [Checkpoint.PauseVariable] = "8:written" }))
        {
            kit.WaitFor(l => l.StartsWith("checkpoint paused: step 8 at written"), "the pause after checkpoint 8");
            kit.Kill();
        }
        var beforeRestart = Digests(killed);
        Assert.True(beforeRestart.Count < Steps, $"killed after {beforeRestart.Count} logged steps");
        var output = RunToEnd($"{Args} --out \"{killed}\"");   // resumes from the newest complete checkpoint

        var a = Digests(straight);
        var b = Digests(killed);
        Assert.Equal(Steps, a.Count);
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => a[s]), Enumerable.Range(1, Steps).Select(s => b[s]));
        Assert.Equal(a[1], beforeRestart[1]);  // two processes, the first batch bit for bit
        Assert.True(a.Values.Distinct().Count() == Steps, "every step has its own batch");

        var wa = WeightFiles.Read(Path.Combine(straight, "teacher.safetensors"));
        var wb = WeightFiles.Read(Path.Combine(killed, "teacher.safetensors"));
        Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
        foreach (var (k, t) in wa) Assert.True(t.eq(wb[k]).all().item<bool>(), $"{k} differs after the restart");
    }
}
