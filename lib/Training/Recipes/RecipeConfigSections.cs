namespace DistillKit.Training.Recipes;

/// <summary>The "run" section of every recipe config: preset, seed, and the checkpoint to start from.</summary>
public sealed record RunSettings
{
    public Preset Preset { get; init; } = Preset.Mini;

    /// <summary>One seed drives everything: weights, batches, augmentation (each derived from (seed, step, index)).</summary>
    public long Seed { get; init; }

    /// <summary>Weights to start from (a previous stage's output or a checkpoint); null = random initialisation.</summary>
    public string? Init { get; init; }
}

/// <summary>The loop's cadence: logging, checkpoints, evaluation, epochs, wall-time limit.</summary>
public sealed record LoopSettings
{
    public long CheckpointEvery { get; init; } = 200;
    public long LogEvery { get; init; } = 10;
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Evaluate every this many steps (0 = at the end only).</summary>
    public long EvaluateEvery { get; init; }

    /// <summary>Steps per epoch for end-of-epoch hooks (0 = none).</summary>
    public long StepsPerEpoch { get; init; }

    /// <summary>Stop (resumably) after this much wall time; null = no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The trainer settings for a run of <paramref name="steps"/> steps.</summary>
    public TrainerConfig ToTrainer(long steps, OptimConfig optim) => new()
    {
        Steps = steps, CheckpointEvery = CheckpointEvery, LogEvery = LogEvery, KeepCheckpoints = KeepCheckpoints,
        EvaluateEvery = EvaluateEvery, StepsPerEpoch = StepsPerEpoch, TimeLimit = TimeLimit, Optim = optim,
    };
}

/// <summary>
/// What every recipe config has besides its own data, model and loss sections: the run section, the loss phases
/// (the run's length is derived from them) and the loop's cadence. Configs are immutable records, serialised to
/// JSON beside every checkpoint; they never hold machine paths of datasets (see <see cref="DataRoots"/>).
/// </summary>
public interface IRecipeConfig
{
    RunSettings Run { get; }
    IReadOnlyList<LossPhase> Phases { get; }
    LoopSettings Loop { get; }
}
