using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Pwc;

/// <summary>Shared feature pyramid: per level a stride-2 and a stride-1 3×3 conv, each followed by LeakyReLU.</summary>
public sealed class FeaturePyramid : Module<Tensor, Tensor[]>
{
    public ModuleList<Sequential> levels = new();

    public FeaturePyramid(int[] channels, double slope) : base(nameof(FeaturePyramid))
    {
        int prev = 3;
        foreach (var c in channels)
        {
            levels.append(nn.Sequential(nn.Conv2d(prev, c, 3, stride: 2, padding: 1), new LeakyRelu(slope),
                nn.Conv2d(c, c, 3, padding: 1), new LeakyRelu(slope)));
            prev = c;
        }
        RegisterComponents();
    }

    /// <summary>Features of levels 1..L (index 0 = level 1, half resolution) for images [B,3,H,W].</summary>
    public override Tensor[] forward(Tensor image)
    {
        var result = new Tensor[levels.Count];
        var x = image;
        for (int i = 0; i < levels.Count; i++) x = result[i] = levels[i].forward(x);
        return result;
    }
}

/// <summary>Per-level flow estimator: 3×3 convs (LeakyReLU) ending in a 2-channel conv that outputs the flow itself.</summary>
public sealed class FlowEstimator : Module<Tensor, (Tensor feature, Tensor flow)>
{
    public ModuleList<Conv2d> convs = new();
    readonly Scalar _slope;  // held: see LeakyRelu

    public FlowEstimator(int inChannels, int[] channels, double slope) : base(nameof(FlowEstimator))
    {
        _slope = slope;
        int prev = inChannels;
        foreach (var c in channels)
        {
            convs.append(nn.Conv2d(prev, c, 3, padding: 1));
            prev = c;
        }
        convs.append(nn.Conv2d(prev, 2, 3, padding: 1));
        RegisterComponents();
    }

    /// <summary>Returns the last hidden feature (input of the context network) and the flow [B,2,h,w] in level pixels.</summary>
    public override (Tensor feature, Tensor flow) forward(Tensor x)
    {
        for (int i = 0; i < convs.Count - 1; i++) x = convs[i].forward(x).leaky_relu_(_slope);
        return (x, convs[convs.Count - 1].forward(x));
    }
}

/// <summary>Context network on the output level: dilated 3×3 convs refining the flow (residual).</summary>
public sealed class ContextNetwork : Module<Tensor, Tensor>
{
    public ModuleList<Conv2d> convs = new();
    readonly Scalar _slope;  // held: see LeakyRelu

    public ContextNetwork(int inChannels, int[] channels, int[] dilations, double slope) : base(nameof(ContextNetwork))
    {
        if (channels.Length != dilations.Length) throw new ArgumentException("context network: one dilation per conv");
        _slope = slope;
        int prev = inChannels;
        for (int i = 0; i < channels.Length; i++)
        {
            convs.append(nn.Conv2d(prev, channels[i], 3, padding: dilations[i], dilation: dilations[i]));
            prev = channels[i];
        }
        convs.append(nn.Conv2d(prev, 2, 3, padding: 1));
        RegisterComponents();
    }

    /// <summary>Flow residual [B,2,h,w] from the estimator feature ‖ flow.</summary>
    public override Tensor forward(Tensor x)
    {
        for (int i = 0; i < convs.Count - 1; i++) x = convs[i].forward(x).leaky_relu_(_slope);
        return convs[convs.Count - 1].forward(x);
    }
}

/// <summary>
/// LeakyReLU whose slope is one <see cref="Scalar"/> held for the module's life. TorchSharp turns a double argument
/// into a temporary Scalar whose native value nothing keeps alive during the call, so the GC's finaliser can free it
/// while libtorch reads it: seen twice in mini runs of this kit as "Expected false to be true … Scalar::toFloat" inside
/// leaky_relu, the most frequent scalar op of PWC-Net.
/// </summary>
public sealed class LeakyRelu : Module<Tensor, Tensor>
{
    readonly Scalar _slope;

    public LeakyRelu(double slope) : base(nameof(LeakyRelu)) => _slope = slope;

    public override Tensor forward(Tensor x) => x.leaky_relu(_slope);
}
