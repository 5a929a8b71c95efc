using DistillKit.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>
/// PMD's static student (METHODS.md §6), the trainable head on a frozen backbone's features: <c>adapt3</c> (residual
/// blocks with 5×5 convs on layer3) and <c>adapt4</c> (3×3 on layer4), <c>attention</c> (<see cref="CoChannelAttention"/>
/// on layer4: the source re-weighted, then the target with the re-weighted source), layer4 upsampled ×2, per-layer
/// correlation, fusion and kernel soft-argmax (<see cref="PmdCorrelation"/>). Inputs: <see cref="ResNetFeatures"/> of
/// source and target (<see cref="ISemanticMatcher"/>); output: per source cell the matched target position and the
/// flow, normalised as <see cref="CellGrid"/> says. Batch norm follows PyTorch (batch statistics in train mode; the
/// adaptation sees source and target as one 2B batch).
/// </summary>
public sealed class PmdStudent : nn.Module<ResNetFeatures, ResNetFeatures, SemanticMatches>, ISemanticMatcher
{
    public readonly Sequential adapt3, adapt4;
    public readonly CoChannelAttention attention;

    public PmdConfig Config { get; }
    public nn.Module AsModule => this;
    public void SetEval() => eval();

    /// <summary>A student with the config's widths, PyTorch's default initialisation drawn from <paramref name="seed"/>
    /// (<see cref="SeededInit.Apply"/>; batch norm weight 1, bias 0).</summary>
    public PmdStudent(PmdConfig config, long seed = 0) : base(nameof(PmdStudent))
    {
        config.Validate();
        Config = config;
        adapt3 = AdaptationBlock.Stack(config.Layer3Channels, config.Layer3Kernel, config.AdaptationBlocks);
        adapt4 = AdaptationBlock.Stack(config.Layer4Channels, config.Layer4Kernel, config.AdaptationBlocks);
        attention = new CoChannelAttention(config.Layer4Channels);
        RegisterComponents();
        SeededInit.Apply(this, seed);
    }

    public override SemanticMatches forward(ResNetFeatures source, ResNetFeatures target) => Match(source, target);

    public SemanticMatches Match(ResNetFeatures source, ResNetFeatures target)
    {
        PmdHead.CheckFeatures(Config, source, target, nameof(PmdStudent));
        using var scope = torch.NewDisposeScope();
        var (s3, t3, s4, t4) = PmdHead.Adapt(adapt3, adapt4, source, target);
        var (a4s, a4t) = attention.Apply(s4, t4);
        var matches = PmdCorrelation.Match(s3, t3, a4s, a4t, Config.KernelSigma, Config.Beta);
        return Moved(SemanticMatches.FromTargets(matches));
    }

    public (SemanticMatches sourceToTarget, SemanticMatches targetToSource) MatchBoth(ResNetFeatures source, ResNetFeatures target)
    {
        PmdHead.CheckFeatures(Config, source, target, nameof(PmdStudent));
        using var scope = torch.NewDisposeScope();
        var (s3, t3, s4, t4) = PmdHead.Adapt(adapt3, adapt4, source, target);
        var (fs, ft) = attention.Apply(s4, t4);
        var forward = SemanticMatches.FromTargets(PmdCorrelation.Match(s3, t3, fs, ft, Config.KernelSigma, Config.Beta));
        var (bt, bs) = attention.Apply(t4, s4);
        var backward = SemanticMatches.FromTargets(PmdCorrelation.Match(t3, s3, bt, bs, Config.KernelSigma, Config.Beta));
        return (Moved(forward), Moved(backward));
    }

    internal static SemanticMatches Moved(SemanticMatches m) => new(m.Target.MoveToOuterDisposeScope(), m.Flow.MoveToOuterDisposeScope());
}
