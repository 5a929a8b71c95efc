using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillKit.Models;

/// <summary>
/// Draws a network's initial weights from its own generator, so that a seed gives the same network whatever else the
/// process does with TorchSharp's global generator at the same time (other threads, parallel tests, a notebook).
/// The distributions are PyTorch's defaults for the layer kinds: weight and bias of Conv2d, ConvTranspose2d and
/// Linear uniform in ±1/√fan_in (kaiming_uniform with a = √5), fan_in = weight.size(1) × kernel area. A network whose
/// paper prescribes its own initialisation (<see cref="IOwnInitialisation"/>, e.g. RAFT) gets that one instead.
/// </summary>
public static class SeededInit
{
    /// <summary>Redraws every Conv2d, ConvTranspose2d and Linear of <paramref name="module"/> from <paramref name="seed"/>,
    /// in the order of <c>named_modules()</c>. Other parameters are left as they are.</summary>
    public static T Apply<T>(T module, long seed) where T : nn.Module
    {
        if (module is IOwnInitialisation own)
        {
            own.Initialise(seed);
            return module;
        }
        using var generator = new Generator(unchecked((ulong)seed));
        return PyTorchDefault(module, generator);
    }

    /// <summary>PyTorch's default draws (as <see cref="Apply"/>) for every Conv2d, ConvTranspose2d and Linear of
    /// <paramref name="module"/>, in the order of <c>named_modules()</c>, from <paramref name="generator"/>.</summary>
    public static T PyTorchDefault<T>(T module, Generator generator) where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            var (weight, bias) = m switch
            {
                Conv2d c => (c.weight, c.bias),
                ConvTranspose2d t => (t.weight, t.bias),
                Linear l => (l.weight, l.bias),
                _ => ((Parameter?)null, (Parameter?)null),
            };
            if (weight is null) continue;
            long fanIn = weight.size(1);
            for (int d = 2; d < weight.dim(); d++) fanIn *= weight.size(d);
            double bound = 1.0 / Math.Sqrt(fanIn);
            weight.uniform_(-bound, bound, generator);
            bias?.uniform_(-bound, bound, generator);
        }
        return module;
    }

    /// <summary>
    /// Redraws every Conv2d and ConvTranspose2d of <paramref name="module"/> from <paramref name="seed"/>, in the order
    /// of <c>named_modules()</c>: weights Kaiming-normal (PyTorch's <c>kaiming_normal_</c>: std = gain / √fan_in,
    /// gain = √(2 / (1 + a²)), fan_in = weight.size(1) × kernel area, which for a transposed conv is its
    /// out_channels / groups × kernel area, as PyTorch computes it), biases zero. Other parameters are left as they are.
    /// </summary>
    public static T KaimingNormal<T>(T module, long seed, double a = 0) where T : nn.Module
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        foreach (var (_, m) in module.named_modules())
        {
            var (weight, bias) = m switch
            {
                Conv2d c => (c.weight, c.bias),
                ConvTranspose2d t => (t.weight, t.bias),
                _ => ((Parameter?)null, (Parameter?)null),
            };
            if (weight is null) continue;
            long fanIn = weight.size(1);
            for (int d = 2; d < weight.dim(); d++) fanIn *= weight.size(d);
            weight.normal_(0, gain / Math.Sqrt(fanIn), generator);
            bias?.zero_();
        }
        return module;
    }

    /// <summary>
    /// Kaiming-normal initialisation (fan_out, ReLU gain) from <paramref name="generator"/>, in the order of
    /// <c>named_modules()</c>: every Conv2d weight ~ N(0, 2 / (out channels × kernel area)), its bias 0; every BatchNorm2d
    /// weight 1, bias 0, running statistics reset (mean 0, variance 1, no batches tracked). Other parameters are left as they are.
    /// </summary>
    public static T KaimingNormalFanOut<T>(T module, Generator generator) where T : nn.Module
    {
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            if (m is Conv2d c)
            {
                long fanOut = c.weight!.size(0) * c.weight.size(2) * c.weight.size(3);
                c.weight.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
                c.bias?.zero_();
            }
            else if (m is BatchNorm2d bn)
            {
                bn.weight?.fill_(1);
                bn.bias?.zero_();
                bn.reset_running_stats();
            }
        }
        return module;
    }
}

/// <summary>A network whose paper prescribes its initialisation; <see cref="SeededInit.Apply"/> defers to it.</summary>
public interface IOwnInitialisation
{
    /// <summary>Redraws the network's weights from a generator seeded with <paramref name="seed"/> (never the global one).</summary>
    void Initialise(long seed);
}
