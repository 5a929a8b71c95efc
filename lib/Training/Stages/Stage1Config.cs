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

/// <summary>Where stage 1 draws its unlabelled training pairs.</summary>
public enum Stage1Data
{
    /// <summary>The embedded synthetic generator (<see cref="Stage1Config.Data"/>); no download.</summary>
    Synthetic,

    /// <summary>FlyingChairs training split (data-scripts/get-flyingchairs.sh), random crops.</summary>
    FlyingChairs,

    /// <summary>KITTI 2015 multiview frames, evaluation frames 9–12 excluded (data-scripts/get-kitti2015.sh --multiview).</summary>
    Kitti2015Multiview,
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

    /// <summary>Training pairs: synthetic (default) or a real dataset under <see cref="DatasetRoot"/>.</summary>
    public Stage1Data TrainingData { get; init; } = Stage1Data.Synthetic;

    /// <summary>Root folder of the real dataset (as the data-script wrote it); null for synthetic data.</summary>
    public string? DatasetRoot { get; init; }

    /// <summary>Teacher weights to start from (DDFlow starts KITTI training from the FlyingChairs model); null = random init.</summary>
    public string? InitCheckpoint { get; init; }

    /// <summary>Random crop of real frames (DDFlow: 320×896 on KITTI; 320×448 on FlyingChairs is this kit's unverified default).</summary>
    public int CropHeight { get; init; } = 320;
    public int CropWidth { get; init; } = 448;
    public TrainerConfig Trainer { get; init; } = new();

    /// <summary>Held-out synthetic pairs for evaluation (drawn with a seed distinct from training).</summary>
    public int EvalPairs { get; init; } = 32;

    public long TotalSteps => PhaseASteps + PhaseBSteps;

    /// <summary>The loss of a step.</summary>
    public Stage1Loss LossAt(long step) => step < PhaseASteps ? Stage1Loss.PsiNoOcclusion : Stage1Loss.CensusOccluded;

    /// <summary>
    /// The preset's config. <c>paper</c> trains on FlyingChairs (DDFlow's first stage; pass the dataset root, or
    /// derive <c>with { TrainingData = Stage1Data.Synthetic }</c> to try it without data); smoke and mini use synthetic pairs.
    /// </summary>
    public static Stage1Config ForPreset(string preset, long seed = 0, string? datasetRoot = null)
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
                TrainingData = Stage1Data.FlyingChairs,
                Trainer = trainer with { CheckpointEvery = 5000, LogEvery = 100 },
            },
            _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
        };
        return config with { Preset = preset, Seed = seed, DatasetRoot = datasetRoot, Trainer = config.Trainer with { Steps = config.TotalSteps } };
    }
}
