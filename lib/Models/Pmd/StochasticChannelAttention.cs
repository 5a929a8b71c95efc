using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Pmd;

/// <summary>
/// The teacher's stochastic co-channel attention (METHODS.md §6): per channel z ~ N(μ, σ²), attention sigmoid(z).
/// μ(f_a, f_b) = ReLU(BN(Conv1×1_{2C→C}(GAP(cat[f_a, f_b])))), the student's attention logits (submodules
/// <c>conv</c>, <c>bn</c>: a teacher's state dict holds a student's attention); σ(f_a, f_b) = softplus(<c>scale</c>),
/// <c>scale</c> a convolution whose kernel covers the whole layer4 map (no padding, output 1×1), <b>depthwise over
/// channel pairs</b>: output channel c sees channel c of f_a and of f_b (2·h₄·w₄ weights and a bias per channel). A
/// dense full-extent conv 2C → C would hold 839 M weights at paper size; the exact form in PMD is unverified.
/// Samples are reparameterised, z = μ + σ·ε with ε ~ N(0, 1) supplied by the caller.
/// </summary>
public sealed class StochasticChannelAttention : Module<Tensor, Tensor, (Tensor mu, Tensor sigma)>
{
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;
    public readonly Conv2d scale;

    /// <param name="channels">C, the layer4 width</param>
    /// <param name="extent">side of the layer4 map (the scale kernel)</param>
    public StochasticChannelAttention(int channels, int extent) : base(nameof(StochasticChannelAttention))
    {
        conv = Conv2d(2 * channels, channels, 1, bias: false);
        bn = BatchNorm2d(channels);
        scale = Conv2d(2 * channels, channels, extent, groups: channels);
        Extent = extent;
        RegisterComponents();
    }

    /// <summary>Side of the layer4 map the scale kernel covers.</summary>
    public int Extent { get; }

    /// <summary>(μ, σ), each [B,C], of the attention logits for f_a, f_b [B,C,h₄,w₄] (h₄ = w₄ = <see cref="Extent"/>).</summary>
    public override (Tensor mu, Tensor sigma) forward(Tensor fa, Tensor fb)
    {
        if (fa.size(2) != Extent || fa.size(3) != Extent)
            throw new ArgumentException($"PMD teacher: the scale kernel covers a {Extent}×{Extent} layer4 map, got {fa.size(2)}×{fa.size(3)} " +
                                        $"(the teacher runs at its config's InputSize only)");
        using var scope = torch.NewDisposeScope();
        long b = fa.size(0), c = fa.size(1);
        var mu = CoChannelAttention.Logits(conv, bn, fa, fb).view(b, c);
        // channels interleaved (a_0, b_0, a_1, b_1, …) so that group c holds channel c of both maps
        var pairs = torch.stack([fa, fb], 2).view(b, 2 * c, fa.size(2), fa.size(3));
        var sigma = nn.functional.softplus(scale.forward(pairs)).view(b, c);
        scope.MoveToOuter(mu, sigma);
        return (mu, sigma);
    }
}
