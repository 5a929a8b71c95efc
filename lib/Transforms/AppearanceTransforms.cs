using DistillKit.Data;
using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Transforms;

/// <summary>
/// Photometric changes of both frames (METHODS.md section 4): brightness, contrast and saturation jitter, gamma, Gaussian
/// blur, RGB channel permutation, additive Gaussian noise. Each part is applied with its probability; one draw of the
/// colour parts applies to both frames (so corresponding pixels stay alike), the noise is drawn per pixel. Results are
/// clamped to [0,1]. Flows and masks are untouched. A part set to its neutral value is off.
/// </summary>
public sealed record Photometric : IJointTransform
{
    /// <summary>Brightness multiplier 1 ± this (uniform).</summary>
    public double Brightness { get; init; } = 0.3;
    /// <summary>Contrast about the mean grey: 1 ± this.</summary>
    public double Contrast { get; init; } = 0.3;
    /// <summary>Saturation (blend with grey): 1 ± this.</summary>
    public double Saturation { get; init; } = 0.3;
    /// <summary>Gamma log-uniform in [1/this, this] (1 = off).</summary>
    public double Gamma { get; init; } = 1.4;
    /// <summary>Probability of a Gaussian blur, σ uniform in [0.5, <see cref="BlurSigma"/>] pixels.</summary>
    public double BlurProbability { get; init; } = 0.3;
    public double BlurSigma { get; init; } = 1.5;
    /// <summary>Probability of a random RGB channel order.</summary>
    public double ChannelPermutation { get; init; } = 0.5;
    /// <summary>Standard deviation of additive Gaussian noise, uniform in [0, this].</summary>
    public double NoiseSigma { get; init; } = 0.02;
    /// <summary>Probability that the whole transform applies (otherwise the images pass through).</summary>
    public double Probability { get; init; } = 1.0;

    public string Name => "photometric";
    public TransformGroup Group => TransformGroup.Appearance;

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        // every draw is taken whether or not it is used, so the stream does not depend on which parts are on
        bool on = rng.Bernoulli(Probability);
        double brightness = 1 + rng.Symmetric(Brightness), contrast = 1 + rng.Symmetric(Contrast), saturation = 1 + rng.Symmetric(Saturation);
        double gamma = Gamma > 1 ? rng.LogUniform(1 / Gamma, Gamma) : 1;
        bool blur = rng.Bernoulli(BlurProbability);
        double sigma = rng.Uniform(0.5, Math.Max(0.5, BlurSigma));
        bool permute = rng.Bernoulli(ChannelPermutation);
        long[] order = [0, 1, 2];
        for (int i = 2; i > 0; i--)
        {
            int j = rng.NextInt(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        double noise = rng.Uniform(0, NoiseSigma);
        ulong noiseSeed = rng.NextULong();
        if (!on) return batch.Map(t => t.alias(), t => t.alias(), t => t.alias());

        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(noiseSeed);
        Tensor Change(Tensor img)
        {
            var x = img * brightness;
            var grey = x.mean([1, 2, 3], keepdim: true);
            x = (x - grey) * contrast + grey;
            var lum = Losses.Grayscale.FromRgb(x);
            x = (x - lum) * saturation + lum;
            x = x.clamp(0, 1);
            if (gamma != 1) x = x.pow(gamma);
            if (blur) x = GaussianBlur(x, sigma);
            if (permute) x = x.index_select(1, torch.tensor(order, device: x.device));
            if (noise > 0) x = x + torch.randn(x.shape, generator: generator).to(x.device) * noise;
            return x.clamp(0, 1);
        }
        var result = JointFields.WithImages(batch, Change(batch.Image1), Change(batch.Image2));
        return JointFields.Escape(result);
    }

    /// <summary>Separable Gaussian blur of [B,C,H,W] (radius ⌈3σ⌉, reflect padding).</summary>
    public static Tensor GaussianBlur(Tensor x, double sigma)
    {
        using var scope = torch.NewDisposeScope();
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        radius = (int)Math.Min(radius, Math.Min(x.size(2), x.size(3)) - 1);
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        double total = taps.Sum();
        var k = torch.tensor(taps.Select(t => (float)(t / total)).ToArray(), device: x.device);
        long c = x.size(1);
        var kx = k.view(1, 1, 1, -1).expand(c, 1, 1, 2 * radius + 1).contiguous();
        var ky = k.view(1, 1, -1, 1).expand(c, 1, 2 * radius + 1, 1).contiguous();
        var y = pad(x, [radius, radius, 0, 0], PaddingModes.Reflect);
        y = conv2d(y, kx, groups: c);
        y = pad(y, [0, 0, radius, radius], PaddingModes.Reflect);
        y = conv2d(y, ky, groups: c);
        return y.MoveToOuterDisposeScope();
    }
}
