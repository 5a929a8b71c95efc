using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Pmd;

/// <summary>
/// PMD's residual adaptation block (METHODS.md §6): y = f + ReLU(BN(Conv_k×k(f))), k odd, padding k/2, C → C.
/// The convolution has no bias (the batch norm right after it would cancel one). [B,C,h,w] → [B,C,h,w].
/// Batch norm follows PyTorch: batch statistics in train mode, running statistics in eval mode.
/// </summary>
public sealed class AdaptationBlock : Module<Tensor, Tensor>
{
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;

    public AdaptationBlock(int channels, int kernel) : base(nameof(AdaptationBlock))
    {
        conv = Conv2d(channels, channels, kernel, padding: kernel / 2, bias: false);
        bn = BatchNorm2d(channels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor f)
    {
        using var scope = torch.NewDisposeScope();
        return f.add(bn.forward(conv.forward(f)).relu()).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="blocks"/> blocks in sequence (state-dict names <c>0.conv.weight</c>, <c>1.bn.weight</c>, …).</summary>
    public static Sequential Stack(int channels, int kernel, int blocks)
    {
        var stack = Sequential();
        for (int i = 0; i < blocks; i++) stack.append(new AdaptationBlock(channels, kernel));
        return stack;
    }
}
