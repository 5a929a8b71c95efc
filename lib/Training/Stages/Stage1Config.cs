using DistillKit.Data.Synthetic;
using DistillKit.Models;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages;

/// <summary>Which photometric loss a DDFlow phase uses.</summary>
public enum Stage1Loss
{
    /// <summary>Phase A: ψ robust photometric difference, no occlusion handling.</summary>
    PsiNoOcclusion,

    /// <summary>Phase B: census loss, masked by the forward-backward occlusion estimate.</summary>
    CensusOccluded,
}

/// <summary>
/// Stage 1, the unsupervised teacher (DDFlow recipe, METHODS.md section 3): phase A (ψ photometric without occlusion)
/// for <see cref="PhaseASteps"/>, then phase B (census with occlusion masking) for <see cref="PhaseBSteps"/>; both
/// directions; flips and channel permutation. Immutable; derive with <c>with</c>.
/// </summary>
public sealed record Stage1Config
{
    public string Preset { get; init; } = "mini";
    public long Seed { get; init; }
    public PwcNetConfig Model { get; init; } = PwcNetConfig.Mini;
    public SyntheticFlowConfig Data { get; init; } = SyntheticFlowConfig.Mini;
    public int BatchSize { get; init; } = 4;
    public long PhaseASteps { get; init; } = 100_000;
    public long PhaseBSteps { get; init; } = 300_000;
    public PairAugment Augment { get; init; } = new();
    public TrainerConfig Trainer { get; init; } = new();

    /// <summary>Held-out synthetic pairs for evaluation (drawn with a seed distinct from training).</summary>
    public int EvalPairs { get; init; } = 32;

    public long TotalSteps => PhaseASteps + PhaseBSteps;

    /// <summary>The loss of a step.</summary>
    public Stage1Loss LossAt(long step) => step < PhaseASteps ? Stage1Loss.PsiNoOcclusion : Stage1Loss.CensusOccluded;

    public static Stage1Config ForPreset(string preset, long seed = 0)
    {
        var trainer = new TrainerConfig { Optim = new OptimConfig { LearningRate = 1e-4, Schedule = ScheduleKind.Step, StepSize = 80_000, Gamma = 0.5 } };
        var config = preset switch
        {
            "smoke" => new Stage1Config
            {
                Model = PwcNetConfig.Smoke, Data = SyntheticFlowConfig.Smoke, BatchSize = 2, PhaseASteps = 4, PhaseBSteps = 4, EvalPairs = 4,
                Trainer = trainer with { CheckpointEvery = 4, LogEvery = 2, Optim = trainer.Optim with { LearningRate = 1e-3 } },
            },
            "mini" => new Stage1Config
            {
                Model = PwcNetConfig.Mini, Data = SyntheticFlowConfig.Mini, BatchSize = 4, PhaseASteps = 2500, PhaseBSteps = 2500, EvalPairs = 32,
                Trainer = trainer with
                {
                    CheckpointEvery = 500, LogEvery = 50,
                    Optim = trainer.Optim with { LearningRate = 1e-3, Schedule = ScheduleKind.MultiStep, Milestones = [2500, 4000], Gamma = 0.5, ClipNorm = 10 },
                },
            },
            "paper" => new Stage1Config
            {
                Model = PwcNetConfig.Paper, Data = SyntheticFlowConfig.Paper, BatchSize = 4, PhaseASteps = 100_000, PhaseBSteps = 300_000, EvalPairs = 64,
                Trainer = trainer with { CheckpointEvery = 5000, LogEvery = 100 },
            },
            _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
        };
        return config with { Preset = preset, Seed = seed, Trainer = config.Trainer with { Steps = config.TotalSteps } };
    }
}
