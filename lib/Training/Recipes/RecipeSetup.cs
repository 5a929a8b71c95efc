namespace DistillKit.Training.Recipes;

/// <summary>What a recipe hands the runner for one run: its modules, step function, evaluations and outputs.</summary>
public sealed class RecipeSetup
{
    /// <summary>The trained modules with their optimizers (saved together in every checkpoint).</summary>
    public required IReadOnlyList<TrainPart> Parts { get; init; }

    /// <summary>The loss of a step; randomness from (seed, step) only.</summary>
    public required Func<long, StepOutput> Step { get; init; }

    /// <summary>The held-out evaluation after training (the run record's metrics).</summary>
    public required Func<object> Evaluate { get; init; }

    /// <summary>Metrics by name during training (every <see cref="LoopSettings.EvaluateEvery"/> steps and at the end); optional.</summary>
    public Func<long, IReadOnlyDictionary<string, double>>? EvaluateDuring { get; init; }

    /// <summary>Called at the end of each epoch; optional.</summary>
    public Action<long>? OnEpochEnd { get; init; }

    /// <summary>Weight files written at the end: part name → file name in the run folder (e.g. model → teacher.safetensors).</summary>
    public IReadOnlyDictionary<string, string> Outputs { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// For outputs whose architecture is not the config's <c>Model</c> section: part name → that network's config,
    /// written into <see cref="Models.FlowModels.ModelConfigPath"/> beside the output so <c>FlowModels.Load</c> rebuilds it.
    /// </summary>
    public IReadOnlyDictionary<string, object> OutputModels { get; init; } = new Dictionary<string, object>();
}
