using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Backbones;

/// <summary>
/// ResNet bottleneck block (He et al. 2016, Fig. 5 right; TorchVision's "v1.5", stride on the 3×3):
/// y = ReLU(BN(conv1×1(ReLU(BN(conv3×3_s(ReLU(BN(conv1×1(x))))))) + shortcut(x)), width w inside, 4w out; the
/// shortcut is the identity or <c>downsample</c> = conv1×1 stride s + BN. Convolutions without bias. Submodule names
/// are TorchVision's (<c>conv1</c>…<c>bn3</c>, <c>downsample.0</c>, <c>downsample.1</c>). [B,in,H,W] → [B,4w,⌈H/s⌉,⌈W/s⌉].
/// </summary>
public sealed class Bottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels per unit of width.</summary>
    public const int Expansion = 4;

    public readonly Conv2d conv1, conv2, conv3;
    public readonly BatchNorm2d bn1, bn2, bn3;
    public readonly Sequential? downsample;

    public Bottleneck(int inChannels, int width, int stride) : base(nameof(Bottleneck))
    {
        int outChannels = width * Expansion;
        conv1 = Conv2d(inChannels, width, 1, bias: false);
        bn1 = BatchNorm2d(width);
        conv2 = Conv2d(width, width, 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(width);
        conv3 = Conv2d(width, outChannels, 1, bias: false);
        bn3 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = Sequential(Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = bn1.forward(conv1.forward(x)).relu_();
        y = bn2.forward(conv2.forward(y)).relu_();
        y = bn3.forward(conv3.forward(y));
        var shortcut = downsample is null ? x : downsample.forward(x);
        return y.add_(shortcut).relu_().MoveToOuterDisposeScope();
    }
}
