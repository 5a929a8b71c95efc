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

    /// <summary>Call the evaluation hook every this many steps (and at the end); 0 = only at the end.</summary>
    public long EvaluateEvery { get; init; }

    /// <summary>Steps per epoch for the end-of-epoch hook (0 = no epochs).</summary>
    public long StepsPerEpoch { get; init; }

    /// <summary>The optimizer of a single-module run (<see cref="Trainer"/>'s one-module constructor); several modules
    /// carry their own in <see cref="TrainPart"/>.</summary>
    public OptimConfig Optim { get; init; } = new();
}
