using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Raft;

/// <summary>The normalisation of an encoder.</summary>
public enum EncoderNorm
{
    /// <summary>Per sample and channel, no affine parameters and no state (the feature encoder).</summary>
    Instance,

    /// <summary>BatchNorm2d with affine parameters and running statistics, PyTorch's train/eval semantics (the context encoder).</summary>
    Batch,
}

/// <summary>
/// Residual block: conv3×3 (stride s) – norm – ReLU – conv3×3 – norm – ReLU, added to the shortcut (identity, or a
/// 1×1 stride-s conv + norm when the stride or the width changes), then ReLU. All convs with bias.
/// </summary>
public sealed class ResidualBlock : Module<Tensor, Tensor>
{
    public Conv2d conv1, conv2;
    public Module<Tensor, Tensor> norm1, norm2;
    public Sequential? downsample;

    public ResidualBlock(int inChannels, int outChannels, int stride, EncoderNorm norm) : base(nameof(ResidualBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        norm1 = Norm(norm, outChannels);
        norm2 = Norm(norm, outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride), Norm(norm, outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = norm1.forward(conv1.forward(x)).relu();
        y = norm2.forward(conv2.forward(y)).relu();
        var shortcut = downsample is null ? x : downsample.forward(x);
        return shortcut.add(y).relu().MoveToOuterDisposeScope();
    }

    internal static Module<Tensor, Tensor> Norm(EncoderNorm norm, int channels) => norm switch
    {
        EncoderNorm.Instance => nn.InstanceNorm2d(channels, affine: false, track_running_stats: false),
        _ => nn.BatchNorm2d(channels),
    };
}

/// <summary>
/// RAFT's encoder: conv 7×7 stride 2 (3 → stem), norm, ReLU; three stages of two residual blocks (the first block of
/// stages 2 and 3 with stride 2); a final 1×1 conv. Images [B,3,H,W] → features [B,C,H/8,W/8].
/// </summary>
public sealed class RaftEncoder : Module<Tensor, Tensor>
{
    public Conv2d conv1;
    public Module<Tensor, Tensor> norm1;
    public Sequential layer1, layer2, layer3;
    public Conv2d conv2;

    /// <param name="channels">stem, stage 1, stage 2, stage 3 widths</param>
    /// <param name="outChannels">output channels of the final 1×1 conv</param>
    /// <param name="norm">instance (feature encoder) or batch (context encoder)</param>
    public RaftEncoder(int[] channels, int outChannels, EncoderNorm norm, int stride = 8) : base(nameof(RaftEncoder))
    {
        if (channels.Length != 4) throw new ArgumentException($"RAFT encoder: 4 widths (stem, stage 1, 2, 3), got {channels.Length}");
        var (stem, w1, w2, w3) = (channels[0], channels[1], channels[2], channels[3]);
        conv1 = nn.Conv2d(3, stem, 7, stride: 2, padding: 3);
        norm1 = ResidualBlock.Norm(norm, stem);
        layer1 = nn.Sequential(new ResidualBlock(stem, w1, 1, norm), new ResidualBlock(w1, w1, 1, norm));
        layer2 = nn.Sequential(new ResidualBlock(w1, w2, 2, norm), new ResidualBlock(w2, w2, 1, norm));
        layer3 = nn.Sequential(new ResidualBlock(w2, w3, stride == 8 ? 2 : 1, norm), new ResidualBlock(w3, w3, 1, norm));
        conv2 = nn.Conv2d(w3, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var scope = torch.NewDisposeScope();
        var x = norm1.forward(conv1.forward(image)).relu();
        x = layer3.forward(layer2.forward(layer1.forward(x)));
        return conv2.forward(x).MoveToOuterDisposeScope();
    }
}
