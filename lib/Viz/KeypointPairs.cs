using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>
/// Ground-truth keypoint correspondences drawn between two images placed side by side, each keypoint in its own colour
/// so a reader can follow which point matches which (unlike <see cref="KeypointMatches"/>, which colours by correctness).
/// </summary>
public static class KeypointPairs
{
    /// <summary>
    /// The colour of keypoint id <paramref name="id"/>: fully saturated hues spaced by the golden angle (137.5°), so
    /// neighbouring ids get clearly different colours for any number of keypoints.
    /// </summary>
    public static Rgb Colour(int id)
    {
        double hue = (id * 137.50776405) % 360 / 60;
        int sector = (int)hue;
        float f = (float)(hue - sector);
        return sector switch
        {
            0 => new Rgb(1, f, 0),
            1 => new Rgb(1 - f, 1, 0),
            2 => new Rgb(0, 1, f),
            3 => new Rgb(0, 1 - f, 1),
            4 => new Rgb(f, 0, 1),
            _ => new Rgb(1, 0, 1 - f),
        };
    }

    /// <summary>
    /// Draws image 1 and image 2 (<c>[3,H,W]</c> float32 in [0,1]) side by side, <paramref name="gap"/> white pixels
    /// apart, upscaled by <paramref name="scale"/> (pixel repetition), with a marker on every keypoint and, when
    /// <paramref name="lines"/>, a line joining each matching pair. Keypoints are <c>[N,2]</c> (x, y) in pixels of their
    /// own (unscaled) image, row i of <paramref name="keypoints1"/> matching row i of <paramref name="keypoints2"/>; row i
    /// is coloured <see cref="Colour"/>(ids[i]) (ids default to 0..N−1). Rows with a non-finite coordinate are skipped.
    /// Returns a <c>[3, s·max(H1,H2), s·(W1+W2)+gap]</c> image.
    /// </summary>
    public static Tensor Plot(Tensor image1, Tensor image2, Tensor keypoints1, Tensor keypoints2, IReadOnlyList<int>? ids = null,
        int scale = 1, int gap = 8, bool lines = true, int markerRadius = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be ≥ 1, got {scale}");
        var c1 = Enlarge(Canvas.FromTensor(image1), scale);
        var c2 = Enlarge(Canvas.FromTensor(image2), scale);
        var p1 = ReadPoints(keypoints1, nameof(keypoints1));
        var p2 = ReadPoints(keypoints2, nameof(keypoints2));
        if (p1.Length != p2.Length) throw new ArgumentException($"keypoint sets differ in length: {p1.Length / 2} and {p2.Length / 2}");
        int n = p1.Length / 2;
        if (ids is not null && ids.Count != n) throw new ArgumentException($"{ids.Count} ids for {n} keypoints");
        var canvas = new Canvas(c1.Width + gap + c2.Width, Math.Max(c1.Height, c2.Height), Rgb.White);
        canvas.Paste(c1, 0, 0).Paste(c2, c1.Width + gap, 0);
        int offset = c1.Width + gap;
        // a pixel centre x of the source lands on the centre of its s×s block: (x + 0.5)·s − 0.5
        int At(float v) => (int)MathF.Round((v + 0.5f) * scale - 0.5f);
        var drawn = new List<(int X1, int Y1, int X2, int Y2, Rgb C)>();
        for (int i = 0; i < n; i++)
        {
            float x1 = p1[2 * i], y1 = p1[2 * i + 1], x2 = p2[2 * i], y2 = p2[2 * i + 1];
            if (!float.IsFinite(x1) || !float.IsFinite(y1) || !float.IsFinite(x2) || !float.IsFinite(y2)) continue;
            drawn.Add((At(x1), At(y1), offset + At(x2), At(y2), Colour(ids?[i] ?? i)));
        }
        if (lines)
            foreach (var d in drawn) canvas.DrawLine(d.X1, d.Y1, d.X2, d.Y2, d.C);
        foreach (var d in drawn) // markers last, with a black rim, so lines never hide them
        {
            canvas.DrawMarker(d.X1, d.Y1, Rgb.Black, markerRadius + 1);
            canvas.DrawMarker(d.X2, d.Y2, Rgb.Black, markerRadius + 1);
            canvas.DrawMarker(d.X1, d.Y1, d.C, markerRadius);
            canvas.DrawMarker(d.X2, d.Y2, d.C, markerRadius);
        }
        return canvas.ToTensor();
    }

    static Canvas Enlarge(Canvas c, int s)
    {
        if (s == 1) return c;
        var big = new Canvas(c.Width * s, c.Height * s, Rgb.Black);
        for (int y = 0; y < c.Height; y++)
            for (int x = 0; x < c.Width; x++) big.FillRect(x * s, y * s, s, s, c[x, y]);
        return big;
    }

    static float[] ReadPoints(Tensor points, string what)
    {
        if (points.dim() != 2 || points.size(1) != 2)
            throw new ArgumentException($"{what} must be [N,2] (x, y), got [{string.Join(",", points.shape)}]");
        using var f = points.detach().to(torch.CPU).to_type(ScalarType.Float32);
        return f.data<float>().ToArray();
    }
}
