using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Transforms;

/// <summary>
/// Appearance and flip augmentation of an image pair for unsupervised training (DDFlow, METHODS.md section 3):
/// horizontal and vertical flips of both images and a random RGB channel permutation. Images [B,3,H,W] in [0,1].
/// Flips change the geometry, so a ground-truth flow that travels with the pair must be flipped with
/// <see cref="FlipFlow"/> (u negated for a horizontal flip, v for a vertical one).
/// </summary>
public sealed record PairAugment(bool HorizontalFlip = true, bool VerticalFlip = true, bool ChannelPermutation = true)
{
    /// <summary>The random choices of one draw.</summary>
    public sealed record Draw(bool FlipH, bool FlipV, long[] Channels);

    public Draw Sample(Random rng)
    {
        long[] perm = [0, 1, 2];
        if (ChannelPermutation)
            for (int i = 2; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }
        return new Draw(HorizontalFlip && rng.Next(2) == 1, VerticalFlip && rng.Next(2) == 1, perm);
    }

    /// <summary>Applies one draw to both images (the same draw to each).</summary>
    public static (Tensor image1, Tensor image2) Apply(Draw d, Tensor image1, Tensor image2) => (Apply1(d, image1), Apply1(d, image2));

    static Tensor Apply1(Draw d, Tensor image)
    {
        using var scope = torch.NewDisposeScope();
        var x = image;
        if (d.Channels is not [0, 1, 2])
        {
            using var idx = torch.tensor(d.Channels.Select(c => (long)c).ToArray());
            x = x.index_select(1, idx);
        }
        if (d.FlipH) x = x.flip(3);
        if (d.FlipV) x = x.flip(2);
        return (ReferenceEquals(x, image) ? x.alias() : x).MoveToOuterDisposeScope();
    }

    /// <summary>Flips a flow [B,2,H,W] the way <see cref="Apply"/> flips the images: u negated for horizontal, v for vertical.</summary>
    public static Tensor FlipFlow(Draw d, Tensor flow)
    {
        using var scope = torch.NewDisposeScope();
        var f = flow;
        if (d.FlipH) f = f.flip(3) * torch.tensor(new[] { -1f, 1f }, [1, 2, 1, 1]);
        if (d.FlipV) f = f.flip(2) * torch.tensor(new[] { 1f, -1f }, [1, 2, 1, 1]);
        return (ReferenceEquals(f, flow) ? f.alias() : f).MoveToOuterDisposeScope();
    }
}
