using DistillKit.Models.Pwc;
using DistillKit.Data.Synthetic;
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
