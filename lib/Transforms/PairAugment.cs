using DistillKit.Data;
using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Transforms;

/// <summary>
/// Flip and channel-permutation augmentation for unsupervised training (DDFlow, METHODS.md section 3), as a joint
/// transform of the whole <see cref="FlowBatch"/>: a horizontal flip mirrors every field left–right and negates u of
/// every flow (own and teacher's), a vertical flip mirrors top–bottom and negates v; masks (occlusion, valid) are
/// mirrored; the RGB channel permutation touches the images only. One draw applies to the whole batch and to both
/// frames, so the pair stays consistent: warping the transformed image 2 with the transformed flow matches the
/// transformed image 1 exactly where it did before.
/// </summary>
public sealed record PairAugment(bool HorizontalFlip = true, bool VerticalFlip = true, bool ChannelPermutation = true)
{
    /// <summary>The random choices of one draw: flips and the channel order (output channel c = input Channels[c]).</summary>
    public sealed record Draw(bool FlipH, bool FlipV, long[] Channels);

    /// <summary>A draw from a stable stream (<see cref="SampleRandom.For"/> of the seed and step gives the same draw in any process).</summary>
    public Draw Sample(SampleRandom rng)
    {
        long[] perm = [0, 1, 2];
        if (ChannelPermutation)
            for (int i = 2; i > 0; i--)
            {
                int j = rng.NextInt(0, i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
        bool h = HorizontalFlip && rng.Bernoulli(0.5);
        bool v = VerticalFlip && rng.Bernoulli(0.5);
        return new Draw(h, v, perm);
    }

    /// <summary>Applies one draw to every field of the batch (see the type's summary); returns a new batch.</summary>
    public static FlowBatch Apply(Draw d, FlowBatch batch)
    {
        using var scope = torch.NewDisposeScope();
        var result = batch.Map(image => Permute(d, Flip(d, image)), flow => FlipFlow(d, flow), mask => Flip(d, mask));
        foreach (var (_, t) in result.Fields()) t.MoveToOuterDisposeScope();
        return result;
    }

    static Tensor Permute(Draw d, Tensor image)
    {
        if (d.Channels is [0, 1, 2]) return image;
        using var idx = torch.tensor(d.Channels);
        return image.index_select(1, idx);
    }

    static Tensor Flip(Draw d, Tensor x)
    {
        if (d.FlipH) x = x.flip(3);
        if (d.FlipV) x = x.flip(2);
        return x.alias();
    }

    /// <summary>Flips a flow [B,2,H,W] the way <see cref="Apply"/> flips the images: u negated for horizontal, v for vertical.</summary>
    public static Tensor FlipFlow(Draw d, Tensor flow)
    {
        using var scope = torch.NewDisposeScope();
        var f = flow;
        if (d.FlipH) f = f.flip(3) * torch.tensor(new[] { -1f, 1f }, [1, 2, 1, 1]).to(f.device);
        if (d.FlipV) f = f.flip(2) * torch.tensor(new[] { 1f, -1f }, [1, 2, 1, 1]).to(f.device);
        return (ReferenceEquals(f, flow) ? f.alias() : f).MoveToOuterDisposeScope();
    }
}
