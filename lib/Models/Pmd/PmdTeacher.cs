using DistillKit.Models.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>
/// K hypotheses of one direction (source → target) from the teacher. Owns its tensors.
/// </summary>
/// <param name="Target">[K,B,2,h,w]: matched target positions per hypothesis (normalised, <see cref="CellGrid"/>).</param>
/// <param name="Flow">[K,B,2,h,w]: <paramref name="Target"/> minus the source cell centres.</param>
/// <param name="Mu">[K,B,2,C]: μ of the attention logits, index 0 of dim 2 for the source's attention (the same for
/// every hypothesis), 1 for the target's (which depends on the re-weighted source, so on the hypothesis).</param>
/// <param name="Sigma">[K,B,2,C]: σ, laid out as <paramref name="Mu"/>.</param>
public sealed record PmdHypotheses(Tensor Target, Tensor Flow, Tensor Mu, Tensor Sigma) : IDisposable
{
    /// <summary>[K,B,h·w (target cell),h,w (source cell)]: each hypothesis's fused correlation (<see cref="PmdCorrelation.Fused"/>),
    /// which its matches were read from; what keypoint supervision (<see cref="Losses.PmdKeypointLoss"/>) trains. Null where
    /// the producer did not keep it.</summary>
    public Tensor? Correlation { get; init; }

    /// <summary>K, the number of hypotheses.</summary>
    public long Count => Target.size(0);

    /// <summary>The mean of the hypotheses' flows, [B,2,h,w] (normalised).</summary>
    public Tensor MeanFlow() => Flow.mean([0]);

    /// <summary>Hypothesis <paramref name="index"/>'s flow, [B,2,h,w] (a view).</summary>
    public Tensor FlowOf(long index) => Flow[index];

    public void Dispose()
    {
        Target.Dispose();
        Flow.Dispose();
        Mu.Dispose();
        Sigma.Dispose();
        Correlation?.Dispose();
    }
}

/// <summary>
/// PMD's probabilistic teacher (METHODS.md §6): the student's network (<see cref="PmdStudent"/>: <c>adapt3</c>,
/// <c>adapt4</c>, correlation, fusion, kernel soft-argmax) with a stochastic co-channel attention
/// (<see cref="StochasticChannelAttention"/>): the source re-weighted by sigmoid(z₁), z₁ = μ₁ + σ₁·ε₁, then the target by
/// sigmoid(z₂), z₂ = μ₂ + σ₂·ε₂ with (μ₂, σ₂) computed from the target and the re-weighted source. Each hypothesis has
/// its own ε (reparameterised: differentiable in μ and σ); <see cref="Match"/> is the deterministic mean mode z = μ.
/// The scale convolution covers the whole layer4 map, so inputs must be the config's InputSize (layer4
/// <see cref="PmdConfig.Layer4Size"/>²). In train mode the K hypotheses go through batch norm as one K·B batch.
/// A teacher's state dict contains every key of a student's (plus <c>attention.scale.*</c>).
/// </summary>
public sealed class PmdTeacher : nn.Module<ResNetFeatures, ResNetFeatures, SemanticMatches>, ISemanticMatcher
{
    public readonly Sequential adapt3, adapt4;
    public readonly StochasticChannelAttention attention;

    public PmdConfig Config { get; }
    public nn.Module AsModule => this;
    public void SetEval() => eval();

    /// <summary>A teacher with the config's widths, PyTorch's default initialisation drawn from <paramref name="seed"/>.</summary>
    public PmdTeacher(PmdConfig config, long seed = 0) : base(nameof(PmdTeacher))
    {
        config.Validate();
        Config = config;
        adapt3 = AdaptationBlock.Stack(config.Layer3Channels, config.Layer3Kernel, config.AdaptationBlocks);
        adapt4 = AdaptationBlock.Stack(config.Layer4Channels, config.Layer4Kernel, config.AdaptationBlocks);
        attention = new StochasticChannelAttention(config.Layer4Channels, config.Layer4Size);
        RegisterComponents();
        SeededInit.Apply(this, seed);
    }

    public override SemanticMatches forward(ResNetFeatures source, ResNetFeatures target) => Match(source, target);

    /// <summary>The mean mode (z = μ): source → target matches.</summary>
    public SemanticMatches Match(ResNetFeatures source, ResNetFeatures target)
    {
        using var scope = torch.NewDisposeScope();
        var h = MeanMode(source, target);
        return PmdStudent.Moved(new SemanticMatches(h.Target[0], h.Flow[0]));
    }

    /// <summary>The mean mode in both directions.</summary>
    public (SemanticMatches sourceToTarget, SemanticMatches targetToSource) MatchBoth(ResNetFeatures source, ResNetFeatures target)
    {
        Check(source, target);
        long b = source.Layer3.size(0);
        using var scope = torch.NewDisposeScope();
        var zero = torch.zeros(1, b, 2, Config.Layer4Channels, source.Layer4.dtype, source.Layer4.device);
        var (fw, bw) = Both(source, target, zero, zero);
        var f = PmdStudent.Moved(new SemanticMatches(fw.Target[0], fw.Flow[0]));
        var g = PmdStudent.Moved(new SemanticMatches(bw.Target[0], bw.Flow[0]));
        return (f, g);
    }

    /// <summary>The mean mode (z = μ) as one hypothesis, with its μ and σ (for the teacher loss's prior term).</summary>
    public PmdHypotheses MeanMode(ResNetFeatures source, ResNetFeatures target)
    {
        Check(source, target);
        using var scope = torch.NewDisposeScope();
        var zero = torch.zeros(1, source.Layer3.size(0), 2, Config.Layer4Channels, source.Layer4.dtype, source.Layer4.device);
        return Moved(Hypotheses(source, target, zero));
    }

    /// <summary>
    /// <paramref name="count"/> (default <see cref="PmdConfig.Hypotheses"/>) source → target hypotheses, ε ~ N(0, 1)
    /// drawn from <paramref name="generator"/> as a [K,B,2,C] tensor.
    /// </summary>
    public PmdHypotheses Hypotheses(ResNetFeatures source, ResNetFeatures target, Generator generator, int? count = null)
    {
        using var scope = torch.NewDisposeScope();
        return Moved(Hypotheses(source, target, Noise(source, count, generator)));
    }

    /// <summary>Source → target hypotheses for given noise ε [K,B,2,C] (index 0 of dim 2 for the source's attention, 1 for the target's).</summary>
    public PmdHypotheses Hypotheses(ResNetFeatures source, ResNetFeatures target, Tensor noise)
    {
        Check(source, target);
        CheckNoise(noise, source);
        using var scope = torch.NewDisposeScope();
        var (s3, t3, s4, t4) = PmdHead.Adapt(adapt3, adapt4, source, target);
        return Moved(Sample(s3, t3, s4, t4, noise));
    }

    /// <summary>
    /// K hypotheses in each direction, the features adapted once: (source → target, target → source), ε drawn from
    /// <paramref name="generator"/> (first the source → target noise, then the target → source noise).
    /// </summary>
    public (PmdHypotheses sourceToTarget, PmdHypotheses targetToSource) HypothesesBoth(ResNetFeatures source, ResNetFeatures target,
                                                                                       Generator generator, int? count = null)
    {
        using var scope = torch.NewDisposeScope();
        var (fw, bw) = Both(source, target, Noise(source, count, generator), Noise(source, count, generator));
        return (Moved(fw), Moved(bw));
    }

    /// <summary>Both directions for given noise [K,B,2,C] each.</summary>
    public (PmdHypotheses sourceToTarget, PmdHypotheses targetToSource) HypothesesBoth(ResNetFeatures source, ResNetFeatures target,
                                                                                       Tensor noiseForward, Tensor noiseBackward)
    {
        using var scope = torch.NewDisposeScope();
        var (fw, bw) = Both(source, target, noiseForward, noiseBackward);
        return (Moved(fw), Moved(bw));
    }

    (PmdHypotheses, PmdHypotheses) Both(ResNetFeatures source, ResNetFeatures target, Tensor noiseForward, Tensor noiseBackward)
    {
        Check(source, target);
        CheckNoise(noiseForward, source);
        CheckNoise(noiseBackward, source);
        var (s3, t3, s4, t4) = PmdHead.Adapt(adapt3, adapt4, source, target);
        return (Sample(s3, t3, s4, t4, noiseForward), Sample(t3, s3, t4, s4, noiseBackward));
    }

    /// <summary>The K hypotheses from adapted features (s3, t3 [B,C3,h,w]; s4, t4 [B,C4,h₄,w₄]) and noise [K,B,2,C4].</summary>
    PmdHypotheses Sample(Tensor s3, Tensor t3, Tensor s4, Tensor t4, Tensor noise)
    {
        long k = noise.size(0), b = s3.size(0), c = s4.size(1);
        long h4 = s4.size(2), w4 = s4.size(3);
        CoChannelAttention.CheckBatch(training, b);
        var (mu1, sigma1) = attention.forward(s4, t4);                                        // [B,C]
        var z1 = mu1.add(sigma1.mul(noise.select(2, 0)));                                       // [K,B,C]
        var sourceK = s4.unsqueeze(0).mul(z1.sigmoid().view(k, b, c, 1, 1)).view(k * b, c, h4, w4);
        var targetK = t4.unsqueeze(0).expand(k, -1, -1, -1, -1).reshape(k * b, c, h4, w4);
        CoChannelAttention.CheckBatch(training, k * b);
        var (mu2, sigma2) = attention.forward(targetK, sourceK);                                // [K·B,C]
        var z2 = mu2.add(sigma2.mul(noise.select(2, 1).reshape(k * b, c)));
        var targetWeighted = targetK.mul(z2.sigmoid().view(k * b, c, 1, 1));
        var s3k = s3.unsqueeze(0).expand(k, -1, -1, -1, -1).reshape(k * b, s3.size(1), s3.size(2), s3.size(3));
        var t3k = t3.unsqueeze(0).expand(k, -1, -1, -1, -1).reshape(k * b, t3.size(1), t3.size(2), t3.size(3));
        long h = s3.size(2), w = s3.size(3);
        var fused = PmdCorrelation.Fused(s3k, t3k, sourceK, targetWeighted);
        var targets = PmdCorrelation.KernelSoftArgmax(fused, h, w, Config.KernelSigma, Config.Beta);
        var m = SemanticMatches.FromTargets(targets);
        var mu = torch.stack([mu1.unsqueeze(0).expand(k, -1, -1), mu2.view(k, b, c)], 2);
        var sigma = torch.stack([sigma1.unsqueeze(0).expand(k, -1, -1), sigma2.view(k, b, c)], 2);
        return new PmdHypotheses(m.Target.view(k, b, 2, h, w), m.Flow.view(k, b, 2, h, w), mu, sigma) { Correlation = fused.view(k, b, h * w, h, w) };
    }

    Tensor Noise(ResNetFeatures source, int? count, Generator generator)
    {
        int k = count ?? Config.Hypotheses;
        if (k < 1) throw new ArgumentException($"PMD teacher: at least one hypothesis, got {k}");
        return torch.randn([k, source.Layer4.size(0), 2, Config.Layer4Channels], generator: generator)
            .to_type(source.Layer4.dtype).to(source.Layer4.device);
    }

    void Check(ResNetFeatures source, ResNetFeatures target)
    {
        PmdHead.CheckFeatures(Config, source, target, nameof(PmdTeacher));
        if (source.Layer4.size(2) != Config.Layer4Size || source.Layer4.size(3) != Config.Layer4Size)
            throw new ArgumentException($"PmdTeacher: the scale kernel covers a {Config.Layer4Size}×{Config.Layer4Size} layer4 map " +
                $"(InputSize {Config.InputSize}); got layer4 {source.Layer4.size(2)}×{source.Layer4.size(3)}: resize the images to {Config.InputSize}×{Config.InputSize}");
    }

    void CheckNoise(Tensor noise, ResNetFeatures source)
    {
        if (noise.dim() != 4 || noise.size(0) < 1 || noise.size(1) != source.Layer4.size(0) || noise.size(2) != 2 || noise.size(3) != Config.Layer4Channels)
            throw new ArgumentException($"PmdTeacher: noise must be [K,B,2,C] = [K,{source.Layer4.size(0)},2,{Config.Layer4Channels}], got [{CellGrid.Shape(noise)}]");
    }

    static PmdHypotheses Moved(PmdHypotheses h) =>
        new(h.Target.MoveToOuterDisposeScope(), h.Flow.MoveToOuterDisposeScope(), h.Mu.MoveToOuterDisposeScope(), h.Sigma.MoveToOuterDisposeScope())
        {
            Correlation = h.Correlation?.MoveToOuterDisposeScope(),
        };
}
