using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Video;
using DistillKit.Losses;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>Where a PMD run's pairs come from.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PmdDataSource>))]
public enum PmdDataSource
{
    /// <summary>The embedded synthetic categories (<see cref="SyntheticSemanticGenerator"/>): train, validation and test
    /// splits from disjoint random streams.</summary>
    Synthetic,

    /// <summary>PF-PASCAL's train / val / test pair files (<c>--data PfPascal=DIR</c>); α_img PCK after the 320×320 resize.</summary>
    PfPascal,

    /// <summary>Real footage (<c>--data Footage=FILE_OR_DIR</c>, default data/Footage from data-scripts/get-footage.sh):
    /// unlabelled training pairs of frames far apart in a clip (<see cref="PmdData.Footage"/>'s gaps), and held-out frames
    /// (the last part of every clip) under a random warp with keypoints it carries exactly, for validation and test
    /// (<see cref="PmdPairs.Footage"/>).</summary>
    Footage,
}

/// <summary>
/// A PMD run's data: the pairs (training pairs are read without their keypoints: PMD is self-supervised; keypoints serve
/// the validation and test PCK only), the batch, and the frozen backbone's feature cache.
/// </summary>
public sealed record PmdData
{
    public PmdDataSource Source { get; init; } = PmdDataSource.Synthetic;

    /// <summary>The synthetic pairs; its TrainPairs, ValidationPairs and TestPairs are the sizes of the three splits.</summary>
    public SyntheticSemanticConfig Synthetic { get; init; } = SyntheticSemanticConfig.Mini;

    public int BatchSize { get; init; } = 8;

    /// <summary>Validation pairs evaluated after each epoch (0 = the whole split).</summary>
    public int ValidationPairs { get; init; }

    /// <summary>Test pairs of the held-out evaluation (0 = the whole split).</summary>
    public int TestPairs { get; init; }

    /// <summary>Pairs per forward pass in evaluations.</summary>
    public int EvalBatchSize { get; init; } = 16;

    /// <summary>
    /// Caching of the frozen backbone's features of unchanged images (and, in the student, of the teacher's outputs on the
    /// clean training pairs, which depend only on them): <see cref="FeatureCacheMode.None"/> recomputes everything every step.
    /// </summary>
    public FeatureCacheMode FeatureCache { get; init; } = FeatureCacheMode.Memory;

    /// <summary>The <see cref="PmdDataSource.Footage"/> source's frames and pairs: frames far apart (default gaps 8 and 16,
    /// a pair every 2 frames), the last 15% of every clip held out.</summary>
    public FootageOptions Footage { get; init; } = new() { FrameGaps = [8, 16], PairEvery = 2 };

    /// <summary>The <see cref="PmdDataSource.Footage"/> source's held-out warps (validation and test): a kind uniform over
    /// these, in <see cref="HeldOutWarpRanges"/>.</summary>
    public IReadOnlyList<WarpKind> HeldOutWarps { get; init; } = [WarpKind.Affine, WarpKind.Homography, WarpKind.Tps];

    public SyntheticWarpRanges HeldOutWarpRanges { get; init; } = SyntheticWarpRanges.DenseMatching;
}

/// <summary>The frozen backbone's weights.</summary>
public sealed record PmdBackboneSettings
{
    /// <summary>ImageNet weights: the kit's ResNet-18 conversion (<see cref="ResNet18ImageNet.WeightsFileInRepo"/>, made from the
    /// NuGet package when absent) or TorchVision's ResNet-101 <c>.pth</c> (<see cref="DefaultResNet101"/>); null = that default.
    /// A relative path is looked up from the current folder, then from the folders above the kit's binaries.</summary>
    public string? Weights { get; init; }

    /// <summary>False: a seeded random backbone, for tests of the path only (its features mean nothing).</summary>
    public bool Pretrained { get; init; } = true;

    /// <summary>TorchVision's ImageNet ResNet-101 (V1 weights, as PMD used), where data-scripts would put it.</summary>
    public const string DefaultResNet101 = "build/weights/resnet101-63fe2227.pth";

    /// <summary>The backbone of <paramref name="model"/> with these weights.</summary>
    public PmdBackbone Create(PmdConfig model, long seed)
    {
        if (!Pretrained) return PmdBackbone.Untrained(model, seed);
        var path = Weights ?? (model.Backbone == PmdBackboneKind.ResNet18ImageNet ? ResNet18ImageNet.WeightsFileInRepo : DefaultResNet101);
        return PmdBackbone.Pretrained(model, Locate(path));
    }

    /// <summary>An absolute path as it is; a relative one from the current folder when it exists there, else from the first
    /// folder above the kit's binaries that has it, else from the current folder (ResNet-18 is then converted there).</summary>
    public static string Locate(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path)) return path;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, path))) return Path.Combine(d.FullName, path);
        return path;
    }
}

/// <summary>Model selection on the validation split (METHODS.md §6: select on val, never on test).</summary>
public sealed record PmdSelection
{
    /// <summary>The output is the weights of the evaluation with the best validation PCK at <see cref="Alpha"/>
    /// (evaluations every <see cref="LoopSettings.EvaluateEvery"/> steps and at the end); false: the last weights.</summary>
    public bool BestValidation { get; init; } = true;

    public double Alpha { get; init; } = 0.1;
}

/// <summary>The teacher's synthetic warps of single images (METHODS.md §6).</summary>
public sealed record PmdTeacherWarps
{
    /// <summary>Warp families drawn from (PMD: θ = I + N(0, 0.15²), <see cref="WarpKind.GaussianAffine"/>).</summary>
    public IReadOnlyList<WarpKind> Kinds { get; init; } = [WarpKind.GaussianAffine];

    public SyntheticWarpRanges Ranges { get; init; } = SyntheticWarpRanges.DenseMatching;

    /// <summary>Colour jitter of the warped image (brightness, contrast, saturation 1 ± this, hue ± this of a turn; the
    /// clean image is left as it is so that its features can be cached).</summary>
    public double ColourJitter { get; init; } = 0.1;
}

/// <summary>Keypoint supervision of the teacher (<see cref="PmdKeypointLoss"/>; the <c>keypoints</c> loss term).</summary>
public sealed record PmdKeypointSupervision
{
    /// <summary>β of softmax(β · correlation) (DenseMatching: 50).</summary>
    public double Beta { get; init; } = PmdKeypointLoss.DefaultBeta;

    /// <summary>σ of the Gaussian-blurred one-hot at the annotated match, in cells.</summary>
    public double Sigma { get; init; } = PmdKeypointLoss.DefaultSigma;
}

/// <summary>
/// PMD's probabilistic teacher as a recipe config (<see cref="PmdTeacherRecipe"/>). Loss terms in <see cref="LossPhase.Weights"/>:
/// <c>flow</c> (<see cref="PmdTeacherLoss.FlowRegression"/> of the K hypotheses against the warp's exact flow), <c>kl</c>
/// (<see cref="PmdTeacherLoss.PriorKl"/>); the form is the kit's default, unverified in PMD) and <c>keypoints</c>
/// (<see cref="PmdKeypointLoss"/> on annotated training pairs: the keypoint-supervised extension,
/// <see cref="PmdTeacherKeypointsRecipe"/>). A term of weight 0 costs nothing: without <c>flow</c> no image is warped.
/// </summary>
public sealed record PmdTeacherConfig : IRecipeConfig
{
    public RunSettings Run { get; init; } = new();
    public PmdConfig Model { get; init; } = PmdConfig.Mini;
    public PmdBackboneSettings Backbone { get; init; } = new();
    public PmdData Data { get; init; } = new();
    public PmdTeacherWarps Warps { get; init; } = new();
    public PmdKeypointSupervision Keypoints { get; init; } = new();
    public PmdSelection Selection { get; init; } = new();
    public IReadOnlyList<LossPhase> Phases { get; init; } = PmdTeacherRecipe.TeacherPhases(1000);
    public OptimConfig Optim { get; init; } = new();
    public LoopSettings Loop { get; init; } = new();
}

/// <summary>The teacher a student learns from.</summary>
public sealed record PmdStudentTeacher
{
    /// <summary>The teacher's matcher file (<c>pmd-teacher</c>'s <c>teacher.safetensors</c>).</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Start the student from the teacher's weights (every student key is a teacher key); false: from the run seed.</summary>
    public bool StudentFromTeacher { get; init; } = true;

    /// <summary>The teacher's mean-mode matches in place of its K hypotheses (an ablation: no distribution to distil).</summary>
    public bool MeanModeOnly { get; init; }
}

/// <summary>
/// The student's distillation switches (METHODS.md §6). PSR weighs each hypothesis per cell and component by
/// exp(−(F_l − F_s)²/(2v)) (or "as coded", 2v²), v a per-pair variance updated after each epoch whose validation PCK
/// improved; CAL weighs each hypothesis's cells by its cycle consistency. Off, each weight is 1.
/// </summary>
public sealed record PmdStudentLosses
{
    public bool Psr { get; init; } = true;
    public PsrVarianceForm PsrForm { get; init; } = PsrVarianceForm.Gaussian;
    public double PsrRate { get; init; } = PmdPsr.DefaultRate;
    public bool Cal { get; init; } = true;
    public double CycleThreshold { get; init; } = PmdCycleWeight.Threshold;
    public double CycleSteepness { get; init; } = PmdCycleWeight.Steepness;

    /// <summary>Leave out the cells whose carried pseudo-label (the mean hypothesis) ends outside the augmented target.</summary>
    public bool TargetInBounds { get; init; } = true;
}

/// <summary>
/// PMD's student as a recipe config (<see cref="PmdStudentRecipe"/>). Loss terms in <see cref="LossPhase.Weights"/>:
/// <c>distill</c> (the factor a of <see cref="PmdCal"/>: Σ_l Σ_p c_l·w_l·‖F_s − F_l‖² / N, PMD: 16) and <c>smooth</c>
/// (<see cref="PmdCal.Smooth"/>, PMD: 0.5).
/// </summary>
public sealed record PmdStudentConfig : IRecipeConfig
{
    public RunSettings Run { get; init; } = new();

    /// <summary>The student's architecture: the teacher's (checked at the start).</summary>
    public PmdConfig Model { get; init; } = PmdConfig.Mini;
    public PmdBackboneSettings Backbone { get; init; } = new();
    public PmdData Data { get; init; } = new();
    public PmdStudentTeacher Teacher { get; init; } = new();
    public PmdAugmentation Augment { get; init; } = new();
    public PmdStudentLosses Losses { get; init; } = new();
    public PmdSelection Selection { get; init; } = new();
    public IReadOnlyList<LossPhase> Phases { get; init; } = PmdStudentRecipe.StudentPhases(1000);
    public OptimConfig Optim { get; init; } = new();
    public LoopSettings Loop { get; init; } = new();
}
