using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Backbones;

/// <summary>
/// ResNet basic block (He et al. 2016, Fig. 2 left): y = ReLU(BN(conv3×3(ReLU(BN(conv3×3_s(x))))) + shortcut(x)), the
/// shortcut being the identity, or <c>downsample</c> = conv1×1 stride s + BN where the stride or the width changes.
/// Convolutions without bias, padding 1 (symmetric, as PyTorch). Submodule names are TorchVision's (<c>conv1</c>,
/// <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample.0</c>, <c>downsample.1</c>). [B,in,H,W] → [B,out,⌈H/s⌉,⌈W/s⌉].
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    public readonly Conv2d conv1, conv2;
    public readonly BatchNorm2d bn1, bn2;
    public readonly Sequential? downsample;

    /// <param name="inChannels">input width</param>
    /// <param name="outChannels">output width</param>
    /// <param name="stride">stride of the first 3×3 convolution (and of the shortcut's 1×1)</param>
    public BasicBlock(int inChannels, int outChannels, int stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            downsample = Sequential(Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = bn1.forward(conv1.forward(x)).relu_();
        y = bn2.forward(conv2.forward(y));
        var shortcut = downsample is null ? x : downsample.forward(x);
        return y.add_(shortcut).relu_().MoveToOuterDisposeScope();
    }
}
