using DistillKit.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>
/// A semantic matcher of PMD's family: a trainable head on the layer3 and layer4 features of a frozen backbone
/// (<see cref="PmdBackbone"/>). Features come in precomputed (a trainer may cache them; the backbone never trains):
/// layer3 [B,C3,h,w], layer4 [B,C4,h/2,w/2], source and target of one shape. Matches are source → target, per source
/// cell, normalised (<see cref="CellGrid"/>). The module holds the head only: its state dict has no backbone weights.
/// </summary>
public interface ISemanticMatcher : IDisposable
{
    /// <summary>The architecture.</summary>
    PmdConfig Config { get; }

    /// <summary>Source → target matches (the teacher: its deterministic mean mode, z = μ).</summary>
    SemanticMatches Match(ResNetFeatures source, ResNetFeatures target);

    /// <summary>(source → target, target → source) matches, the features adapted once.</summary>
    (SemanticMatches sourceToTarget, SemanticMatches targetToSource) MatchBoth(ResNetFeatures source, ResNetFeatures target);

    /// <summary>Switches to inference behaviour (as <c>Module.eval()</c>): batch norm uses its running statistics.</summary>
    void SetEval();

    /// <summary>The trainable head itself, for weights and parameters.</summary>
    nn.Module AsModule { get; }
}

/// <summary>Image-level matching: a frozen backbone's features, then a matcher's head.</summary>
public static class SemanticMatching
{
    /// <summary>Source → target matches of images [B,3,S,S] RGB in [0,1] (S a multiple of 32, PMD: the config's InputSize).</summary>
    public static SemanticMatches Match(PmdBackbone backbone, ISemanticMatcher matcher, Tensor source, Tensor target)
    {
        using var fs = backbone.Features(source);
        using var ft = backbone.Features(target);
        return matcher.Match(fs, ft);
    }
}
