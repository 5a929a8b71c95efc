using System.Diagnostics;
using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Data.Semantic;

public class SemanticSyntheticGeneratorTests(ITestOutputHelper output)
{
    static readonly SyntheticSemanticConfig Mini = SyntheticSemanticConfig.Mini;

    [Fact]
    public void SameSeedSplitAndIndexGiveIdenticalPairsInAnyOrder()
    {
        var a = new SyntheticSemanticGenerator(Mini, 42);
        var b = new SyntheticSemanticGenerator(Mini, 42);
        b.GenerateArrays(9); // generating other pairs first must not matter
        var x = a.GenerateArrays(3);
        var y = b.GenerateArrays(3);
        Assert.Equal(x.Image1, y.Image1);
        Assert.Equal(x.Image2, y.Image2);
        Assert.Equal(x.Mask2, y.Mask2);
        Assert.Equal(x.Keypoints1, y.Keypoints1);
        Assert.Equal(x.Keypoints2, y.Keypoints2);
        Assert.Equal(x.KeypointIds, y.KeypointIds);
        Assert.Equal(x.Box1, y.Box1);
        // the tensors too
        using var scope = torch.NewDisposeScope();
        using var t1 = a.Generate(5, SemanticSplit.Test);
        using var t2 = b.Generate(5, SemanticSplit.Test);
        static bool Same(Tensor a, Tensor b) => a.data<float>().ToArray().SequenceEqual(b.data<float>().ToArray());
        Assert.True(Same(t1.Image1, t2.Image1) && Same(t1.Image2, t2.Image2) && Same(t1.Keypoints2, t2.Keypoints2) && Same(t1.Mask1, t2.Mask1));
        // and another index, seed or split gives another pair (same category at index + 4)
        Assert.NotEqual(x.Image1, a.GenerateArrays(7).Image1);
        Assert.NotEqual(x.Image1, new SyntheticSemanticGenerator(Mini, 43).GenerateArrays(3).Image1);
        Assert.NotEqual(x.Image1, a.GenerateArrays(3, SemanticSplit.Test).Image1);
        Assert.NotEqual(x.Image1, a.GenerateArrays(3, SemanticSplit.Validation).Image1);
    }

    [Fact]
    public void OutputsHaveTheDocumentedShapesAndRanges()
    {
        using var scope = torch.NewDisposeScope();
        var cfg = Mini with { Height = 72, Width = 96 };
        var gen = new SyntheticSemanticGenerator(cfg, 1);
        for (long index = 0; index < 8; index++)
        {
            using var p = gen.Generate(index);
            long n = p.KeypointIds.Count;
            Assert.Equal(new long[] { 3, 72, 96 }, p.Image1.shape);
            Assert.Equal(new long[] { 3, 72, 96 }, p.Image2.shape);
            Assert.Equal(new long[] { 1, 72, 96 }, p.Mask2.shape);
            Assert.Equal(new long[] { n, 2 }, p.Keypoints1.shape);
            Assert.Equal(new long[] { n, 2 }, p.Keypoints2.shape);
            Assert.Equal(n, p.KeypointNames.Count);
            Assert.Equal(gen.CategoryOf(index), p.Category);
            Assert.True(p.Image1.min().ToDouble() >= 0 && p.Image2.max().ToDouble() <= 1);
            Assert.Equal(0.0, (p.Mask1 * (1 - p.Mask1)).abs().sum().ToDouble());
            Assert.True(p.Mask1.sum().ToDouble() > 30 && p.Mask2.sum().ToDouble() > 30);
        }
        Assert.Equal(SemanticCategory.Car, gen.CategoryOf(2));
        Assert.Equal(SemanticCategory.Quadruped, gen.CategoryOf(4));
    }

    [Fact]
    public void KeypointsOfAPairAreSharedInBoundsAndOnTheirOwnRenderedPart()
    {
        foreach (var cfg in new[] { SyntheticSemanticConfig.Smoke, Mini, Mini with { Height = 128, Width = 128 } })
        {
            var gen = new SyntheticSemanticGenerator(cfg, 7);
            int total = 0;
            for (long index = 0; index < 24; index++)
            {
                var (s1, s2) = gen.Scenes(index);
                var r1 = s1.Render();
                var r2 = s2.Render();
                var pair = gen.GenerateArrays(index);
                var names = CategoryModel.Of(pair.Category).KeypointNames;
                Assert.True(pair.Count >= cfg.MinSharedKeypoints);
                Assert.Equal(pair.KeypointIds.OrderBy(k => k).Distinct(), pair.KeypointIds);
                for (int i = 0; i < pair.Count; i++)
                {
                    int k = pair.KeypointIds[i];
                    Assert.Equal(names[k], pair.KeypointNames[i]);
                    foreach (var (points, scene, render) in new[] { (pair.Keypoints1, s1, r1), (pair.Keypoints2, s2, r2) })
                    {
                        double x = points[2 * i], y = points[2 * i + 1];
                        Assert.InRange(x, 0, cfg.Width - 1);
                        Assert.InRange(y, 0, cfg.Height - 1);
                        int pixel = (int)Math.Round(y) * cfg.Width + (int)Math.Round(x);
                        // the rendered pixel under the keypoint shows the object, and the very part the keypoint is defined on
                        Assert.Equal(1f, render.Mask[pixel]);
                        Assert.Equal(scene.Model.Keypoints[k].Part, render.PartIds[pixel]);
                        var box = render.Box!.Value;
                        Assert.InRange(x, box.X0 - 0.5, box.X1 + 0.5);
                        Assert.InRange(y, box.Y0 - 0.5, box.Y1 + 0.5);
                    }
                }
                Assert.Equal(r1.Box, pair.Box1);
                Assert.Equal(r2.Image, pair.Image2);
                total += pair.Count;
            }
            output.WriteLine($"{cfg.Height}×{cfg.Width}: {total / 24.0:F1} shared keypoints per pair");
        }
    }

    [Fact]
    public void KeypointColoursMatchTheMaterialOfTheirParts()
    {
        // independent of the visibility logic: a dark part (eye, nose) is rendered dark, a warm one (beak, tail light)
        // red-orange, a bright one (hub, headlight) light; the colour read from the image at the keypoint's pixel
        var gen = new SyntheticSemanticGenerator(Mini with { Height = 96, Width = 96 }, 3);
        int dark = 0, warm = 0, bright = 0;
        for (long index = 0; index < 40; index++)
        {
            var (s1, _) = gen.Scenes(index);
            var pair = gen.GenerateArrays(index);
            int hw = pair.Height * pair.Width;
            for (int i = 0; i < pair.Count; i++)
            {
                var role = s1.Model.Parts[s1.Model.Keypoints[pair.KeypointIds[i]].Part].Material;
                int p = (int)Math.Round(pair.Keypoints1[2 * i + 1]) * pair.Width + (int)Math.Round(pair.Keypoints1[2 * i]);
                float r = pair.Image1[p], g = pair.Image1[hw + p], b = pair.Image1[2 * hw + p];
                switch (role)
                {
                    case MaterialRole.Dark:
                        Assert.True(Math.Max(r, Math.Max(g, b)) <= 0.25f, $"{pair.KeypointNames[i]} is not dark: {r} {g} {b}");
                        dark++;
                        break;
                    case MaterialRole.Warm:
                        Assert.True(r >= 0.7f && r > g && g > b - 0.05f, $"{pair.KeypointNames[i]} is not warm: {r} {g} {b}");
                        warm++;
                        break;
                    case MaterialRole.Bright:
                        Assert.True(Math.Min(r, Math.Min(g, b)) >= 0.65f, $"{pair.KeypointNames[i]} is not bright: {r} {g} {b}");
                        bright++;
                        break;
                }
            }
        }
        Assert.True(dark > 10 && warm > 5 && bright > 5, $"too few checked keypoints: dark {dark}, warm {warm}, bright {bright}");
    }

    [Fact]
    public void HiddenKeypointsAreDroppedForARealReason()
    {
        var gen = new SyntheticSemanticGenerator(Mini, 11);
        int outside = 0, hiddenByPart = 0, hiddenByOccluder = 0, visible = 0, all = 0;
        for (long index = 0; index < 60; index++)
        {
            var (s, _) = gen.Scenes(index);
            var r = s.Render();
            for (int k = 0; k < r.Keypoints.Length; k++)
            {
                all++;
                var (x, y) = r.Keypoints[k];
                int owner = s.Model.Keypoints[k].Part;
                bool inImage = x >= 0 && x <= s.Width - 1 && y >= 0 && y <= s.Height - 1;
                if (r.Visible[k])
                {
                    visible++;
                    continue;
                }
                if (!inImage) { outside++; continue; }
                // invisible inside the image: the pixel there (or the exact point) shows something else
                int shown = s.PartAt(x, y), atPixel = r.PartIds[(int)Math.Round(y) * s.Width + (int)Math.Round(x)];
                Assert.True(shown != owner || atPixel != owner, $"keypoint {k} of pair {index} dropped although its part shows");
                if (shown == SemanticScene.Occluder || atPixel == SemanticScene.Occluder) hiddenByOccluder++;
                else hiddenByPart++;
            }
        }
        output.WriteLine($"{all} keypoints: {visible} visible, {outside} outside, {hiddenByPart} hidden by parts, {hiddenByOccluder} by occluders");
        Assert.True(outside > 0 && hiddenByPart > 0 && hiddenByOccluder > 0, "every kind of invisibility should occur");
        Assert.InRange(visible / (double)all, 0.6, 0.97);
    }

    [Fact]
    public void PairsShowTwoDifferentInstancesOfOneCategory()
    {
        var gen = new SyntheticSemanticGenerator(Mini, 5);
        for (long index = 0; index < 12; index++)
        {
            var (s1, s2) = gen.Scenes(index);
            Assert.Equal(s1.Model.Category, s2.Model.Category);
            Assert.NotEqual(s1.Model.Bounds, s2.Model.Bounds); // other proportions
            Assert.NotEqual(s1.Pose, s2.Pose);
            var pair = gen.GenerateArrays(index);
            double diff = pair.Image1.Zip(pair.Image2, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(diff > 0.05, $"pair {index}: images nearly equal ({diff:F3})");
            double maskDiff = pair.Mask1.Zip(pair.Mask2, (a, b) => Math.Abs(a - b)).Sum();
            Assert.True(maskDiff > 20, $"pair {index}: masks nearly equal");
        }
    }

    [Fact]
    public void InstancesVaryInEveryDrawnAspect()
    {
        var gen = new SyntheticSemanticGenerator(Mini with { OccluderProbability = 0 }, 9);
        foreach (var category in CategoryModel.All)
        {
            var scenes = Enumerable.Range(0, 40).Select(i => gen.Scenes(4 * i + (int)category).First).ToArray();
            Assert.All(scenes, s => Assert.Equal(category, s.Model.Category));
            double Spread(Func<SemanticScene, double> f)
            {
                var v = scenes.Select(f).ToArray();
                return v.Max() - v.Min();
            }
            Assert.True(Spread(s => s.Model.Bounds.Width / s.Model.Bounds.Height) > 0.2, $"{category}: aspect does not vary");
            Assert.True(Spread(s => s.TextureScale) > 5, $"{category}: scale does not vary");
            Assert.True(Spread(s => Math.Atan2(s.Pose.A21, s.Pose.A22)) > 0.3, $"{category}: rotation does not vary");
            Assert.True(Spread(s => s.Pose.B1) > 5 && Spread(s => s.Pose.B2) > 3, $"{category}: position does not vary");
            Assert.True(Spread(s => s.Render().Image.Take(s.Height * s.Width).Average()) > 0.1, $"{category}: colour does not vary");
            int mirrored = scenes.Count(s => s.Mirrored);
            if (CategoryModel.Of(category).Mirrorable) Assert.InRange(mirrored, 8, 32);
            else Assert.Equal(0, mirrored);
        }
    }

    [Fact]
    public void EveryDrawnInstanceKeepsItsKeypointsInsideTheirParts()
    {
        // ObjectModel's constructor throws when a keypoint leaves its part, so drawing many instances checks every one
        foreach (var category in CategoryModel.All)
        {
            var model = CategoryModel.Of(category);
            Assert.InRange(model.KeypointNames.Count, 6, 12);
            Assert.Equal(model.KeypointNames.Count, model.KeypointNames.Distinct().Count());
            for (int i = 0; i < 2000; i++)
            {
                var m = model.Draw(SampleRandom.For(1, (long)category, i));
                Assert.Equal(model.KeypointNames.Count, m.Keypoints.Count);
                Assert.All(m.Keypoints, k => Assert.True(m.Parts[k.Part].Shape.Contains(k.X, k.Y)));
            }
        }
    }

    [Fact]
    public void CategoriesAreDistinct()
    {
        // keypoint vocabularies differ (animals may share a few names such as "eye")
        var names = CategoryModel.All.Select(c => CategoryModel.Of(c).KeypointNames.ToHashSet()).ToArray();
        for (int i = 0; i < names.Length; i++)
            for (int j = i + 1; j < names.Length; j++)
                Assert.True(2 * names[i].Intersect(names[j]).Count() < Math.Min(names[i].Count, names[j].Count));
        // and so do shapes: a nearest-centroid classifier on 8×8 masks resampled to the object box tells held-out
        // upright, unoccluded instances apart
        var cfg = Mini with { MaxRotationDeg = 0, OccluderProbability = 0, MaxTruncation = 0, FlipProbability = 0 };
        var train = new SyntheticSemanticGenerator(cfg, 1);
        var centroids = CategoryModel.All.Select(c => Mean(Enumerable.Range(0, 20).Select(i => Descriptor(train.Scenes(4 * i + (int)c).First)))).ToArray();
        int correct = 0, total = 0;
        foreach (var c in CategoryModel.All)
            for (int i = 0; i < 20; i++)
            {
                var d = Descriptor(train.Scenes(4 * i + (int)c, SemanticSplit.Test).Second);
                int best = Enumerable.Range(0, centroids.Length).MinBy(k => centroids[k].Zip(d, (a, b) => (a - b) * (a - b)).Sum());
                if (best == (int)c) correct++;
                total++;
            }
        output.WriteLine($"nearest-centroid category accuracy on masks: {correct}/{total}");
        Assert.True(correct >= 0.9 * total, $"categories hard to tell apart: {correct}/{total}");
    }

    /// <summary>The object mask sampled on an 8×8 grid over the object's box.</summary>
    static double[] Descriptor(SemanticScene s)
    {
        var r = s.Render();
        var b = r.Box!.Value;
        var d = new double[64];
        for (int gy = 0; gy < 8; gy++)
            for (int gx = 0; gx < 8; gx++)
            {
                int x = (int)Math.Round(b.X0 + (gx + 0.5) / 8 * b.Width), y = (int)Math.Round(b.Y0 + (gy + 0.5) / 8 * b.Height);
                d[gy * 8 + gx] = r.PartIds[y * r.Width + x] >= 0 ? 1 : 0;
            }
        return d;
    }

    static double[] Mean(IEnumerable<double[]> xs)
    {
        var list = xs.ToList();
        return Enumerable.Range(0, list[0].Length).Select(k => list.Average(x => x[k])).ToArray();
    }

    [Fact]
    public void SplitsAndCategoriesFollowTheConfig()
    {
        Assert.Equal(2000, Mini.PairCount(SemanticSplit.Train));
        Assert.Equal(200, Mini.PairCount(SemanticSplit.Test));
        var two = new SyntheticSemanticGenerator(Mini with { Categories = [SemanticCategory.Bottle, SemanticCategory.Bird] }, 0);
        Assert.Equal(SemanticCategory.Bottle, two.GenerateArrays(0).Category);
        Assert.Equal(SemanticCategory.Bird, two.GenerateArrays(1).Category);
        Assert.Equal(SemanticCategory.Bottle, two.GenerateArrays(2, SemanticSplit.Test).Category);
        SyntheticSemanticConfig.Smoke.Validate();
        SyntheticSemanticConfig.Paper.Validate();
        Assert.Throws<ArgumentException>(() => new SyntheticSemanticGenerator(Mini with { Height = 8 }, 0));
        Assert.Throws<ArgumentException>(() => new SyntheticSemanticGenerator(Mini with { MinObjectSize = 0.9, MaxObjectSize = 0.5 }, 0));
        Assert.Throws<ArgumentException>(() => new SyntheticSemanticGenerator(Mini with { Categories = [] }, 0));
        // an impossible demand fails loudly instead of looping or returning fewer keypoints
        var greedy = new SyntheticSemanticGenerator(Mini with { MinSharedKeypoints = 13 }, 0);
        Assert.Throws<InvalidOperationException>(() => greedy.GenerateArrays(0));
    }

    [Fact]
    public void GenerationIsFastEnoughForTraining()
    {
        foreach (int size in new[] { 64, 128 })
        {
            var gen = new SyntheticSemanticGenerator(Mini with { Height = size, Width = size }, 0);
            gen.GenerateArrays(0); // warm-up (JIT)
            double start = ThreadCpuSeconds();
            var wall = Stopwatch.StartNew();
            int n = 0;
            while (ThreadCpuSeconds() - start < 1.0 && wall.Elapsed.TotalSeconds < 20) gen.GenerateArrays(++n);
            double ms = 1000 * Math.Max(ThreadCpuSeconds() - start, 1e-3) / n;
            output.WriteLine($"synthetic semantic {size}×{size}: {ms:F2} ms per pair (CPU time of one thread, {n} pairs)");
            // loose bounds that catch gross regressions (a training step of a small model takes tens of milliseconds)
            Assert.True(ms < (size == 64 ? 15 : 60), $"{ms:F1} ms per pair at {size}×{size}");
        }
    }

    /// <summary>User + system CPU time of the calling thread from /proc (USER_HZ = 100), or wall time elsewhere.</summary>
    static double ThreadCpuSeconds()
    {
        const string stat = "/proc/thread-self/stat";
        if (!File.Exists(stat)) return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    [Fact]
    public void PreviewIsAGridOfTheDocumentedSize()
    {
        using var scope = torch.NewDisposeScope();
        var gen = new SyntheticSemanticGenerator(SyntheticSemanticConfig.Smoke, 2);
        var grid = SyntheticSemanticPreview.Grid(gen, [0, 1, 2, 3, 4], columns: 2, scale: 2);
        // cells 2·48 high, 2·(2·48) + 8 wide; caption 7 + 3 px; padding 4 around and between cells; 3 rows of 2
        int cellW = 2 * 2 * 48 + 8, cellH = 2 * 48, caption = 10;
        Assert.Equal(new long[] { 3, 4 + 3 * (caption + cellH + 4), 4 + 2 * (cellW + 4) }, grid.shape);
        Assert.True(grid.min().ToDouble() >= 0 && grid.max().ToDouble() <= 1);
        // the first pair's first keypoint is drawn in its keypoint colour at its (scaled) position
        using var pair = gen.Generate(0);
        var kp = pair.Keypoints1[0].data<float>().ToArray();
        var colour = DistillKit.Viz.KeypointPairs.Colour(pair.KeypointIds[0]);
        int x = 4 + (int)MathF.Round((kp[0] + 0.5f) * 2 - 0.5f), y = 4 + caption + (int)MathF.Round((kp[1] + 0.5f) * 2 - 0.5f);
        var px = grid[.., y, x].data<float>().ToArray();
        Assert.Equal(new[] { colour.R, colour.G, colour.B }, px);
    }
}
