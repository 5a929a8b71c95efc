using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models;

/// <summary>How a local cost volume is computed (same result, different speed and memory). Written by name in JSON.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CostVolumeMode>))]
public enum CostVolumeMode
{
    /// <summary>The straightforward form: shift the target features (2r+1)² times, multiply, sum over channels.</summary>
    ShiftMultiply,

    /// <summary>
    /// Shift-and-multiply on channels-last copies ([B,H,W,C], made once), so each of the (2r+1)² channel sums is a
    /// contiguous inner reduction. The kit's default: `./kit bench costvolume` measures it against the others.
    /// </summary>
    ChannelsLast,

    /// <summary>One im2col of the padded target ([B, C·(2r+1)², HW], a large copy) and one multiply-reduce.</summary>
    Im2Col,
}

/// <summary>Local correlation (cost volume) between two feature maps.</summary>
public static class CostVolume
{
    /// <summary>
    /// Dot products over channels between f1(p) and f2(p + d) for every displacement d in a (2r+1)×(2r+1) window,
    /// zero outside f2. f1, f2: [B,C,H,W]; result [B,(2r+1)²,H,W], channel k = (dy + r)·(2r+1) + (dx + r)
    /// (row-major, dy outer). Not divided by C (PWC-Net, DDFlow variant: features are L2-normalised before).
    /// </summary>
    public static Tensor Compute(Tensor f1, Tensor f2, int radius, CostVolumeMode mode = CostVolumeMode.ChannelsLast)
    {
        var s = f1.shape;
        if (s.Length != 4 || !s.SequenceEqual(f2.shape))
            throw new ArgumentException($"cost volume needs two [B,C,H,W] maps of one shape, got [{string.Join(",", s)}] and [{string.Join(",", f2.shape)}]");
        long b = s[0], c = s[1], h = s[2], w = s[3], k = 2 * radius + 1;
        using var scope = torch.NewDisposeScope();
        Tensor result;
        if (mode == CostVolumeMode.Im2Col)
        {
            var cols = unfold(f2, k, padding: radius).view(b, c, k * k, h * w);
            result = f1.view(b, c, 1, h * w).mul(cols).sum(1).view(b, k * k, h, w);
        }
        else if (mode == CostVolumeMode.ChannelsLast)
        {
            var a = f1.permute(0, 2, 3, 1).contiguous();                                          // [B,H,W,C]
            var p = pad(f2, [radius, radius, radius, radius]).permute(0, 2, 3, 1).contiguous();   // [B,H+2r,W+2r,C]
            var planes = new List<Tensor>((int)(k * k));
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                    planes.Add(a.mul(p.narrow(1, dy, h).narrow(2, dx, w)).sum(3));                // contiguous inner reduction
            result = torch.stack(planes, 1);
        }
        else
        {
            var padded = pad(f2, [radius, radius, radius, radius]);
            var slices = new List<Tensor>((int)(k * k));
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++)
                    slices.Add(f1.mul(padded.narrow(2, dy, h).narrow(3, dx, w)).sum(1, keepdim: true));
            result = torch.cat(slices, 1);
        }
        return result.MoveToOuterDisposeScope();
    }

}
