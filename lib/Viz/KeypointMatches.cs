using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>Keypoint correspondences drawn between two images placed side by side.</summary>
public static class KeypointMatches
{
    /// <summary>Colour of a match within the threshold, of one outside it, and of a match without a target.</summary>
    public static readonly Rgb Correct = Rgb.Green, Wrong = Rgb.Red, Unjudged = Rgb.Yellow;

    /// <summary>
    /// Draws image 1 and image 2 (<c>[3,H,W]</c> float32 in [0,1]) side by side, <paramref name="gap"/> white pixels
    /// apart, and a line from each keypoint <paramref name="source"/>[i] (in image 1) to <paramref name="predicted"/>[i]
    /// (in image 2). Keypoints are <c>[N,2]</c> (x, y) in pixels of their own image. With <paramref name="target"/>
    /// (<c>[N,2]</c>, the true location in image 2) a line is green when ‖predicted − target‖ ≤
    /// <paramref name="thresholdPx"/> and red otherwise; without it lines are yellow. Rows with a non-finite
    /// coordinate are invalid and skipped. Returns a <c>[3,H,W1+gap+W2]</c> image.
    /// </summary>
    public static Tensor Plot(Tensor image1, Tensor image2, Tensor source, Tensor predicted, Tensor? target = null,
        double thresholdPx = 5, int gap = 8, int lineWidth = 1) =>
        Plot(image1, image2, source, predicted, target, thresholdPx, gap, lineWidth, out _, out _);

    /// <summary>As <see cref="Plot(Tensor, Tensor, Tensor, Tensor, Tensor?, double, int, int)"/>, also counting correct and judged matches.</summary>
    public static Tensor Plot(Tensor image1, Tensor image2, Tensor source, Tensor predicted, Tensor? target, double thresholdPx,
        int gap, int lineWidth, out int correct, out int judged)
    {
        var c1 = Canvas.FromTensor(image1);
        var c2 = Canvas.FromTensor(image2);
        var s = ReadPoints(source, nameof(source));
        var p = ReadPoints(predicted, nameof(predicted));
        var t = target is null ? null : ReadPoints(target, nameof(target));
        if (p.Length != s.Length || (t is not null && t.Length != s.Length))
            throw new ArgumentException($"keypoint sets differ in length: source {s.Length / 2}, predicted {p.Length / 2}" +
                (t is null ? "" : $", target {t.Length / 2}"));
        var canvas = new Canvas(c1.Width + gap + c2.Width, Math.Max(c1.Height, c2.Height), Rgb.White);
        canvas.Paste(c1, 0, 0).Paste(c2, c1.Width + gap, 0);
        int offset = c1.Width + gap;
        correct = judged = 0;
        for (int i = 0; i < s.Length / 2; i++)
        {
            float sx = s[2 * i], sy = s[2 * i + 1], px = p[2 * i], py = p[2 * i + 1];
            if (!float.IsFinite(sx) || !float.IsFinite(sy) || !float.IsFinite(px) || !float.IsFinite(py)) continue;
            var colour = Unjudged;
            if (t is not null)
            {
                float tx = t[2 * i], ty = t[2 * i + 1];
                if (!float.IsFinite(tx) || !float.IsFinite(ty)) continue;
                judged++;
                bool ok = Math.Sqrt((px - tx) * (px - tx) + (py - ty) * (py - ty)) <= thresholdPx;
                if (ok) correct++;
                colour = ok ? Correct : Wrong;
            }
            int x0 = (int)MathF.Round(sx), y0 = (int)MathF.Round(sy), x1 = offset + (int)MathF.Round(px), y1 = (int)MathF.Round(py);
            canvas.DrawLine(x0, y0, x1, y1, colour, lineWidth);
            canvas.DrawMarker(x0, y0, colour);
            canvas.DrawMarker(x1, y1, colour);
        }
        return canvas.ToTensor();
    }

    static float[] ReadPoints(Tensor points, string what)
    {
        if (points.dim() != 2 || points.size(1) != 2)
            throw new ArgumentException($"{what} keypoints must be [N,2] (x, y), got [{string.Join(",", points.shape)}]");
        using var f = points.detach().to(torch.CPU).to_type(ScalarType.Float32);
        return f.data<float>().ToArray();
    }
}
