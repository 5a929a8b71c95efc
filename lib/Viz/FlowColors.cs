using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>
/// The Middlebury flow colour coding (Baker et al., "A Database and Evaluation Methodology for Optical Flow", IJCV
/// 2011): hue from the flow direction on a 55-colour wheel, saturation from the magnitude. The wheel runs through
/// six ramps of RY 15, YG 6, GC 4, CB 11, BM 13 and MR 6 steps (red → yellow → green → cyan → blue → magenta → red),
/// each ramp moving one RGB component by floor(255·i/n). A flow (u, v) (u to the right, v downwards, pixels) at
/// angle atan2(−v, −u)/π ∈ [−1, 1] picks position (angle + 1)/2·54 on the wheel, interpolated linearly between the
/// two nearest colours; then, with r = |w| / maxMagnitude, colour = 1 − r·(1 − colour) when r ≤ 1 (zero flow is
/// white, flow of the maximum magnitude is the pure wheel colour, e.g. +u → red) and colour·0.75 beyond.
/// </summary>
public static class FlowColors
{
    /// <summary>Ramp lengths of the wheel (Baker et al. 2011).</summary>
    public const int RY = 15, YG = 6, GC = 4, CB = 11, BM = 13, MR = 6;

    static readonly Rgb[] s_wheel = BuildWheel();

    /// <summary>The 55 wheel colours, starting at red.</summary>
    public static IReadOnlyList<Rgb> Wheel => s_wheel;

    static Rgb[] BuildWheel()
    {
        var colours = new List<Rgb>();
        void Ramp(int n, Func<float, Rgb> at)
        {
            for (int i = 0; i < n; i++) colours.Add(at(MathF.Floor(255f * i / n) / 255f));
        }
        Ramp(RY, t => new Rgb(1, t, 0));     // red → yellow: green rises
        Ramp(YG, t => new Rgb(1 - t, 1, 0)); // yellow → green: red falls
        Ramp(GC, t => new Rgb(0, 1, t));     // green → cyan: blue rises
        Ramp(CB, t => new Rgb(0, 1 - t, 1)); // cyan → blue: green falls
        Ramp(BM, t => new Rgb(t, 0, 1));     // blue → magenta: red rises
        Ramp(MR, t => new Rgb(1, 0, 1 - t)); // magenta → red: blue falls
        return colours.ToArray();
    }

    /// <summary>The colour of one flow vector (u, v) in pixels, for a given maximum magnitude (see the class remarks).</summary>
    public static Rgb ColorOf(double u, double v, double maxMagnitude)
    {
        if (!(maxMagnitude > 0)) throw new ArgumentOutOfRangeException(nameof(maxMagnitude), $"must be positive, got {maxMagnitude}");
        int n = s_wheel.Length;
        double r = Math.Sqrt(u * u + v * v) / maxMagnitude;
        double angle = Math.Atan2(-v, -u) / Math.PI;
        double position = (angle + 1) / 2 * (n - 1);
        int k0 = (int)Math.Floor(position);
        int k1 = k0 + 1 == n ? 0 : k0 + 1;
        float f = (float)(position - k0);
        var c = Rgb.Lerp(s_wheel[k0], s_wheel[k1], f);
        if (r <= 1)
        {
            float rf = (float)r;
            return new Rgb(1 - rf * (1 - c.R), 1 - rf * (1 - c.G), 1 - rf * (1 - c.B));
        }
        return new Rgb(c.R * 0.75f, c.G * 0.75f, c.B * 0.75f);
    }

    /// <summary>
    /// Colour-codes <paramref name="flow"/> <c>[2,H,W]</c> (or <c>[B,2,H,W]</c>; channel 0 = u/x, 1 = v/y, pixels) into
    /// <c>[3,H,W]</c> (or <c>[B,3,H,W]</c>) float32 RGB in [0,1]. <paramref name="maxMagnitude"/> fixes the magnitude
    /// that maps to full saturation, so that frames and models share one scale; by default each image uses its own
    /// largest known magnitude. Pixels where <paramref name="valid"/> (<c>[1,H,W]</c>, 1 = known) is 0, or whose flow
    /// is not finite or exceeds 1e9 (Middlebury "unknown"), are black.
    /// </summary>
    public static Tensor ToColor(Tensor flow, double? maxMagnitude = null, Tensor? valid = null)
    {
        if (flow.dim() == 4 && flow.size(0) > 1)
        {
            var frames = new List<Tensor>();
            for (long b = 0; b < flow.size(0); b++)
            {
                using var fb = flow.select(0, b);
                using var vb = valid?.dim() == 4 ? valid.select(0, b) : null;
                frames.Add(ToColor(fb, maxMagnitude, vb ?? valid));
            }
            var stacked = torch.stack(frames, 0);
            foreach (var t in frames) t.Dispose();
            return stacked;
        }
        var f = TensorPixels.ReadChw(flow, nameof(flow), out int c, out int h, out int w);
        if (c != 2) throw new ArgumentException($"flow must be [2,H,W], got [{string.Join(",", flow.shape)}]");
        var known = KnownMask(f, valid, h, w);
        long hw = (long)h * w;
        double max = maxMagnitude ?? LargestMagnitude(f, known);
        if (!(max > 0)) max = 1;
        var rgb = new float[3 * hw];
        for (long p = 0; p < hw; p++)
        {
            if (!known[p]) continue;
            var col = ColorOf(f[p], f[hw + p], max);
            rgb[p] = col.R;
            rgb[hw + p] = col.G;
            rgb[2 * hw + p] = col.B;
        }
        var result = torch.tensor(rgb, [3, h, w]);
        if (flow.dim() != 4) return result;
        var batched = result.unsqueeze(0);
        result.Dispose();
        return batched;
    }

    /// <summary>
    /// A <paramref name="size"/>×<paramref name="size"/> legend: the colour of every flow vector within the disc
    /// (centre = zero flow, rim = maximum magnitude, right = +u, down = +v), white outside.
    /// </summary>
    public static Tensor Legend(int size = 101)
    {
        if (size < 3) throw new ArgumentOutOfRangeException(nameof(size), "legend size must be at least 3");
        var canvas = new Canvas(size, size, Rgb.White);
        double centre = (size - 1) / 2.0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double u = (x - centre) / centre, v = (y - centre) / centre;
                if (u * u + v * v <= 1) canvas.SetPixel(x, y, ColorOf(u, v, 1));
            }
        return canvas.ToTensor();
    }

    /// <summary>The largest flow magnitude over known pixels (0 when none).</summary>
    public static double LargestMagnitude(Tensor flow, Tensor? valid = null)
    {
        var f = TensorPixels.ReadChw(flow, nameof(flow), out int c, out int h, out int w);
        if (c != 2) throw new ArgumentException($"flow must be [2,H,W], got [{string.Join(",", flow.shape)}]");
        return LargestMagnitude(f, KnownMask(f, valid, h, w));
    }

    static double LargestMagnitude(float[] f, bool[] known)
    {
        long hw = known.LongLength;
        double max = 0;
        for (long p = 0; p < hw; p++)
            if (known[p]) max = Math.Max(max, Math.Sqrt((double)f[p] * f[p] + (double)f[hw + p] * f[hw + p]));
        return max;
    }

    internal static bool[] KnownMask(float[] f, Tensor? valid, int h, int w)
    {
        long hw = (long)h * w;
        float[]? m = null;
        if (valid is not null)
        {
            m = TensorPixels.ReadChw(valid, nameof(valid), out int vc, out int vh, out int vw, allow2d: true);
            if (vc != 1 || vh != h || vw != w) throw new ArgumentException($"valid must be [1,{h},{w}], got [{string.Join(",", valid.shape)}]");
        }
        var known = new bool[hw];
        for (long p = 0; p < hw; p++)
        {
            float u = f[p], v = f[hw + p];
            known[p] = (m is null || m[p] > 0.5f) && float.IsFinite(u) && float.IsFinite(v) && MathF.Abs(u) <= 1e9f && MathF.Abs(v) <= 1e9f;
        }
        return known;
    }
}
