using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Training.Recipes;

namespace DistillKit.Training.Ablation;

/// <summary>How an ablation runs its trainings: where their step lines and warnings go, and where real datasets are.</summary>
public sealed record AblationOptions
{
    /// <summary>The trainer's progress lines of every run (default: none; the ablation's own events go to the progress callback).</summary>
    public TextWriter? TrainingProgress { get; init; }

    /// <summary>Warnings (a damaged checkpoint or record, a stale lock); default: standard error.</summary>
    public TextWriter? Warnings { get; init; } = Console.Error;

    public DataRoots Data { get; init; } = new();
}

/// <summary>
/// Runs an ablation (<see cref="AblationSpec"/>): every (variant, seed) one after another through the recipe registry,
/// each in <c>OUT/VARIANT/seed-S</c>, the same entry point as <c>./kit train</c>. Resumable: a run whose <c>run.json</c> says
/// completed with the config hash (<see cref="ConfigHash"/>) of the run asked for is reused, not run again; an interrupted
/// run continues from its newest checkpoint; a folder holding another config (the variant's settings changed) is
/// renamed aside (<c>seed-S.replaced-TIME</c>, never deleted) and the variant starts over. Every run's folder and record
/// stays in place; <c>ablation.json</c> (<see cref="AblationManifest"/>) records hashes and statuses, and
/// <c>results.json</c> / <c>results.csv</c> the summary (<see cref="AblationResult"/>).
/// </summary>
public static class AblationStudio
{
    /// <summary>
    /// Resolves every run's config first (a bad setting fails before any training, naming the variant and the key), then
    /// runs them in order. After the first finished run the metric paths are checked against its record (an unknown path
    /// fails listing the available ones); with none asked for, every number in that record is tabulated. Cancelling
    /// <paramref name="cancel"/> stops the current run after its step with a checkpoint and returns the partial result
    /// (<see cref="AblationResult.Completed"/> false); the same call again resumes.
    /// </summary>
    public static AblationResult Run(AblationSpec spec, string outDir, Action<AblationEvent>? progress = null, CancellationToken cancel = default, AblationOptions? options = null)
    {
        options ??= new AblationOptions();
        var variants = spec.Expand();
        var recipe = RecipeRegistry.Get(spec.Recipe);
        var plan = Plan(spec, recipe, variants, outDir);
        Directory.CreateDirectory(outDir);
        using var folderLock = RunLock.Acquire(outDir, options.Warnings);   // one ablation per folder
        var manifest = AblationManifest.Open(outDir, spec, options.Warnings);
        manifest.Write();
        IReadOnlyList<string>? metrics = null;   // resolved from the first finished run's record
        var runs = new List<AblationRun>();
        for (int i = 0; i < plan.Count; i++)
        {
            var p = plan[i];
            void Report(AblationEventKind kind, string message, LogEntry? log = null) =>
                progress?.Invoke(new AblationEvent(kind, i + 1, plan.Count, p.Variant, p.Seed, p.Dir, message) { Log = log });
            if (cancel.IsCancellationRequested)
            {
                runs.Add(new AblationRun(p.Variant, p.Seed, p.Dir, p.Hash, AblationRunStatus.NotRun));
                continue;
            }
            var run = RunOne(recipe, p, spec.Metrics, manifest, options, cancel, Report);
            runs.Add(run);
            if (run.Completed && metrics is null)
            {
                var recorded = run.Record!["metrics"];
                MetricPaths.Check(recorded, spec.Metrics, $"{spec.Recipe} ({Path.Combine(run.Dir, "run.json")})");
                metrics = spec.Metrics.Count > 0 ? spec.Metrics : MetricPaths.All(recorded).Where(m => !m.Contains("..")).ToList();
            }
        }
        var result = new AblationResult(spec, outDir, variants, metrics ?? spec.Metrics, runs);
        result.WriteFiles();
        return result;
    }

    /// <summary>A run to do: variant, seed, folder, resolved config and its hash.</summary>
    sealed record PlannedRun(string Variant, long Seed, string Dir, IRecipeConfig Config, string Hash);

    static List<PlannedRun> Plan(AblationSpec spec, IRecipe recipe, IReadOnlyList<AblationVariant> variants, string outDir)
    {
        var plan = new List<PlannedRun>();
        foreach (var v in variants)
        {
            var bySeed = new Dictionary<string, long>();
            foreach (var seed in spec.Seeds)
            {
                IRecipeConfig config;
                try
                {
                    config = recipe.Configure(spec.Preset, seed, spec.ConfigFile, [.. spec.Base, .. v.Settings], spec.Steps);
                }
                catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException)
                {
                    throw new ArgumentException($"ablation variant '{v.Name}' of {recipe.Name}: {e.Message}", e);
                }
                var hash = ConfigHash.Of(config);
                if (bySeed.TryGetValue(hash, out var other))
                    throw new ArgumentException($"ablation variant '{v.Name}': seeds {other} and {seed} give the same config (does a setting fix Run.Seed?)");
                bySeed[hash] = seed;
                plan.Add(new PlannedRun(v.Name, seed, Path.Combine(outDir, AblationSpec.FolderName(v.Name), $"seed-{seed}"), config, hash));
            }
        }
        return plan;
    }

    static AblationRun RunOne(IRecipe recipe, PlannedRun p, IReadOnlyList<string> metrics, AblationManifest manifest, AblationOptions options, CancellationToken cancel,
        Action<AblationEventKind, string, LogEntry?> report)
    {
        var record = ReadRecord(Path.Combine(p.Dir, "run.json"), options.Warnings);
        if (record is not null && IsCompleted(record) && ConfigHash.Of(record["config"]) == p.Hash)
        {
            var reused = new AblationRun(p.Variant, p.Seed, p.Dir, p.Hash, AblationRunStatus.Reused) { Record = record };
            report(AblationEventKind.Reused, $"reused (finished {record["finished_utc"]}, same config {p.Hash[..12]}){Summary(reused, metrics)}", null);
            manifest.Record(reused);
            return reused;
        }
        if (FolderHash(p.Dir, record, options.Warnings) is { } old && old != p.Hash)
        {
            var aside = SetAside(p.Dir);
            manifest.SetAside(p.Variant, p.Seed, p.Dir, aside, old);
            report(AblationEventKind.SetAside, $"its config changed ({old[..12]} -> {p.Hash[..12]}): the old run moved to {aside}; starting over", null);
        }
        long from = Checkpoint.List(Path.Combine(p.Dir, "checkpoints")).Select(c => c.step).DefaultIfEmpty(0).Max();
        long total = LossPhases.Total(p.Config.Phases);
        report(from > 0 ? AblationEventKind.Resumed : AblationEventKind.Started,
            from > 0 ? $"resuming at step {from}/{total} in {p.Dir}" : $"training {total} steps in {p.Dir}", null);
        var runOptions = new RunOptions
        {
            OutDir = p.Dir, Resume = true, Cancel = cancel, Progress = options.TrainingProgress, Warnings = options.Warnings, Data = options.Data,
            OnLog = e => report(AblationEventKind.Step, $"step {e.Step}/{total}  loss {e.Loss.ToString("G4", CultureInfo.InvariantCulture)}", e),
        };
        try
        {
            using (recipe.Train(p.Config, runOptions)) { }
        }
        catch (Exception e)
        {
            manifest.Record(new AblationRun(p.Variant, p.Seed, p.Dir, p.Hash, AblationRunStatus.Interrupted), error: e.Message);
            throw;
        }
        record = ReadRecord(Path.Combine(p.Dir, "run.json"), options.Warnings);
        var status = record is not null && IsCompleted(record) ? from > 0 ? AblationRunStatus.Resumed : AblationRunStatus.Trained : AblationRunStatus.Interrupted;
        var run = new AblationRun(p.Variant, p.Seed, p.Dir, p.Hash, status) { ResumedFromStep = from > 0 ? from : null, Record = record };
        report(status == AblationRunStatus.Interrupted ? AblationEventKind.Interrupted : AblationEventKind.Finished,
            status == AblationRunStatus.Interrupted ? $"interrupted at step {record?["steps"]}/{total}; the same call again resumes it" : $"finished{Summary(run, metrics)}", null);
        manifest.Record(run);
        return run;
    }

    static bool IsCompleted(JsonObject record) => record["completed"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>The asked-for metrics (else the first three the record has) for a run's progress line.</summary>
    static string Summary(AblationRun run, IReadOnlyList<string> metrics)
    {
        var paths = (metrics.Count > 0 ? metrics : MetricPaths.All(run.Record?["metrics"]).Where(m => !m.Contains("..")).Take(3)).ToList();
        var shown = paths.Select(m => run.Metric(m) is { } v ? $"{m} {v.ToString("G4", CultureInfo.InvariantCulture)}" : null).OfType<string>().ToList();
        return shown.Count == 0 ? "" : ": " + string.Join("  ", shown);
    }

    /// <summary>The hash of the config a run folder holds (its <c>config.json</c>, else its record's); null for a folder without one.</summary>
    static string? FolderHash(string dir, JsonObject? record, TextWriter? warnings)
    {
        var configFile = Path.Combine(dir, "config.json");
        if (File.Exists(configFile))
        {
            try { return ConfigHash.Of(JsonNode.Parse(File.ReadAllText(configFile))); }
            catch (JsonException e) { warnings?.WriteLine($"[ablation] warning: {configFile} is not valid JSON ({e.Message}); the folder is set aside"); return "unreadable-config"; }
        }
        return record?["config"] is { } config ? ConfigHash.Of(config) : null;
    }

    static JsonObject? ReadRecord(string path, TextWriter? warnings)
    {
        if (!File.Exists(path)) return null;
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (JsonException e)
        {
            warnings?.WriteLine($"[ablation] warning: run record {path} is not valid JSON ({e.Message}); the run is not reused");
            return null;
        }
    }

    /// <summary>Renames a run folder to <c>NAME.replaced-yyyyMMdd-HHmmss[-k]</c> beside it; returns the new path.</summary>
    static string SetAside(string dir)
    {
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var target = $"{dir}.replaced-{stamp}";
        for (int k = 2; Directory.Exists(target) || File.Exists(target); k++) target = $"{dir}.replaced-{stamp}-{k}";
        Directory.Move(dir, target);
        return target;
    }
}
