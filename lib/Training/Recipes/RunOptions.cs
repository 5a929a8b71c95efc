using static TorchSharp.torch.nn;

namespace DistillKit.Training.Recipes;

/// <summary>How the runner runs a recipe: output folder, resume, callbacks, dataset roots.</summary>
public sealed record RunOptions
{
    public required string OutDir { get; init; }

    /// <summary>Resume from the newest checkpoint in <see cref="OutDir"/> (default); false starts afresh and deletes old checkpoints.</summary>
    public bool Resume { get; init; } = true;

    public Action<LogEntry>? OnLog { get; init; }
    public Action<EvalEntry>? OnEvaluate { get; init; }

    /// <summary>Progress lines (default: standard error); null silences them.</summary>
    public TextWriter? Progress { get; init; } = Console.Error;

    /// <summary>Warnings (a damaged checkpoint set aside, a stale lock taken over); default: standard error.</summary>
    public TextWriter? Warnings { get; init; } = Console.Error;

    /// <summary>Where real datasets are; default: environment and the local settings file.</summary>
    public DataRoots Data { get; init; } = new();

    /// <summary>Record a digest of every step's batch in the log (for determinism checks).</summary>
    public bool TraceBatches { get; init; }

    /// <summary>Stops the run after the current step (a checkpoint is written, the run record says not completed);
    /// the same call again resumes from there.</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>The result of a run: the trained modules by part name, the loop's result and the evaluation.</summary>
public sealed record RecipeRun(string Recipe, string OutDir, IReadOnlyDictionary<string, Module> Models, TrainResult Result, object Evaluation) : IDisposable
{
    public void Dispose()
    {
        foreach (var m in Models.Values) m.Dispose();
    }
}
