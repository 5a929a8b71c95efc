using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Data.Semantic;

/// <summary>Random warps for correspondence teachers: the flow moves with the pixels, and the drawn ranges hold.</summary>
public class SyntheticWarpTests(ITestOutputHelper output)
{
    const int H = 48, W = 64, Draws = 60;
    static readonly SyntheticWarpRanges Dm = SyntheticWarpRanges.DenseMatching;
    static readonly WarpKind[] Kinds = [WarpKind.Affine, WarpKind.Homography, WarpKind.Tps, WarpKind.AffineTps, WarpKind.GaussianAffine];

    static SyntheticWarp DrawOne(WarpKind kind, int i) => SyntheticWarp.Draw(kind, Dm, SampleRandom.For(17, (long)kind, i));

    [Fact]
    public void FlowMatchesThePixelsOverSeededDrawsOfEveryKind()
    {
        // the source is an analytic texture sampled at pixel centres, so the true target colour at p is known exactly:
        // texture(p + w(p)). The warped target (bilinear resampling) must agree with it on valid pixels up to bilinear
        // interpolation error (wavelengths ≥ 12 px keep that near 0.001 on average), and a flow off by 1.5 px must not.
        var texture = ProceduralTexture.Random(SampleRandom.For(3), (W - 1) / 2.0, (H - 1) / 2.0, W, 6, 3, 12, 40);
        var src = new float[3 * H * W];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                var (r, g, b) = texture.Colour(x, y);
                (src[y * W + x], src[H * W + y * W + x], src[2 * H * W + y * W + x]) = (r, g, b);
            }
        using var source = torch.tensor(src, [3, H, W]);
        foreach (var kind in Kinds)
        {
            double worstMean = 0, worstShiftedRatio = double.MaxValue, minValid = 1;
            for (int i = 0; i < Draws; i++)
            {
                using var scope = torch.NewDisposeScope();
                var warp = DrawOne(kind, i);
                using var pair = SyntheticWarpPairs.Apply(source, warp);
                // warping the source back with the flow (DESIGN.md: image 1 = target, image 2 = source) gives the target
                var (back, inBounds) = Warping.Warp(pair.Source.unsqueeze(0), pair.Flow.unsqueeze(0));
                Assert.True((back.squeeze(0) - pair.Target).abs().max().ToDouble() < 1e-5);
                Assert.Equal(0.0, (inBounds.squeeze(0) - pair.Valid).abs().sum().ToDouble());

                var flow = pair.Flow.data<float>().ToArray();
                var target = pair.Target.data<float>().ToArray();
                var valid = pair.Valid.data<float>().ToArray();
                double err = 0, errShifted = 0;
                int n = 0;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++)
                    {
                        int p = y * W + x;
                        double sx = x + flow[p], sy = y + flow[H * W + p];
                        // the flow is the warp's own map, and the valid mask says whether it lands in the source
                        var (mx, my) = warp.MapPixels(x, y, H, W);
                        Assert.True(Math.Abs(mx - sx) < 1e-3 && Math.Abs(my - sy) < 1e-3);
                        Assert.Equal(mx >= 0 && mx <= W - 1 && my >= 0 && my <= H - 1 ? 1f : 0f, valid[p]);
                        if (valid[p] == 0 || sx > W - 2.5 || sy > H - 1) continue; // keep the shifted control in bounds too
                        var t = texture.Colour(sx, sy);
                        var s = texture.Colour(sx + 1.5, sy);
                        err += Math.Abs(target[p] - t.R) + Math.Abs(target[H * W + p] - t.G) + Math.Abs(target[2 * H * W + p] - t.B);
                        errShifted += Math.Abs(target[p] - s.R) + Math.Abs(target[H * W + p] - s.G) + Math.Abs(target[2 * H * W + p] - s.B);
                        n++;
                    }
                minValid = Math.Min(minValid, valid.Average());
                Assert.True(n > 0.1 * H * W, $"{kind} draw {i}: only {n} valid pixels");
                double mean = err / (3 * n), shifted = errShifted / (3 * n);
                Assert.True(mean < 0.003, $"{kind} draw {i}: target differs from texture(p + w) by {mean:F4} on average");
                Assert.True(shifted > 3 * mean, $"{kind} draw {i}: a 1.5 px error in the flow is not visible ({shifted:F4} vs {mean:F4})");
                worstMean = Math.Max(worstMean, mean);
                worstShiftedRatio = Math.Min(worstShiftedRatio, shifted / mean);
            }
            output.WriteLine($"{kind}: worst mean error {worstMean:F4}, worst shifted/true ratio {worstShiftedRatio:F1}, least valid fraction {minValid:F2}");
        }
    }

    [Fact]
    public void AffineDrawsStayInTheirRangesAndTheFlowRealisesThem()
    {
        double maxRot = 0, maxShear = 0, minScale = 9, maxScale = 0, maxT = 0;
        foreach (var kind in new[] { WarpKind.Affine, WarpKind.AffineTps })
            for (int i = 0; i < 200; i++)
            {
                var warp = DrawOne(kind, i);
                var p = warp.AffineParameters!;
                Assert.InRange(Math.Abs(p.Rotation), 0, Math.PI / 12);
                Assert.InRange(Math.Abs(p.Shear), 0, Math.PI / 12);
                Assert.InRange(p.ScaleX, 0.5, 1.5);
                Assert.InRange(p.ScaleY, 0.5, 1.5);
                Assert.InRange(Math.Abs(p.TranslationX), 0, 0.25);
                Assert.InRange(Math.Abs(p.TranslationY), 0, 0.25);
                (maxRot, maxShear, maxT) = (Math.Max(maxRot, Math.Abs(p.Rotation)), Math.Max(maxShear, Math.Abs(p.Shear)), Math.Max(maxT, Math.Abs(p.TranslationX)));
                (minScale, maxScale) = (Math.Min(minScale, Math.Min(p.ScaleX, p.ScaleY)), Math.Max(maxScale, Math.Max(p.ScaleX, p.ScaleY)));
                // A = R(α)·R(−φ)·diag(sx, sy)·R(φ), written out independently of the library
                double[,] R(double a) => new[,] { { Math.Cos(a), -Math.Sin(a) }, { Math.Sin(a), Math.Cos(a) } };
                var m = Mul(Mul(Mul(R(p.Rotation), R(-p.Shear)), new[,] { { p.ScaleX, 0 }, { 0, p.ScaleY } }), R(p.Shear));
                if (kind == WarpKind.Affine)
                {
                    // read the map off the flow at three image corners (normalised (−1, −1), (1, −1), (−1, 1))
                    using var flow = SyntheticWarpPairs.Flow(warp, H, W);
                    var f = flow.data<float>().ToArray();
                    (double X, double Y) T(int x, int y) =>
                        (2 * (x + f[y * W + x]) / (W - 1) - 1, 2 * (y + f[H * W + y * W + x]) / (H - 1) - 1);
                    var (t00, t10, t01) = (T(0, 0), T(W - 1, 0), T(0, H - 1));
                    double a11 = (t10.X - t00.X) / 2, a21 = (t10.Y - t00.Y) / 2, a12 = (t01.X - t00.X) / 2, a22 = (t01.Y - t00.Y) / 2;
                    Assert.Equal(m[0, 0], a11, 1e-3);
                    Assert.Equal(m[0, 1], a12, 1e-3);
                    Assert.Equal(m[1, 0], a21, 1e-3);
                    Assert.Equal(m[1, 1], a22, 1e-3);
                    Assert.Equal(p.TranslationX, t00.X + a11 + a12, 1e-3); // T(0) = t
                    Assert.Equal(p.TranslationY, t00.Y + a21 + a22, 1e-3);
                }
                else
                {
                    Assert.Equal(m[0, 0], warp.Affine.A11, 12);
                    Assert.Equal(m[1, 0], warp.Affine.A21, 12);
                }
            }
        // the draws cover their ranges, not just a corner of them
        Assert.True(maxRot > 0.9 * Math.PI / 12 && maxShear > 0.9 * Math.PI / 12 && maxT > 0.225);
        Assert.True(minScale < 0.55 && maxScale > 1.45);
    }

    static double[,] Mul(double[,] a, double[,] b) => new[,]
    {
        { a[0, 0] * b[0, 0] + a[0, 1] * b[1, 0], a[0, 0] * b[0, 1] + a[0, 1] * b[1, 1] },
        { a[1, 0] * b[0, 0] + a[1, 1] * b[1, 0], a[1, 0] * b[0, 1] + a[1, 1] * b[1, 1] },
    };

    [Fact]
    public void HomographyAndTpsOffsetsStayInRangeAndTheFlowHitsThem()
    {
        // odd sizes put the normalised grid {−1, 0, 1} on pixel centres: flows there are the drawn offsets in pixels
        const int h = 49, w = 65;
        double sx = (w - 1) / 2.0, sy = (h - 1) / 2.0, maxOffset = 0;
        foreach (var kind in new[] { WarpKind.Homography, WarpKind.Tps })
            for (int i = 0; i < 100; i++)
            {
                var warp = DrawOne(kind, i);
                Assert.Equal(kind == WarpKind.Homography ? 4 : 9, warp.Controls.Count);
                using var flow = SyntheticWarpPairs.Flow(warp, h, w);
                var f = flow.data<float>().ToArray();
                for (int k = 0; k < warp.Controls.Count; k++)
                {
                    var (ox, oy) = warp.Offsets[k];
                    Assert.InRange(Math.Abs(ox), 0, 0.4);
                    Assert.InRange(Math.Abs(oy), 0, 0.4);
                    maxOffset = Math.Max(maxOffset, Math.Max(Math.Abs(ox), Math.Abs(oy)));
                    int x = (int)Math.Round((warp.Controls[k].X + 1) * sx), y = (int)Math.Round((warp.Controls[k].Y + 1) * sy);
                    Assert.Equal(ox * sx, f[y * w + x], 1e-3);
                    Assert.Equal(oy * sy, f[h * w + y * w + x], 1e-3);
                }
                // nowhere does the flow exceed what the ranges allow by much (TPS may overshoot between controls a little)
                Assert.True(f.Max(Math.Abs) < 0.4 * 1.5 * sx, $"{kind} draw {i}: flow up to {f.Max(Math.Abs):F1} px");
            }
        Assert.True(maxOffset > 0.38);
    }

    [Fact]
    public void GaussianAffineHasTheDocumentedSpread()
    {
        var entries = Enumerable.Range(0, 400).Select(i => DrawOne(WarpKind.GaussianAffine, i).Affine)
            .SelectMany(a => new[] { a.A11 - 1, a.A12, a.A21, a.A22 - 1, a.B1, a.B2 }).ToArray();
        double mean = entries.Average(), sd = Math.Sqrt(entries.Average(e => (e - mean) * (e - mean)));
        Assert.InRange(mean, -0.02, 0.02);   // 2400 draws: standard error 0.003
        Assert.InRange(sd, 0.14, 0.16);      // relative standard error about 1.5%
    }

    [Fact]
    public void HomographyAndSplineFitTheirDefiningPoints()
    {
        // x/(x+1), y/(x+1) takes the unit square to (0,0), (½,0), (½,½), (0,1): H = [[1,0,0],[0,1,0],[1,0,1]]
        var hm = Homography2.FromCorrespondences([(0, 0), (1, 0), (1, 1), (0, 1)], [(0, 0), (0.5, 0), (0.5, 0.5), (0, 1)]);
        Assert.Equal(new Homography2(1, 0, 0, 0, 1, 0, 1, 0), hm with
        {
            H11 = Math.Round(hm.H11, 12), H12 = Math.Round(hm.H12, 12), H13 = Math.Round(hm.H13, 12), H21 = Math.Round(hm.H21, 12),
            H22 = Math.Round(hm.H22, 12), H23 = Math.Round(hm.H23, 12), H31 = Math.Round(hm.H31, 12), H32 = Math.Round(hm.H32, 12),
        });
        Assert.Equal((0.25, 0.375), hm.Apply(1.0 / 3, 0.5)); // (1/3)/(4/3), (1/2)/(4/3)
        Assert.Throws<InvalidOperationException>(() => Homography2.FromCorrespondences([(0, 0), (1, 0), (2, 0), (0, 1)], [(0, 0), (1, 0), (2, 0), (0, 1)]));

        // a TPS through points displaced by an affine map is that affine map (no bending); otherwise it interpolates
        (double X, double Y)[] c = [(-1, -1), (1, -1), (1, 1), (-1, 1), (0, 0), (0.3, -0.6)];
        (double, double) A((double X, double Y) p) => (0.9 * p.X - 0.2 * p.Y + 0.1, 0.3 * p.X + 1.1 * p.Y - 0.05);
        var affine = ThinPlateSpline.Fit(c, c.Select(A).ToArray());
        foreach (var p in new[] { (0.5, 0.5), (-0.7, 0.2), (2.0, -3.0) })
        {
            var (fx, fy) = affine.Apply(p.Item1, p.Item2);
            var (ax, ay) = A(p);
            Assert.Equal(ax, fx, 10);
            Assert.Equal(ay, fy, 10);
        }
        var bent = c.Select((p, k) => (p.X + 0.1 * k * k, p.Y - 0.05 * k)).ToArray();
        var tps = ThinPlateSpline.Fit(c, bent);
        for (int k = 0; k < c.Length; k++)
        {
            var (fx, fy) = tps.Apply(c[k].X, c[k].Y);
            Assert.Equal(bent[k].Item1, fx, 10);
            Assert.Equal(bent[k].Item2, fy, 10);
        }
    }

    [Fact]
    public void WarpPairsAreDeterministicAndDrawEveryConfiguredKind()
    {
        using var scope = torch.NewDisposeScope();
        var semantic = new SyntheticSemanticGenerator(SyntheticSemanticConfig.Smoke, 4);
        var pairs = new SyntheticWarpPairs(i => semantic.SingleImage(i), seed: 8);
        using var a = pairs.Generate(3, epoch: 1);
        using var b = new SyntheticWarpPairs(i => semantic.SingleImage(i), seed: 8).Generate(3, epoch: 1);
        Assert.Equal(a.Target.data<float>().ToArray(), b.Target.data<float>().ToArray());
        Assert.Equal(a.Flow.data<float>().ToArray(), b.Flow.data<float>().ToArray());
        Assert.Equal(new long[] { 3, 48, 48 }, a.Target.shape);
        Assert.Equal(new long[] { 2, 48, 48 }, a.Flow.shape);
        Assert.Equal(new long[] { 1, 48, 48 }, a.Valid.shape);
        using var otherEpoch = pairs.Generate(3, epoch: 2);
        Assert.NotEqual(a.Flow.data<float>().ToArray(), otherEpoch.Flow.data<float>().ToArray());
        Assert.Equal(a.Source.data<float>().ToArray(), otherEpoch.Source.data<float>().ToArray()); // same image, new warp
        var kinds = Enumerable.Range(0, 80).Select(i => pairs.DrawWarp(i).Kind).ToHashSet();
        Assert.Equal(new[] { WarpKind.Affine, WarpKind.Homography, WarpKind.Tps, WarpKind.AffineTps }.ToHashSet(), kinds);
        using var identity = SyntheticWarpPairs.Flow(SyntheticWarp.Identity, 5, 7);
        Assert.Equal(0.0, identity.abs().max().ToDouble(), 6);
        Assert.Throws<ArgumentException>(() => SyntheticWarp.Draw(WarpKind.Affine, Dm with { MinScale = 0 }, SampleRandom.For(0)));
    }
}
