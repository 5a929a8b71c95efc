using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Training.Ablation;

/// <summary>How a run of an ablation came about in this call.</summary>
public enum AblationRunStatus
{
    /// <summary>Trained from step 0.</summary>
    Trained,
    /// <summary>Continued from an interrupted session's checkpoint (<see cref="AblationRun.ResumedFromStep"/>).</summary>
    Resumed,
    /// <summary>Found finished with the same config hash; not run again.</summary>
    Reused,
    /// <summary>Stopped before its last step (cancelled).</summary>
    Interrupted,
    /// <summary>Not reached (the ablation was cancelled before it).</summary>
    NotRun,
}

/// <summary>One (variant, seed) run: its folder, config hash, what happened, and its run record (<c>run.json</c>) when written.</summary>
public sealed record AblationRun(string Variant, long Seed, string Dir, string ConfigHash, AblationRunStatus Status)
{
    public long? ResumedFromStep { get; init; }
    public JsonObject? Record { get; init; }

    /// <summary>The run record says the training reached its last step.</summary>
    public bool Completed => Record?["completed"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>A metric of the run record by path (<see cref="MetricPaths"/>); null when missing.</summary>
    public double? Metric(string path) => MetricPaths.Get(Record?["metrics"], path);
}

/// <summary>A metric over the finished seeds of a variant: mean, sample standard deviation (n − 1; NaN for one value), n.</summary>
public sealed record MetricStats(double Mean, double Std, int N, IReadOnlyList<double> Values)
{
    public static MetricStats Of(IReadOnlyList<double> values)
    {
        int n = values.Count;
        double mean = n == 0 ? double.NaN : values.Average();
        double std = n < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        return new MetricStats(mean, std, n, values);
    }

    /// <summary>"mean ± std" (just the mean for one value, "–" for none) with a .NET number format.</summary>
    public string Format(string numberFormat = "0.####")
    {
        if (N == 0) return "–";
        var mean = Mean.ToString(numberFormat, CultureInfo.InvariantCulture);
        return N < 2 ? mean : $"{mean} ± {Std.ToString(numberFormat, CultureInfo.InvariantCulture)}";
    }
}

/// <summary>A variant's row: its settings, how many of its runs finished, and each metric over the finished seeds.</summary>
public sealed record VariantSummary(string Variant, IReadOnlyList<string> Settings, int Runs, int Finished, IReadOnlyDictionary<string, MetricStats> Metrics);

/// <summary>
/// What an ablation produced: its variants, the metric paths tabulated, every run (one per variant and seed, in run
/// order) and the summary (one row per variant; each metric's mean ± std over the seeds whose run finished).
/// <see cref="WriteFiles"/> writes <c>results.json</c> and <c>results.csv</c> into <see cref="OutDir"/>.
/// </summary>
public sealed class AblationResult(AblationSpec spec, string outDir, IReadOnlyList<AblationVariant> variants, IReadOnlyList<string> metrics, IReadOnlyList<AblationRun> runs)
{
    public AblationSpec Spec { get; } = spec;
    public string OutDir { get; } = outDir;
    public IReadOnlyList<AblationVariant> Variants { get; } = variants;
    public IReadOnlyList<string> Metrics { get; } = metrics;
    public IReadOnlyList<AblationRun> Runs { get; } = runs;

    /// <summary>Every run finished (false after a cancellation: the same call again resumes).</summary>
    public bool Completed => Runs.All(r => r.Completed);

    /// <summary>Runs found finished and not run again.</summary>
    public IReadOnlyList<AblationRun> Reused => Runs.Where(r => r.Status == AblationRunStatus.Reused).ToList();

    /// <summary>Runs trained in this call (from the start or resumed).</summary>
    public IReadOnlyList<AblationRun> Trained => Runs.Where(r => r.Status is AblationRunStatus.Trained or AblationRunStatus.Resumed).ToList();

    public IReadOnlyList<VariantSummary> Summary => Variants.Select(v =>
    {
        var mine = Runs.Where(r => r.Variant == v.Name).ToList();
        var done = mine.Where(r => r.Completed).ToList();
        var stats = Metrics.ToDictionary(m => m, m => MetricStats.Of(done.Select(r => r.Metric(m)).OfType<double>().ToList()));
        return new VariantSummary(v.Name, v.Settings, mine.Count, done.Count, stats);
    }).ToList();

    /// <summary>The summary of one variant by name.</summary>
    public VariantSummary this[string variant] => Summary.FirstOrDefault(s => s.Variant == variant)
        ?? throw new KeyNotFoundException($"no variant '{variant}'; variants: {string.Join(", ", Variants.Select(v => v.Name))}");

    public const string JsonFile = "results.json";
    public const string CsvFile = "results.csv";

    /// <summary>Writes <c>results.json</c> (spec, summary, every run's status, folder, hash and metrics) and <c>results.csv</c>
    /// (variant, settings, n, then mean and std of each metric), each replaced whole.</summary>
    public void WriteFiles()
    {
        Runtime.AtomicFile.WriteText(Path.Combine(OutDir, JsonFile), "the ablation results", ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Runtime.AtomicFile.WriteText(Path.Combine(OutDir, CsvFile), "the ablation results table", ToCsv());
    }

    public JsonObject ToJson()
    {
        static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        return new JsonObject
        {
            ["spec"] = JsonNode.Parse(Spec.ToJson()),
            ["completed"] = Completed,
            ["metrics"] = new JsonArray(Metrics.Select(m => (JsonNode?)m).ToArray()),
            ["variants"] = new JsonArray(Summary.Select(s => (JsonNode?)new JsonObject
            {
                ["name"] = s.Variant,
                ["settings"] = new JsonArray(s.Settings.Select(x => (JsonNode?)x).ToArray()),
                ["runs"] = s.Runs,
                ["finished"] = s.Finished,
                ["metrics"] = new JsonObject(s.Metrics.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
                {
                    ["mean"] = Num(kv.Value.Mean), ["std"] = Num(kv.Value.Std), ["n"] = kv.Value.N,
                    ["values"] = new JsonArray(kv.Value.Values.Select(Num).ToArray()),
                }))),
            }).ToArray()),
            ["runs"] = new JsonArray(Runs.Select(r => (JsonNode?)new JsonObject
            {
                ["variant"] = r.Variant, ["seed"] = r.Seed, ["dir"] = Path.GetRelativePath(OutDir, r.Dir), ["config_hash"] = r.ConfigHash,
                ["status"] = r.Status.ToString(), ["resumed_from_step"] = r.ResumedFromStep, ["completed"] = r.Completed,
                ["metrics"] = new JsonObject(Metrics.Select(m => KeyValuePair.Create(m, r.Metric(m) is { } v ? Num(v) : null))),
            }).ToArray()),
        };
    }

    /// <summary>One line per variant: variant, settings (joined by "; "), n, then <c>METRIC mean</c> and <c>METRIC std</c> per metric
    /// (invariant culture, round-trip precision, empty where undefined).</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder();
        var header = new List<string> { "variant", "settings", "n" };
        foreach (var m in Metrics) header.AddRange([m + " mean", m + " std"]);
        sb.AppendLine(string.Join(",", header.Select(Csv)));
        foreach (var s in Summary)
        {
            var cells = new List<string> { s.Variant, string.Join("; ", s.Settings), s.Finished.ToString(CultureInfo.InvariantCulture) };
            foreach (var m in Metrics) cells.AddRange([Number(s.Metrics[m].Mean), Number(s.Metrics[m].Std)]);
            sb.AppendLine(string.Join(",", cells.Select(Csv)));
        }
        return sb.ToString();
    }

    static string Number(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    static string Csv(string cell) => cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
}
