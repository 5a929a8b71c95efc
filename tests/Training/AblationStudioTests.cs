using System.Text.Json.Nodes;
using DistillKit.Tests.Support;
using DistillKit.Training.Ablation;
using DistillKit.Training.Recipes;
using DistillKit.Viz.Display;
using Plotly.NET;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>
/// Ablations of the smoke stage-1 recipe, a few steps per run: the table over seeds, resuming after an interruption
/// without re-running finished variants, a changed variant started over with its old folder set aside, metric errors.
/// </summary>
public class AblationStudioTests
{
    const string PsiOnly = "psi only";
    static readonly string[] PsiOnlySettings = ["Phases[1].Weights.psi=1", "Phases[1].Weights.census=0"];

    static AblationSpec Spec(long steps, params AblationVariant[] variants) => new()
    {
        Recipe = "stage1", Preset = Preset.Smoke, Steps = steps,
        Base = ["Data.EvalPairs=2", "Loop.LogEvery=1", "Loop.CheckpointEvery=2"],
        Variants = variants, Metrics = ["Model.EpeAll", "Occlusion.F1"],
    };

    static AblationOptions Quiet => new() { Warnings = null };

    static JsonObject Record(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!.AsObject();

    [Fact]
    public void TwoVariantsTimesTwoSeedsGiveOneRowPerVariantWithMeanAndStd()
    {
        using var dir = new TempFolder();
        var spec = Spec(4, new("ddflow", []), new(PsiOnly, PsiOnlySettings)) with { Seeds = [0, 1] };
        var events = new List<AblationEvent>();
        var result = AblationStudio.Run(spec, dir.Path, events.Add, options: Quiet);

        Assert.True(result.Completed);
        Assert.Equal([("ddflow", 0L), ("ddflow", 1L), (PsiOnly, 0L), (PsiOnly, 1L)], result.Runs.Select(r => (r.Variant, r.Seed)));
        Assert.All(result.Runs, r => Assert.Equal(AblationRunStatus.Trained, r.Status));
        Assert.Equal(4, events.Count(e => e.Kind == AblationEventKind.Finished));
        foreach (var variant in new[] { "ddflow", PsiOnly })
        {
            var values = new long[] { 0, 1 }.Select(s => Record(Path.Combine(dir.Path, AblationSpec.FolderName(variant), $"seed-{s}"))["metrics"]!["Model"]!["EpeAll"]!.GetValue<double>()).ToArray();
            Assert.NotEqual(values[0], values[1]);   // the seeds differ
            var stats = result[variant].Metrics["Model.EpeAll"];
            Assert.Equal((values[0] + values[1]) / 2, stats.Mean, 12);
            Assert.Equal(Math.Abs(values[0] - values[1]) / Math.Sqrt(2), stats.Std, 12);   // sample std of two values
            Assert.Equal(2, stats.N);
        }
        var table = result.Table();
        Assert.Equal(["ddflow", PsiOnly], table.Rows.Select(r => r.Name));
        Assert.Equal(["settings", "n", "Model.EpeAll", "Occlusion.F1"], table.Columns);
        Assert.Equal(result[PsiOnly].Metrics["Model.EpeAll"].Format(), table[PsiOnly, "Model.EpeAll"]);
        Assert.Contains(" ± ", (string)table["ddflow", "Occlusion.F1"]!);
        Assert.Equal(2, table["ddflow", "n"]);

        var csv = File.ReadAllLines(Path.Combine(dir.Path, AblationResult.CsvFile));
        Assert.Equal("variant,settings,n,Model.EpeAll mean,Model.EpeAll std,Occlusion.F1 mean,Occlusion.F1 std", csv[0]);
        Assert.StartsWith("psi only,Phases[1].Weights.psi=1; Phases[1].Weights.census=0,2,", csv[2]);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, AblationResult.JsonFile)))!;
        Assert.Equal(result["ddflow"].Metrics["Model.EpeAll"].Std, json["variants"]![0]!["metrics"]!["Model.EpeAll"]!["std"]!.GetValue<double>(), 12);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, AblationManifest.FileName)))!;
        foreach (var run in manifest["runs"]!.AsArray())   // the hash of each run is the hash of the config its record holds
            Assert.Equal(ConfigHash.Of(Record(Path.Combine(dir.Path, run!["dir"]!.GetValue<string>()))["config"]), run["config_hash"]!.GetValue<string>());

        var figure = GenericChart.toJson(result.Chart());
        Assert.Equal(2, figure.Split("\"error_y\":{\"type\":\"data\"").Length - 1);   // one bar trace with error bars per metric
        Assert.Contains("Occlusion.F1", figure);
    }

    [Fact]
    public void AnAblationInterruptedMidwayResumesWithoutReRunningFinishedVariants()
    {
        using var dir = new TempFolder();
        var spec = Spec(6, new("ddflow", []), new(PsiOnly, PsiOnlySettings), new("census only", ["Phases[0].Weights.psi=0", "Phases[0].Weights.census=1"]));
        using var cancel = new CancellationTokenSource();
        var first = AblationStudio.Run(spec, dir.Path, e =>
        {
            if (e.Kind == AblationEventKind.Step && e.Variant == PsiOnly && e.Log!.Step == 3) cancel.Cancel();   // midway through the second variant
        }, cancel.Token, Quiet);

        Assert.False(first.Completed);
        Assert.Equal([AblationRunStatus.Trained, AblationRunStatus.Interrupted, AblationRunStatus.NotRun], first.Runs.Select(r => r.Status));
        var finishedDir = first.Runs[0].Dir;
        var finishedRecord = File.ReadAllText(Path.Combine(finishedDir, "run.json"));
        var finishedTime = File.GetLastWriteTimeUtc(Path.Combine(finishedDir, "teacher.safetensors"));
        Assert.False(Record(first.Runs[1].Dir)["completed"]!.GetValue<bool>());
        Assert.False(Directory.Exists(first.Runs[2].Dir));
        Assert.Equal(1, first.Table()["ddflow", "n"]);   // the finished seed counts, the interrupted one does not
        Assert.Equal(0, first.Table()[PsiOnly, "n"]);

        var events = new List<AblationEvent>();
        var second = AblationStudio.Run(spec, dir.Path, events.Add, options: Quiet);
        Assert.True(second.Completed);
        Assert.Equal([AblationRunStatus.Reused, AblationRunStatus.Resumed, AblationRunStatus.Trained], second.Runs.Select(r => r.Status));
        Assert.Equal(3, second.Runs[1].ResumedFromStep);       // the checkpoint written when it was cancelled
        Assert.DoesNotContain(events, e => e.Variant == "ddflow" && e.Kind is AblationEventKind.Step or AblationEventKind.Started or AblationEventKind.Resumed);
        Assert.Equal([4L, 5, 6], events.Where(e => e.Variant == PsiOnly && e.Kind == AblationEventKind.Step).Select(e => e.Log!.Step));
        Assert.Equal(finishedRecord, File.ReadAllText(Path.Combine(finishedDir, "run.json")));   // the finished run's record and weights untouched
        Assert.Equal(finishedTime, File.GetLastWriteTimeUtc(Path.Combine(finishedDir, "teacher.safetensors")));
        Assert.Equal(["ddflow"], second.Reused.Select(r => r.Variant));
        Assert.All(second.Summary, s => Assert.Equal(1, s.Finished));
    }

    [Fact]
    public void ChangingOneVariantsSettingReRunsOnlyThatVariantAndSetsItsOldRunAside()
    {
        using var dir = new TempFolder();
        var spec = Spec(2, new("ddflow", []), new(PsiOnly, PsiOnlySettings));
        var first = AblationStudio.Run(spec, dir.Path, options: Quiet);
        var oldHash = first.Runs[1].ConfigHash;

        var changed = spec with { Variants = [spec.Variants[0], new(PsiOnly, ["Phases[1].Weights.psi=2", "Phases[1].Weights.census=0"])] };
        var events = new List<AblationEvent>();
        var second = AblationStudio.Run(changed, dir.Path, events.Add, options: Quiet);
        Assert.Equal([AblationRunStatus.Reused, AblationRunStatus.Trained], second.Runs.Select(r => r.Status));
        Assert.NotEqual(oldHash, second.Runs[1].ConfigHash);
        Assert.Equal(2.0, Record(second.Runs[1].Dir)["config"]!["Phases"]![1]!["Weights"]!["psi"]!.GetValue<double>());
        var aside = Assert.Single(Directory.GetDirectories(Path.Combine(dir.Path, "psi_only"), "seed-0.replaced-*"));
        Assert.Equal(oldHash, ConfigHash.Of(Record(aside)["config"]));   // the old run kept whole, not deleted
        Assert.Single(events, e => e.Kind == AblationEventKind.SetAside && e.Variant == PsiOnly);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, AblationManifest.FileName)))!;
        Assert.Equal(oldHash, manifest["set_aside"]![0]!["config_hash"]!.GetValue<string>());

        var third = AblationStudio.Run(changed, dir.Path, options: Quiet);   // nothing changed: everything reused
        Assert.All(third.Runs, r => Assert.Equal(AblationRunStatus.Reused, r.Status));
    }

    [Fact]
    public void BadSettingsFailBeforeAnyTrainingAndUnknownMetricsAfterTheFirstRunListingTheAvailableOnes()
    {
        using var dir = new TempFolder();
        var outDir = Path.Combine(dir.Path, "out");
        var bad = Spec(2, new("ok", []), new("typo", ["Optim.LearnRate=1e-4"]));
        var e = Assert.Throws<ArgumentException>(() => AblationStudio.Run(bad, outDir, options: Quiet));
        Assert.Contains("variant 'typo'", e.Message);
        Assert.Contains("LearnRate", e.Message);
        Assert.Contains("LearningRate", e.Message);   // what the config has there
        Assert.False(Directory.Exists(outDir));      // nothing ran
        var seeds = Spec(2, new AblationVariant("fixed", ["Run.Seed=5"])) with { Seeds = [0, 1] };
        Assert.Contains("seeds 0 and 1 give the same config", Assert.Throws<ArgumentException>(() => AblationStudio.Run(seeds, outDir, options: Quiet)).Message);

        var metric = Spec(2, new("ok", []), new(PsiOnly, PsiOnlySettings)) with { Metrics = ["Model.EpeAll", "Model.Epe"] };
        var m = Assert.Throws<ArgumentException>(() => AblationStudio.Run(metric, outDir, options: Quiet));
        Assert.Contains("'Model.Epe'", m.Message);
        Assert.Contains("available: Model.EpeAll, Model.EpeNoc", m.Message);
        Assert.False(Directory.Exists(Path.Combine(outDir, "psi_only")));   // stopped after the first run
        var fixedUp = AblationStudio.Run(metric with { Metrics = ["Model.EpeNoc"], Variants = [metric.Variants[0]] }, outDir, options: Quiet);
        Assert.Equal(AblationRunStatus.Reused, fixedUp.Runs.Single().Status);   // the run already done is not lost
    }
}
