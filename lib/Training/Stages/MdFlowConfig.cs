using DistillKit.Data.Synthetic;
using DistillKit.Losses;
using DistillKit.Models.FastFlow;
using DistillKit.Models.Raft;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages;

/// <summary>MDFlow's two networks: the efficient teacher and the stronger student (METHODS.md section 2).</summary>
public sealed record MdFlowNetworks
{
    public FastFlowNetConfig Teacher { get; init; } = FastFlowNetConfig.Mini;
    public RaftConfig Student { get; init; } = RaftConfig.Mini;
    /// <summary>
    /// A teacher trained from scratch starts from <see cref="FastFlowNet.BilinearStart"/> (bilinear flow upsampling,
    /// predict convs × 0.1) rather than Kaiming-random everywhere; false gives the plain seeded draw.
    /// </summary>
    public bool TeacherBilinearStart { get; init; } = true;
}

/// <summary>
/// The augmentor A of MDFlow's supervision terms (ARFlow's augmentation regularisation; METHODS.md section 5), built from
/// the kit's joint transforms: a joint affine and a crop move pixels (the target flow and its mask move with them;
/// matches that leave the crop are hallucinated occlusions the target still covers), then superpixel noise and colour
/// changes corrupt what the trained network sees. Which transforms MDFlow uses is unverified: each is switchable.
/// </summary>
public sealed record MdFlowAugmentor
{
    public bool Affine { get; init; } = true;
    public JointAffine AffineRanges { get; init; } = new()
    {
        Global = new(0.1, 0.05, 0.95, 1.05, 1.0, 1.2),
        Relative = new(0.01, 0.01, 1.0, 1.0, 0.99, 1.01),
    };
    public bool Crop { get; init; } = true;
    public int CropHeight { get; init; } = 56;
    public int CropWidth { get; init; } = 112;
    public bool Superpixels { get; init; } = true;
    public SuperpixelNoise Noise { get; init; } = new();
    public bool Photometric { get; init; } = true;
    public Photometric PhotometricRanges { get; init; } = new();

    /// <summary>The transforms that move pixels (input, target flow and mask alike).</summary>
    public TransformPipeline Geometry() => new([.. Affine ? [AffineRanges] : Array.Empty<IJointTransform>(),
        .. Crop ? [new HallucinationCrop(CropHeight, CropWidth)] : Array.Empty<IJointTransform>()]);

    /// <summary>The transforms that corrupt only what the network sees.</summary>
    public TransformPipeline Corruption() => new([.. Superpixels ? [Noise] : Array.Empty<IJointTransform>(),
        .. Photometric ? [PhotometricRanges] : Array.Empty<IJointTransform>()]);
}

/// <summary>
/// MDFlow's loss settings (METHODS.md section 5; forms, weights and τ unverified in the paper, so all exposed).
/// Term names in <see cref="LossPhase.Weights"/>: <c>photometric</c> (ARFlow's L1/SSIM/ternary mix on (I1, I2), both
/// directions, masked by the network's own forward-backward occlusion), <c>smooth</c> (edge-aware smoothness of the
/// flow divided by min(H, W)), <c>ar</c> (the teacher's flow on A(I) against A(its own flow on I), masked by A(noc)),
/// <c>sup</c> (the trained network on A(I) against A(the other network's flow), masked by A(reliable mask) in the
/// forward step and A(noc_T) in the backward step).
/// </summary>
public sealed record MdFlowLosses
{
    public PhotometricWeights Photometric { get; init; } = PhotometricWeights.L1Ssim;
    /// <summary>1 or 2 (ARFlow uses second order on KITTI, first on Sintel).</summary>
    public int SmoothOrder { get; init; } = 2;
    /// <summary>Edge constant α of exp(−α·mean_c |∇I|).</summary>
    public double SmoothAlpha { get; init; } = 10;
    /// <summary>τ of the reliable-match mask: census distance (soft Hamming over the 7×7 window, in [0, 49)).</summary>
    public double Tau { get; init; } = 8;
    /// <summary>Weight decay γ of RAFT's sequence of predictions: iteration i of N counts γ^(N−i).</summary>
    public double SequenceGamma { get; init; } = 0.8;
    /// <summary>ε and q of the supervision form mean((|Δ| + ε)^q · m)/mean(m) (ARFlow, MDFlow: 0 and 1).</summary>
    public double SupEps { get; init; }
    public double SupQ { get; init; } = 1;
}

/// <summary>Checkpoints the steps hand on: the teacher after initialisation, the student after forward distillation.</summary>
public sealed record MdFlowInputs
{
    /// <summary>The teacher to start from (step 2 distils it; step 3 keeps training it).</summary>
    public string? Teacher { get; init; }
    /// <summary>The student whose flow teaches the teacher in step 3.</summary>
    public string? Student { get; init; }
}

/// <summary>
/// One config for MDFlow's three steps (<see cref="MdFlowTeacherInitRecipe"/>, <see cref="MdFlowForwardRecipe"/>,
/// <see cref="MdFlowBackwardRecipe"/>); each step reads the sections it needs. Immutable; derive with <c>with</c> or
/// <see cref="ConfigOverrides"/> (e.g. <c>--set Losses.Tau=6</c>).
/// </summary>
public sealed record MdFlowConfig : IRecipeConfig
{
    public RunSettings Run { get; init; } = new();
    /// <summary>
    /// Where the unlabelled pairs come from (the sources of stage 1: synthetic pairs, or real footage mixed with
    /// real-texture synthetic pairs under <c>laptop</c>; ground truth never trained on) and which synthetic pairs are
    /// held out. The default: the embedded generator at 64×128, a size FastFlowNet's 64-pixel multiple fits unpadded.
    /// </summary>
    public DistillData Data { get; init; } = new() { Synthetic = SyntheticFlowConfig.Mini with { Width = 128 } };
    public MdFlowNetworks Networks { get; init; } = new();
    public MdFlowInputs Inputs { get; init; } = new();
    public MdFlowAugmentor Augmentor { get; init; } = new();
    public MdFlowLosses Losses { get; init; } = new();
    public IReadOnlyList<LossPhase> Phases { get; init; } = [];
    public OptimConfig Optim { get; init; } = new();
    public LoopSettings Loop { get; init; } = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public long TotalSteps => LossPhases.Total(Phases);
}
