namespace DistillKit.Training;

/// <summary>The generic loop's settings: length, logging and checkpoint cadence. Immutable.</summary>
public sealed record TrainerConfig
{
    /// <summary>Total optimisation steps.</summary>
    public long Steps { get; init; } = 1000;

    /// <summary>Write a checkpoint every this many steps (and always at the end).</summary>
    public long CheckpointEvery { get; init; } = 200;

    /// <summary>Log losses (JSONL, progress line, callbacks) every this many steps.</summary>
    public long LogEvery { get; init; } = 10;

    /// <summary>Number of checkpoints kept on disk (the newest ones).</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Stop after this much wall time (resumable); null = no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    public OptimConfig Optim { get; init; } = new();
}
