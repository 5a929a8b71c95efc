using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.FastFlow;

/// <summary>
/// FastFlowNet's sparse correlation: 53 of the 81 displacements of a 9×9 window (METHODS.md section 2), the full
/// centre cross and inner rings, every other displacement further out.
/// </summary>
public static class FastFlowCorrelation
{
    /// <summary>Window radius: displacements d = (dx, dy) in [−4, 4]².</summary>
    public const int Radius = 4;

    /// <summary>The kept displacements as row-major window indices (dy + 4)·9 + (dx + 4), in channel order.</summary>
    public static readonly IReadOnlyList<int> Indices =
    [
        0, 2, 4, 6, 8,
        10, 12, 14, 16,
        18, 20, 21, 22, 23, 24, 26,
        28, 29, 30, 31, 32, 33, 34,
        36, 38, 39, 40, 41, 42, 44,
        46, 47, 48, 49, 50, 51, 52,
        54, 56, 57, 58, 59, 60, 62,
        64, 66, 68, 70, 72, 74, 76, 78, 80,
    ];

    /// <summary>The number of output channels (53).</summary>
    public static int Channels => Indices.Count;

    /// <summary>
    /// f1(p)·f2(p + d) / C for the kept displacements d, zero where p + d leaves f2 (C = channels). f1, f2: [B,C,H,W];
    /// result [B,53,H,W], channel k for displacement <see cref="Indices"/>[k]. Only those 53 products are computed; the
    /// <paramref name="mode"/> changes the speed, not the values (<see cref="CostVolumeMode"/>; Im2Col unfolds all 81).
    /// </summary>
    public static Tensor Compute(Tensor f1, Tensor f2, CostVolumeMode mode = CostVolumeMode.ChannelsLast)
    {
        var s = f1.shape;
        if (s.Length != 4 || !s.SequenceEqual(f2.shape))
            throw new ArgumentException($"correlation needs two [B,C,H,W] maps of one shape, got [{string.Join(",", s)}] and [{string.Join(",", f2.shape)}]");
        long b = s[0], c = s[1], h = s[2], w = s[3];
        const int k = 2 * Radius + 1;
        using var scope = torch.NewDisposeScope();
        using Scalar channels = c;  // held through the call (see Pwc.LeakyRelu on temporary scalars)
        Tensor result;
        if (mode == CostVolumeMode.Im2Col)
        {
            var cols = unfold(f2, k, padding: Radius).view(b, c, k * k, h * w);
            var kept = cols.index_select(2, torch.tensor(Indices.Select(i => (long)i).ToArray(), device: f2.device));
            result = f1.view(b, c, 1, h * w).mul(kept).sum(1).view(b, Channels, h, w);
        }
        else if (mode == CostVolumeMode.ChannelsLast)
        {
            var a = f1.permute(0, 2, 3, 1).contiguous();                                          // [B,H,W,C]
            var p = pad(f2, [Radius, Radius, Radius, Radius]).permute(0, 2, 3, 1).contiguous();   // [B,H+8,W+8,C]
            result = torch.stack(Indices.Select(i => Dot(a, p.narrow(1, i / k, h).narrow(2, i % k, w), 3)), 1);
        }
        else
        {
            var p = pad(f2, [Radius, Radius, Radius, Radius]);
            result = torch.stack(Indices.Select(i => Dot(f1, p.narrow(2, i / k, h).narrow(3, i % k, w), 1)), 1);
        }
        return result.div_(channels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Σ over <paramref name="dim"/> of a·b. The product is freed at once rather than with the scope: 53 products alive
    /// together (195 MB at paper level 2, 448×1024 input) made the correlation twice as slow as PyTorch's, whose
    /// temporaries go as soon as they are consumed.
    /// </summary>
    static Tensor Dot(Tensor a, Tensor b, int dim)
    {
        using var product = a.mul(b);
        return product.sum(dim);
    }
}
