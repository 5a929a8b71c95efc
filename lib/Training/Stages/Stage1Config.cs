using DistillKit.Models.Pwc;
using DistillKit.Data.Synthetic;
using DistillKit.Data.Video;
using DistillKit.Models;
using DistillKit.Training.Recipes;
using DistillKit.Transforms;

namespace DistillKit.Training.Stages;

/// <summary>Where stage 1 draws its unlabelled training pairs.</summary>
public enum Stage1Source
{
    /// <summary>The embedded synthetic generator (<see cref="Stage1Data.Synthetic"/>); no download.</summary>
    Synthetic,

    /// <summary>FlyingChairs training split (data-scripts/get-flyingchairs.sh), random crops.</summary>
    FlyingChairs,

    /// <summary>KITTI 2015 multiview frames, evaluation frames 9–12 excluded (data-scripts/get-kitti2015.sh --multiview).</summary>
    Kitti2015Multiview,

    /// <summary>Real footage: consecutive frames of the videos or frame folders of the Footage dataset (a video file, a frame
    /// folder or a folder of them; <c>--video PATH</c> on the CLI; data-scripts/get-footage.sh prepares opencv-doc's
    /// videos), split in time into training and held-out frames (<see cref="Stage1Data.Footage"/>).</summary>
    Footage,
}

/// <summary>Stage 1's data section: the source, the synthetic generator, batch, crops, augmentation, held-out pairs.</summary>
public sealed record Stage1Data
{
    /// <summary>Training pairs: synthetic (default) or a real dataset, whose folder comes from <see cref="DataRoots"/>.</summary>
    public Stage1Source Source { get; init; } = Stage1Source.Synthetic;
    public SyntheticFlowConfig Synthetic { get; init; } = SyntheticFlowConfig.Mini;
    public int BatchSize { get; init; } = 4;

    /// <summary>Random crop of real frames (DDFlow: 320×896 on KITTI; 320×448 on FlyingChairs is this kit's unverified default).</summary>
    public int CropHeight { get; init; } = 320;
    public int CropWidth { get; init; } = 448;
    public PairAugment Augment { get; init; } = new();

    /// <summary>Held-out synthetic pairs for evaluation (drawn with a seed distinct from training).</summary>
    public int EvalPairs { get; init; } = 32;

    /// <summary>With a real <see cref="Source"/>, this many pairs of every batch are synthetic (from <see cref="Synthetic"/>,
    /// which must then be CropHeight×CropWidth) and the rest real crops; 0 = real pairs only. Ignored for synthetic sources.</summary>
    public int SyntheticPerBatch { get; init; }

    /// <summary>A curriculum: the first WarmupSteps steps draw every pair from <see cref="Warmup"/> (smooth procedural
    /// textures, small motions) whatever the source, so that a network from scratch leaves zero flow before it meets real
    /// textures and large motions (from scratch on those, ψ stays at its zero-flow value and the census phase then
    /// collapses onto flows that leave the image, where the occlusion mask hides every pixel). 0 = no warm-up.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>The warm-up pairs' distribution (any size; the model is fully convolutional).</summary>
    public SyntheticFlowConfig Warmup { get; init; } = SyntheticFlowConfig.Mini;

    /// <summary>How footage becomes pairs when <see cref="Source"/> is <see cref="Stage1Source.Footage"/>.</summary>
    public DistillKit.Data.Video.FootageOptions Footage { get; init; } = new();
}

/// <summary>
/// Stage 1, the unsupervised teacher (DDFlow recipe, METHODS.md section 3) as a recipe config. Loss terms (by name in
/// <see cref="LossPhase.Weights"/>): <c>psi</c> = ψ(I₁ − warp(I₂, w)) both directions, no occlusion handling;
/// <c>census</c> = census loss both directions masked by the forward-backward occlusion estimate. The presets run
/// phase A (psi) then phase B (census). Immutable; derive with <c>with</c> or <see cref="ConfigOverrides"/>.
/// </summary>
public sealed record Stage1Config : IRecipeConfig
{
    public RunSettings Run { get; init; } = new();
    public Stage1Data Data { get; init; } = new();
    public PwcNetConfig Model { get; init; } = PwcNetConfig.Mini;
    public IReadOnlyList<LossPhase> Phases { get; init; } = Stage1Recipe.DDFlowPhases(2500, 2500);
    public OptimConfig Optim { get; init; } = new();
    public LoopSettings Loop { get; init; } = new();

    [System.Text.Json.Serialization.JsonIgnore]
    public long TotalSteps => LossPhases.Total(Phases);
}
