using System.Text.Json.Nodes;
using DistillKit.Cli;
using DistillKit.Tests.Support;
using DistillKit.Training;
using DistillKit.Training.Ablation;
using Xunit;

namespace DistillKit.Tests.Cli;

/// <summary><c>./kit ablate</c> in a child process: killed midway and run again, a spec file, and refused arguments.</summary>
public class AblateCommandTests
{
    const string Common = "ablate --recipe stage1 --preset smoke --steps 6 --set Data.EvalPairs=2 --set Loop.LogEvery=1 --set Loop.CheckpointEvery=2 " +
        "--vary a: --vary \"b:Phases[1].Weights.psi=1,Phases[1].Weights.census=0\" --seeds 0 --metric Model.EpeAll,Occlusion.F1";

    [Fact]
    public void KilledMidwayThenRunAgainItReusesTheFinishedVariantAndResumesTheOther()
    {
        using var dir = new TempFolder();
        var args = $"{Common} --verbose --out \"{dir.Path}\"";
        var finishedRecord = Path.Combine(dir.Path, "a", "seed-0", "run.json");
        // the second variant stops right after writing its step-2 checkpoint (a smoke step is too fast to kill it by its log line)
        var pause = new Dictionary<string, string> { [Checkpoint.PauseVariable] = $"2:written:{Path.Combine("b", "seed-0")}" };
        using (var kit = new KitProcess(args, pause))
        {
            kit.WaitFor(l => l.StartsWith("[ablation 1/2] a seed 0: finished"), "the first variant finishing");
            kit.WaitFor(l => l.StartsWith("checkpoint paused: step 2 at written"), "the second variant's step-2 checkpoint");
            kit.Kill();   // SIGKILL: no clean-up
        }
        var before = File.ReadAllText(finishedRecord);
        Assert.False(File.Exists(Path.Combine(dir.Path, "b", "seed-0", "run.json")));

        using var again = new KitProcess($"{Common} --out \"{dir.Path}\"");
        Assert.Equal(0, again.Wait());
        var output = again.Output;
        Assert.Contains("[ablation 1/2] a seed 0: reused", output);
        Assert.Matches(@"\[ablation 2/2\] b seed 0: resuming at step 2/6", output);
        Assert.DoesNotContain("[ablation 1/2] a seed 0: training", output);
        Assert.Contains("1 run(s) trained, 1 reused", output);
        Assert.Matches(@"\nb\s+Phases\[1\]\.Weights\.psi=1; Phases\[1\]\.Weights\.census=0\s+1\s+\d", output);   // the table row
        Assert.Equal(before, File.ReadAllText(finishedRecord));
        foreach (var file in new[] { AblationResult.CsvFile, AblationResult.JsonFile, "results.html", AblationManifest.FileName })
            Assert.True(File.Exists(Path.Combine(dir.Path, file)), file);
        Assert.Contains("Plotly.newPlot", File.ReadAllText(Path.Combine(dir.Path, "results.html")));
    }

    [Fact]
    public void ASpecFileRunsTheSameAblation()
    {
        using var dir = new TempFolder();
        var specFile = dir.File("spec.json");
        File.WriteAllText(specFile, """
            {"recipe": "stage1", "preset": "smoke", "steps": 2, "base": ["Data.EvalPairs=2"],
             "grid": [{"key": "Optim.LearningRate", "values": [1e-3, 1e-4]}], "metrics": ["Model.EpeNoc"]}
            """);
        int rc = AblateCommand.Run(["--spec", specFile, "--out", dir.File("out")]);
        Assert.Equal(0, rc);
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", AblationResult.JsonFile)))!;
        Assert.Equal(["LearningRate=1e-3", "LearningRate=1e-4"], results["variants"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
        Assert.Equal(1e-4, JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "LearningRate=1e-4", "seed-0", "run.json")))!["config"]!["Optim"]!["LearningRate"]!.GetValue<double>());
        Assert.Contains("--vary: with --spec", Assert.Throws<ArgumentException>(() => AblateCommand.Run(["--spec", specFile, "--vary", "x:"])).Message);
    }

    [Fact]
    public void BadArgumentsAreRefusedNamingTheProblem()
    {
        using var dir = new TempFolder();
        string Refused(string args)
        {
            using var kit = new KitProcess($"{args} --out \"{dir.File("out")}\"");
            Assert.Equal(1, kit.Wait());
            return kit.Output;
        }
        Assert.Contains("unknown recipe 'stage9'; available: ", Refused("ablate --recipe stage9 --vary a:"));
        var typo = Refused("ablate --recipe stage1 --preset smoke --vary \"lr:Optim.LearnRate=1e-4\"");
        Assert.Contains("variant 'lr'", typo);
        Assert.Contains("unknown key 'LearnRate'", typo);
        Assert.Contains("nothing to ablate", Refused("ablate --recipe stage1 --preset smoke"));
        Assert.Contains("expected NAME:Key=Value", Refused("ablate --recipe stage1 --vary Optim.Gamma=0.5"));
        Assert.Contains("no such ablation spec", Refused($"ablate --spec \"{dir.File("missing.json")}\""));
        Assert.False(Directory.Exists(dir.File("out")));   // nothing ran
    }
}
