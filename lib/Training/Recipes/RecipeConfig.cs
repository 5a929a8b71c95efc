namespace DistillKit.Training.Recipes;

/// <summary>The presets every stage runs under (DESIGN.md, Presets).</summary>
public enum Preset
{
    /// <summary>Seconds: tiny images and models; proves every path executes.</summary>
    Smoke,

    /// <summary>Minutes on 2 CPU cores with embedded synthetic data; the method's effect is visible.</summary>
    Mini,

    /// <summary>About 30 minutes per stage on 2 CPU cores with real footage mixed in.</summary>
    Laptop,

    /// <summary>The paper's architecture, resolution, schedule and datasets; meant for a GPU.</summary>
    Paper,
}

/// <summary>The "run" section of every recipe config: preset, seed, and the checkpoint to start from.</summary>
public sealed record RunSettings
{
    public Preset Preset { get; init; } = Preset.Mini;

    /// <summary>One seed drives everything: weights, batches, augmentation (each derived from (seed, step, index)).</summary>
    public long Seed { get; init; }

    /// <summary>Weights to start from (a previous stage's output or a checkpoint); null = random initialisation.</summary>
    public string? Init { get; init; }
}

/// <summary>
/// One phase of a recipe's loss schedule: <see cref="Steps"/> optimisation steps during which each loss term of
/// <see cref="Weights"/> (by the recipe's term names) enters the total with its weight (0 or absent = off).
/// </summary>
public sealed record LossPhase(string Name, long Steps, Dictionary<string, double> Weights)
{
    /// <summary>The weight of a term in this phase (0 when absent).</summary>
    public double Weight(string term) => Weights.GetValueOrDefault(term);
}

/// <summary>Loss phases in order; the run's length is their sum.</summary>
public static class LossPhases
{
    public static long Total(IReadOnlyList<LossPhase> phases) => phases.Sum(p => p.Steps);

    /// <summary>The phase of a 0-based step (the last phase after the end).</summary>
    public static (LossPhase phase, int index) At(IReadOnlyList<LossPhase> phases, long step)
    {
        if (phases.Count == 0) throw new ArgumentException("a recipe needs at least one loss phase");
        long end = 0;
        for (int i = 0; i < phases.Count; i++)
        {
            end += phases[i].Steps;
            if (step < end) return (phases[i], i);
        }
        return (phases[^1], phases.Count - 1);
    }

    /// <summary>The phases rescaled to <paramref name="totalSteps"/> in all, in proportion (each at least 1 step when it had any).</summary>
    public static IReadOnlyList<LossPhase> ScaleTo(IReadOnlyList<LossPhase> phases, long totalSteps)
    {
        long total = Total(phases), assigned = 0;
        var result = new List<LossPhase>();
        for (int i = 0; i < phases.Count; i++)
        {
            long steps = i == phases.Count - 1 ? totalSteps - assigned : Math.Max(phases[i].Steps > 0 ? 1 : 0, phases[i].Steps * totalSteps / Math.Max(1, total));
            steps = Math.Max(0, Math.Min(steps, totalSteps - assigned));
            result.Add(phases[i] with { Steps = steps });
            assigned += steps;
        }
        return result;
    }
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
