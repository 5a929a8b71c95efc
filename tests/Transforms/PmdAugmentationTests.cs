using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Synthetic;
using DistillKit.Models.Pmd;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Transforms;

/// <summary>PMD's student augmentation: the carried pseudo-labels still match the augmented pixels, over seeded draws.</summary>
public class PmdAugmentationTests(ITestOutputHelper output)
{
    const int S = 128, Grid = 32, Draws = 50;

    static Tensor Texture(int seed)
    {
        var texture = ProceduralTexture.Random(SampleRandom.For(seed), (S - 1) / 2.0, (S - 1) / 2.0, S, 6, 3, 12, 40);
        var data = new float[3 * S * S];
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++)
            {
                var (r, g, b) = texture.Colour(x, y);
                (data[y * S + x], data[S * S + y * S + x], data[2 * S * S + y * S + x]) = (r, g, b);
            }
        return torch.tensor(data, [1, 3, S, S]);
    }

    static double Norm(double pixel) => (2 * pixel + 1) / S - 1;      // CellGrid: align_corners = false
    static double Pixel(double norm) => ((norm + 1) * S - 1) / 2;

    /// <summary>
    /// Image 1 is a texture warped by a random synthetic warp with its exact flow (image 1 → image 2); the cell flow from
    /// that flow is the pseudo-label. After the full augmentation (colour jitter, source affine, target scale, erasing),
    /// random points of the augmented source are carried by the carried flow and must land where the exact maps put them:
    /// q′ → q = A(q′) in image 1 → T(q) in image 2 → s ⊙ T(q) in the augmented target. Affine warps compose to an affine
    /// map, which bilinear interpolation of a cell-sampled flow reproduces exactly inside the cell centres; homographies
    /// leave a small interpolation error. Without carrying, the same points miss by many pixels.
    /// </summary>
    [Theory]
    [InlineData(WarpKind.GaussianAffine, 0.01, 0.05)]
    [InlineData(WarpKind.Homography, 0.1, 0.5)]
    public void CarriedFlowMapsTheAugmentedSourcesPointsOntoTheAugmentedTarget(WarpKind kind, double meanTolerance, double maxTolerance)
    {
        var augmentation = new PmdAugmentation();
        var ranges = SyntheticWarpRanges.DenseMatching with { MaxCornerOffset = 0.2 };
        double worstMean = 0, worstMax = 0, uncarriedMean = 0;
        int pointsTotal = 0;
        for (int i = 0; i < Draws; i++)
        {
            using var scope = torch.NewDisposeScope();
            var rng = SampleRandom.For(5, (long)kind, i);
            var warp = SyntheticWarp.Draw(kind, ranges, rng);
            using var image = Texture(i);
            using var pair = SyntheticWarpPairs.Apply(image.squeeze(0), warp);
            var (cellFlow, _) = CellGrid.FromPixelFlow(pair.Flow.unsqueeze(0), null, Grid, Grid);
            var draw = augmentation.Draw(rng);
            using var aug = PmdAugmentation.Apply(pair.Target.unsqueeze(0), pair.Source.unsqueeze(0), [draw], Grid, Grid);
            var carried = aug.CarryFlow(cellFlow);

            var points = new List<float>();
            var expected = new List<double>();
            var t = draw.Theta;
            for (int k = 0; k < 400 && points.Count < 2 * 60; k++)
            {
                double qx = rng.Uniform(6, S - 7), qy = rng.Uniform(6, S - 7);            // in the augmented source
                double u = t[0] * Norm(qx) + t[1] * Norm(qy) + t[2], v = t[3] * Norm(qx) + t[4] * Norm(qy) + t[5];
                double ox = Pixel(u), oy = Pixel(v);                                       // in image 1
                if (ox < 10 || oy < 10 || ox > S - 11 || oy > S - 11) continue;
                var (mx, my) = warp.MapPixels(ox, oy, S, S);                               // in image 2 (exact)
                double ex = Pixel(draw.ScaleX * Norm(mx)), ey = Pixel(draw.ScaleY * Norm(my));  // in the augmented target
                if (mx < 4 || my < 4 || mx > S - 5 || my > S - 5 || ex < 0 || ey < 0 || ex > S - 1 || ey > S - 1) continue;
                points.AddRange([(float)qx, (float)qy]);
                expected.AddRange([ex, ey]);
            }
            if (points.Count < 20) continue;
            int n = points.Count / 2;
            pointsTotal += n;
            using var q = torch.tensor(points.ToArray(), [n, 2]);
            var predicted = CellGrid.TransferKeypoints(carried, q, S, S, S, S).data<float>().ToArray();
            var naive = CellGrid.TransferKeypoints(cellFlow, q, S, S, S, S).data<float>().ToArray();
            double sum = 0, max = 0, naiveSum = 0;
            for (int p = 0; p < n; p++)
            {
                double e = Math.Sqrt(Math.Pow(predicted[2 * p] - expected[2 * p], 2) + Math.Pow(predicted[2 * p + 1] - expected[2 * p + 1], 2));
                naiveSum += Math.Sqrt(Math.Pow(naive[2 * p] - expected[2 * p], 2) + Math.Pow(naive[2 * p + 1] - expected[2 * p + 1], 2));
                sum += e;
                max = Math.Max(max, e);
            }
            worstMean = Math.Max(worstMean, sum / n);
            worstMax = Math.Max(worstMax, max);
            uncarriedMean += naiveSum / n / Draws;
            Assert.True(sum / n < meanTolerance, $"{kind} draw {i}: carried keypoints miss by {sum / n:F3} px on average");
            Assert.True(max < maxTolerance, $"{kind} draw {i}: a carried keypoint misses by {max:F3} px");
        }
        output.WriteLine($"{kind}: {pointsTotal} points over {Draws} draws; carried flow: worst mean error {worstMean:F3} px, worst error {worstMax:F3} px; " +
                         $"uncarried flow: mean error {uncarriedMean:F1} px");
        Assert.True(pointsTotal > 30 * Draws, $"only {pointsTotal} points checked");
        Assert.True(uncarriedMean > 20 * worstMean && uncarriedMean > 3, $"the test cannot tell carried from uncarried flow ({uncarriedMean:F2} px)");
    }

    /// <summary>With colour and erasing off, the augmented target sampled where the carried flow points reproduces the
    /// augmented source at every valid cell (SMURF's check: warping with the augmented flow beats not warping).</summary>
    [Fact]
    public void WarpingTheAugmentedTargetWithTheCarriedFlowGivesTheAugmentedSource()
    {
        var geometryOnly = new PmdAugmentation { ColourJitter = 0, ErasingProbability = 0 };
        for (int i = 0; i < 20; i++)
        {
            using var scope = torch.NewDisposeScope();
            var rng = SampleRandom.For(9, i);
            var warp = SyntheticWarp.Draw(WarpKind.GaussianAffine, SyntheticWarpRanges.DenseMatching, rng);
            using var pair = SyntheticWarpPairs.Apply(Texture(100 + i).squeeze(0), warp);
            // a pixel-resolution "cell" grid, so that the comparison is per pixel
            var (flow, valid) = CellGrid.FromPixelFlow(pair.Flow.unsqueeze(0), pair.Valid.unsqueeze(0), S, S);
            using var aug = PmdAugmentation.Apply(pair.Target.unsqueeze(0), pair.Source.unsqueeze(0), [geometryOnly.Draw(rng)], S, S);
            var carried = aug.CarryFlow(flow);
            var mask = aug.SourceInBounds.mul(aug.TargetInBounds(carried)).mul(aug.CarryField(valid).ge(0.999)).squeeze(0).squeeze(0);
            // stay a few pixels inside: zero padding and bilinear edges are not what is being tested
            mask = mask.mul(torch.nn.functional.pad(torch.ones(S - 8, S - 8), [4, 4, 4, 4]));
            var centres = CellGrid.Centres(S, S);
            var sampledCarried = CellGrid.Sample(aug.Target, carried.add(centres));
            var sampledStill = CellGrid.Sample(aug.Target, centres.expand(1, -1, -1, -1).clone());
            double Mean(Tensor x) => x.sub(aug.Source).abs().mean([1]).squeeze(0).mul(mask).sum().ToDouble() / Math.Max(1, mask.sum().ToDouble());
            double carriedError = Mean(sampledCarried), stillError = Mean(sampledStill);
            Assert.True(mask.sum().ToDouble() > 0.2 * S * S, $"draw {i}: only {mask.sum().ToDouble()} valid pixels");
            Assert.True(carriedError < 0.02, $"draw {i}: the carried flow reads colours {carriedError:F4} off");
            Assert.True(stillError > 4 * carriedError, $"draw {i}: not warping ({stillError:F4}) is as good as the carried flow ({carriedError:F4})");
        }
    }

    [Fact]
    public void DrawsAreSeededAndSwitchingAPartOffLeavesTheOthersDraws()
    {
        var a = new PmdAugmentation();
        var d1 = a.Draw(SampleRandom.For(3, 59, 7, 1));
        var d2 = a.Draw(SampleRandom.For(3, 59, 7, 1));
        var d3 = a.Draw(SampleRandom.For(3, 59, 8, 1));
        Assert.Equal(d1.Theta, d2.Theta);
        Assert.Equal((d1.ScaleX, d1.JitterSource, d1.Erased), (d2.ScaleX, d2.JitterSource, d2.Erased));
        Assert.NotEqual(d1.Theta, d3.Theta);
        var noColour = (a with { ColourJitter = 0 }).Draw(SampleRandom.For(3, 59, 7, 1));
        Assert.Equal(d1.Theta, noColour.Theta);
        Assert.Equal(d1.Erased, noColour.Erased);
        Assert.Equal(ColourJitterDraw.None, noColour.JitterTarget);
        Assert.True((a with { Enabled = false }).Draw(SampleRandom.For(3, 59, 7, 1)).IsIdentity);
        // over many draws the parts appear at their probabilities
        var many = Enumerable.Range(0, 2000).Select(i => a.Draw(SampleRandom.For(4, i))).ToArray();
        Assert.InRange(many.Count(d => d.Erased is not null) / 2000.0, 0.26, 0.34);
        Assert.InRange(many.Count(d => d.ScaleX != 1) / 2000.0, 0.76, 0.84);
        Assert.All(many.Where(d => d.Erased is not null), d => Assert.InRange(d.Erased!.Width * d.Erased.Height, 0.0, 0.4 + 1e-9));
        var offsets = many.Select(d => d.Theta[2]).ToArray();
        double sd = Math.Sqrt(offsets.Select(x => x * x).Average());
        Assert.InRange(sd, 0.14, 0.16);
    }

    [Fact]
    public void AnIdentityDrawPassesPixelsAndPseudoLabelsThroughUnchanged()
    {
        using var source = Texture(1);
        using var target = Texture(2);
        using var flow = torch.rand([3, 1, 2, 8, 8]).sub(0.5);
        using var aug = PmdAugmentation.Apply(source, target, [PmdAugmentationDraw.Identity], 8, 8);
        Assert.Equal(0, aug.Source.sub(source).abs().max().ToDouble());
        Assert.Equal(0, aug.Target.sub(target).abs().max().ToDouble());
        Assert.True(aug.CarryFlow(flow).sub(flow).abs().max().ToDouble() < 1e-6);
        Assert.Equal(64, aug.SourceInBounds.sum().ToDouble());
    }
}
