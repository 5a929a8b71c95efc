using DistillKit.Data.Synthetic;
using DistillKit.Losses;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages;

/// <summary>
/// Where a distillation stage's unlabelled training pairs come from (DistillFlow's student: the teacher sees them whole,
/// the student transformed; MDFlow's three steps): the same sources as stage 1 (<see cref="Stage1Data"/>, without its
/// warm-up), their ground truth never trained on.
/// </summary>
public sealed record DistillData
{
    /// <summary>Synthetic pairs (default) or a real dataset (<see cref="Stage1Source"/>), whose folder comes from <see cref="DataRoots"/>.</summary>
    public Stage1Source Source { get; init; } = Stage1Source.Synthetic;
    public SyntheticFlowConfig Synthetic { get; init; } = SyntheticFlowConfig.Mini;
    public int BatchSize { get; init; } = 4;
    /// <summary>Random crop of real frames (what the teacher sees; the challenge crop then cuts the student's input from it).</summary>
    public int CropHeight { get; init; } = 320;
    public int CropWidth { get; init; } = 448;
    /// <summary>With a real <see cref="Source"/>, this many pairs of every batch are synthetic (<see cref="Synthetic"/>,
    /// CropHeight×CropWidth), the rest real crops; 0 = real pairs only.</summary>
    public int SyntheticPerBatch { get; init; }
    /// <summary>How footage becomes pairs when <see cref="Source"/> is <see cref="Stage1Source.Footage"/>.</summary>
    public DistillKit.Data.Video.FootageOptions Footage { get; init; } = new();
    /// <summary>Flips and channel permutation of the whole batch before the teacher sees it.</summary>
    public PairAugment Augment { get; init; } = new();
    /// <summary>Held-out synthetic pairs (seed + <see cref="Stage1Recipe.EvalSeedOffset"/>: the same pairs as stage 1's evaluation).</summary>
    public int EvalPairs { get; init; } = 32;
    /// <summary>The first this many steps draw whole batches of <see cref="Warmup"/> pairs instead (as stage 1's
    /// <see cref="Stage1Data.WarmupSteps"/>; MDFlow's laptop teacher uses it, 0 elsewhere).</summary>
    public long WarmupSteps { get; init; }
    public SyntheticFlowConfig Warmup { get; init; } = SyntheticFlowConfig.Mini;

    /// <summary>The sources, crops, batch and held-out pairs of a stage-1 data section (its warm-up left out).</summary>
    public static DistillData From(Stage1Data d) => new()
    {
        Source = d.Source, Synthetic = d.Synthetic, BatchSize = d.BatchSize, CropHeight = d.CropHeight, CropWidth = d.CropWidth,
        SyntheticPerBatch = d.SyntheticPerBatch, Footage = d.Footage, Augment = d.Augment, EvalPairs = d.EvalPairs,
    };

    /// <summary>Stage 1's data section with these sources (and warm-up): the batches and held-out pairs come from there.</summary>
    public Stage1Data AsStage1() => new()
    {
        Source = Source, Synthetic = Synthetic, BatchSize = BatchSize, CropHeight = CropHeight, CropWidth = CropWidth,
        SyntheticPerBatch = SyntheticPerBatch, Footage = Footage, Augment = Augment, EvalPairs = EvalPairs,
        WarmupSteps = WarmupSteps, Warmup = Warmup,
    };
}

/// <summary>
/// The challenging transformations of the student's input (METHODS.md section 4), each switchable for ablations.
/// Geometry (affine, then crop) applies to the clean target as well; superpixel noise and photometric changes touch
/// only what the student sees (its census loss reads the clean, geometrically transformed frames).
/// </summary>
public sealed record ChallengeSettings
{
    public bool Affine { get; init; }
    public JointAffine AffineRanges { get; init; } = new();
    public bool Crop { get; init; } = true;
    public int CropHeight { get; init; } = 48;
    public int CropWidth { get; init; } = 80;
    public bool Superpixels { get; init; } = true;
    public SuperpixelNoise Noise { get; init; } = new();
    public bool Photometric { get; init; }
    public Photometric PhotometricRanges { get; init; } = new();

    /// <summary>The transformations that move pixels (applied to targets and input alike).</summary>
    public TransformPipeline Geometry() => new([.. Affine ? [AffineRanges] : Array.Empty<IJointTransform>(),
        .. Crop ? [new HallucinationCrop(CropHeight, CropWidth)] : Array.Empty<IJointTransform>()]);

    /// <summary>The transformations that corrupt what the student sees.</summary>
    public TransformPipeline Corruption() => new([.. Superpixels ? [Noise] : Array.Empty<IJointTransform>(),
        .. Photometric ? [PhotometricRanges] : Array.Empty<IJointTransform>()]);
}

/// <summary>The teachers and how their predictions supervise the student.</summary>
public sealed record TeacherSettings
{
    /// <summary>Teacher weight files (stage-1 outputs, config.json beside each). With several, flows are averaged and a
    /// pixel is confident only where every teacher is (unverified in DistillFlow).</summary>
    public IReadOnlyList<string> Checkpoints { get; init; } = [];
    /// <summary>Confidence form of the confidence view (binary forward-backward by default; soft = UFlow's).</summary>
    public ConfidenceKind Confidence { get; init; } = ConfidenceKind.Binary;
    /// <summary>Start the student from the (first) teacher's weights; otherwise from the run seed.</summary>
    public bool StudentFromTeacher { get; init; } = true;
}

/// <summary>
/// DistillFlow's student (METHODS.md sections 4–5) as a recipe config. Loss terms by name in <see cref="LossPhase.Weights"/>:
/// <c>census</c> = census loss of the student on the clean transformed frames, masked by its own forward-backward
/// occlusion; <c>occlusion</c> = the occlusion view L_o (teacher flow where the student is occluded and the teacher is
/// not); <c>confidence</c> = the confidence view (teacher flow where the teacher is confident and the student is not).
/// </summary>
public sealed record DistillFlowStudentConfig : IRecipeConfig
{
    public RunSettings Run { get; init; } = new();
    public DistillData Data { get; init; } = new();
    public TeacherSettings Teacher { get; init; } = new();
    public ChallengeSettings Challenge { get; init; } = new();
    public IReadOnlyList<LossPhase> Phases { get; init; } = DistillFlowStudentRecipe.DistillPhases(3000);
    public OptimConfig Optim { get; init; } = new();
    public LoopSettings Loop { get; init; } = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public long TotalSteps => LossPhases.Total(Phases);
}
