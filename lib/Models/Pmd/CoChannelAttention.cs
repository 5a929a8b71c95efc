using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Pmd;

/// <summary>
/// The student's co-channel attention on layer4 (METHODS.md §6): a(f_a, f_b) = sigmoid(ReLU(BN(Conv1×1_{2C→C}(
/// GAP(cat[f_a, f_b]))))) per channel, [B,C,1,1]. <see cref="Apply"/> re-weights the source first, then the target with
/// the re-weighted source; the same weights serve both calls. The 1×1 conv has no bias (batch norm follows).
/// In train mode the batch norm sees a [B,C,1,1] batch per call, so training needs B ≥ 2 (PyTorch's rule), and its
/// running statistics are updated twice per <see cref="Apply"/>.
/// </summary>
public sealed class CoChannelAttention : Module<Tensor, Tensor, Tensor>
{
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;

    public CoChannelAttention(int channels) : base(nameof(CoChannelAttention))
    {
        conv = Conv2d(2 * channels, channels, 1, bias: false);
        bn = BatchNorm2d(channels);
        RegisterComponents();
    }

    /// <summary>The attention weights a(f_a, f_b) [B,C,1,1] in (0, 1) for f_a, f_b [B,C,h,w].</summary>
    public override Tensor forward(Tensor fa, Tensor fb)
    {
        using var scope = torch.NewDisposeScope();
        return Logits(conv, bn, fa, fb).sigmoid().MoveToOuterDisposeScope();
    }

    /// <summary>(source · a(source, target), target · a(target, source′)) with source′ the re-weighted source.</summary>
    public (Tensor source, Tensor target) Apply(Tensor source, Tensor target)
    {
        CheckBatch(training, source.size(0));
        using var scope = torch.NewDisposeScope();
        var s = source.mul(forward(source, target));
        var t = target.mul(forward(target, s));
        scope.MoveToOuter(s, t);
        return (s, t);
    }

    /// <summary>ReLU(BN(Conv1×1(GAP(cat[f_a, f_b])))) [B,C,1,1]: the logits (student) or the mean μ (teacher).</summary>
    internal static Tensor Logits(Conv2d conv, BatchNorm2d bn, Tensor fa, Tensor fb) =>
        bn.forward(conv.forward(torch.cat([fa, fb], 1).mean([2, 3], keepdim: true))).relu();

    internal static void CheckBatch(bool training, long batch)
    {
        if (training && batch < 2)
            throw new ArgumentException($"PMD's channel attention normalises a [B,C,1,1] batch: training needs at least 2 pairs per batch, got {batch} (or call SetEval())");
    }
}
