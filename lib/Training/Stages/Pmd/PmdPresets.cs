using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Models.Pmd;
using DistillKit.Training.Recipes;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>The settings the PMD recipes' presets share (DESIGN.md, Presets).</summary>
public static class PmdPresets
{
    /// <summary>Smoke: ResNet-18 at 64×64 (a 4×4 grid, K = 2), 8 training pairs, batches of 2, epochs of 2 steps.</summary>
    public static PmdData SmokeData { get; } = new()
    {
        Synthetic = SyntheticSemanticConfig.Smoke with { Height = 64, Width = 64, TrainPairs = 8, ValidationPairs = 4, TestPairs = 4 },
        BatchSize = 2,
        EvalBatchSize = 4,
    };

    /// <summary>Mini: the kit's ImageNet ResNet-18 at 128×128 (an 8×8 cell grid), K = 4 hypotheses.</summary>
    public static PmdConfig MiniModel { get; } = PmdConfig.Mini;

    /// <summary>Mini: every embedded synthetic category rendered at 128×128; 300 training pairs (keypoints unused),
    /// 48 validation pairs for selection and PSR, 200 held-out test pairs; batches of 8.</summary>
    public static PmdData MiniData { get; } = new()
    {
        Synthetic = SyntheticSemanticConfig.Mini with { Height = 128, Width = 128, TrainPairs = 300, ValidationPairs = 48, TestPairs = 200 },
        BatchSize = 8,
        EvalBatchSize = 16,
    };

    public const long MiniTeacherSteps = 300, MiniStudentSteps = 300;
    public const double MiniTeacherLearningRate = 1e-4, MiniStudentLearningRate = 1e-4;

    /// <summary>Mini teacher: an epoch is the 600 training images in batches of 8 (75 steps); a validation after each.</summary>
    public static LoopSettings MiniTeacherLoop { get; } = new() { CheckpointEvery = 75, LogEvery = 15, EvaluateEvery = 75, StepsPerEpoch = 75 };

    /// <summary>Mini student: an epoch is the 300 training pairs in batches of 8 (38 steps); a validation after each
    /// (model selection and PSR updates).</summary>
    public static LoopSettings MiniStudentLoop { get; } = new() { CheckpointEvery = 38, LogEvery = 19, EvaluateEvery = 38, StepsPerEpoch = 38 };

    /// <summary>Laptop: mini's network (the kit's ImageNet ResNet-18 at 128×128, an 8×8 cell grid, K = 4 hypotheses). At
    /// 192×192 a teacher step took 4.3 s on one core beside another training, too slow for a laptop run.</summary>
    public static PmdConfig LaptopModel { get; } = PmdConfig.Mini;

    /// <summary>Laptop: real footage (data/Footage, opencv-doc's three videos, or one's own): training pairs of frames 8
    /// and 16 apart, unlabelled; validation and test on the held-out frames under random warps (DenseMatching's affine,
    /// homography and TPS ranges) with the keypoints they carry; batches of 8.</summary>
    public static PmdData LaptopData { get; } = new() { Source = PmdDataSource.Footage, BatchSize = 8, EvalBatchSize = 16 };

    public const long LaptopTeacherSteps = 300, LaptopStudentSteps = 300;

    /// <summary>Laptop: a checkpoint and a validation every 100 steps (an "epoch" for PSR's updates).</summary>
    public static LoopSettings LaptopLoop { get; } = new() { CheckpointEvery = 100, LogEvery = 20, EvaluateEvery = 100, StepsPerEpoch = 100 };

    /// <summary>Paper: PF-PASCAL's training file lists 2,940 pairs (WeakAlign's split, unverified here): 184 batches of 16.</summary>
    public const long PaperStepsPerEpoch = 184;

    /// <summary>Paper: 100 epochs, the learning rate ×0.2 at epoch 60.</summary>
    public const long PaperEpochs = 100, PaperDropEpoch = 60;

    /// <summary>Paper: ResNet-101 at 320×320 on PF-PASCAL, batches of 16, features cached on disk.</summary>
    public static PmdData PaperData { get; } = new()
    {
        Source = PmdDataSource.PfPascal,
        Synthetic = SyntheticSemanticConfig.Paper,
        BatchSize = 16,
        EvalBatchSize = 16,
        FeatureCache = FeatureCacheMode.Disk,
    };

    /// <summary>Paper: Adam 3e-5, ×0.2 at epoch 60.</summary>
    public static OptimConfig PaperOptim { get; } = new()
    {
        LearningRate = 3e-5, Schedule = ScheduleKind.MultiStep, Milestones = [PaperDropEpoch * PaperStepsPerEpoch], Gamma = 0.2,
    };

    /// <summary>Paper: a checkpoint and a validation (PF-PASCAL val, 308 pairs) after every epoch.</summary>
    public static LoopSettings PaperLoop { get; } = new()
    {
        CheckpointEvery = PaperStepsPerEpoch, LogEvery = 20, EvaluateEvery = PaperStepsPerEpoch, StepsPerEpoch = PaperStepsPerEpoch,
    };
}
