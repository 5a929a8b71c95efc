using DistillKit.Data.Synthetic;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

public class KeypointTransferTests(ITestOutputHelper output)
{
    /// <summary>A matcher whose matches are a given constant normalised flow, whatever the features: the geometry alone.</summary>
    sealed class ConstantFlowMatcher(PmdConfig config, double du, double dv) : ISemanticMatcher
    {
        readonly nn.Module _module = nn.Identity();

        public PmdConfig Config => config;
        public nn.Module AsModule => _module;
        public void SetEval() { }

        public SemanticMatches Match(ResNetFeatures source, ResNetFeatures target)
        {
            using var scope = torch.NewDisposeScope();
            var centres = CellGrid.Centres(source.Layer3.size(2), source.Layer3.size(3));
            var shift = torch.tensor(new[] { (float)du, (float)dv }).view(1, 2, 1, 1);
            var m = SemanticMatches.FromTargets(centres.add(shift).expand(source.Layer3.size(0), -1, -1, -1).contiguous());
            return new SemanticMatches(m.Target.MoveToOuterDisposeScope(), m.Flow.MoveToOuterDisposeScope());
        }

        public (SemanticMatches sourceToTarget, SemanticMatches targetToSource) MatchBoth(ResNetFeatures source, ResNetFeatures target) =>
            (Match(source, target), Match(target, source));

        public void Dispose() => _module.Dispose();
    }

    /// <summary>
    /// A texture with many compact bumps (distinctive at every place) rendered into a W×H image whose pixel centre (x, y)
    /// shows the texture point (a + sx·x, b + sy·y): rendering from continuous coordinates, so the true correspondence
    /// between two renderings is known exactly, with no resampling.
    /// </summary>
    static Tensor Render(ProceduralTexture texture, int width, int height, double a, double sx, double b, double sy)
    {
        var px = new float[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, bl) = texture.Colour(a + sx * x, b + sy * y);
                int i = y * width + x;
                (px[i], px[width * height + i], px[2 * width * height + i]) = (r, g, bl);
            }
        return torch.tensor(px, [3, height, width]);
    }

    static ProceduralTexture Texture() =>
        ProceduralTexture.Random(new SampleRandom(5), 96, 64, 200, waves: 4, blobs: 120, minWavelength: 6, maxWavelength: 14);

    [Fact]
    public void WithAZeroFlowPointsScaleByTheAlignCornersFalseRuleAndEdgesMapToEdges()
    {
        var config = PmdConfig.Smoke;
        using var backbone = PmdBackbone.Untrained(config);
        using var matcher = new ConstantFlowMatcher(config, 0, 0);
        using var scope = torch.NewDisposeScope();
        // image 1: 100×80, image 2: 37×50; the outer edges (−½, W − ½), a pixel centre and an arbitrary point
        var points = torch.tensor(new float[] { -0.5f, -0.5f, 99.5f, 79.5f, 0, 0, 30, 20 }, [4, 2]);
        using var moved = KeypointTransfer.Transfer(backbone, matcher, torch.rand(3, 80, 100), torch.rand(3, 50, 37), points);
        // x₂ = (x₁ + ½)·W₂/W₁ − ½, y₂ = (y₁ + ½)·H₂/H₁ − ½
        var expected = torch.tensor(new float[] { -0.5f, -0.5f, 36.5f, 49.5f, 0.5f * 37 / 100 - 0.5f, 0.5f * 50 / 80 - 0.5f,
                                                  30.5f * 37 / 100 - 0.5f, 20.5f * 50 / 80 - 0.5f }, [4, 2]);
        TensorAssert.Close(expected, moved.Points, rtol: 1e-5, atol: 1e-4);
        Assert.Null(moved.Spread);
        Assert.Null(moved.Confidence);
    }

    [Fact]
    public void AConstantFlowMovesPointsInItsDirectionInPixelsOfImage2()
    {
        var config = PmdConfig.Smoke;
        using var backbone = PmdBackbone.Untrained(config);
        // Δu = 0.5 is a quarter of image 2's width: +40 px at W₂ = 160; Δv = −0.25 is −15 px at H₂ = 120
        using var matcher = new ConstantFlowMatcher(config, 0.5, -0.25);
        using var scope = torch.NewDisposeScope();
        var points = torch.tensor(new float[] { 10, 70, 40, 50 }, [2, 2]);                 // pixels of an 80×100 image 1
        using var moved = KeypointTransfer.Transfer(backbone, matcher, torch.rand(3, 100, 80), torch.rand(3, 120, 160), points);
        // (x + ½)·160/80 − ½ + 40, (y + ½)·120/100 − ½ − 15
        var expected = torch.tensor(new float[] { 10.5f * 2 - 0.5f + 40, 70.5f * 1.2f - 0.5f - 15, 40.5f * 2 - 0.5f + 40, 50.5f * 1.2f - 0.5f - 15 }, [2, 2]);
        TensorAssert.Close(expected, moved.Points, rtol: 1e-5, atol: 1e-3);
    }

    /// <summary>
    /// ImageNet ResNet-18 features under a head without adaptation blocks (attention only, random) and with β = 1000, so
    /// that the kernel soft-argmax is an argmax (at PMD's β = 50 an untrained head's matches are pulled towards the image
    /// centre by about half a cell): a real correlation with no training, which on a pair showing the same texture finds
    /// the right cells. Image 1 and image 2 each show 128 texture pixels edge to edge at their own size, image 2 shifted by
    /// 32 (two cells), so a point at texture X lands on X − 32; the shift is whole cells, so the matched positions are cell
    /// centres and the transfer is exact where the argmax is right, at any image sizes if the scaling is; moving points
    /// the wrong way (+32) would miss by 64 texture pixels.
    /// </summary>
    [Theory]
    [InlineData(128, 128, 128, 128)]
    [InlineData(200, 150, 96, 80)]
    public void OnATranslatedTextureImageNetFeaturesCarryPointsToTheirTrueCorrespondence(int w1, int h1, int w2, int h2)
    {
        var config = PmdConfig.Mini with { AdaptationBlocks = 0, Beta = 1000 };
        using var backbone = PmdBackbone.Pretrained(config, RepoPaths.Under(ResNet18ImageNet.WeightsFileInRepo));
        using var student = new PmdStudent(config, seed: 1);
        student.SetEval();
        var texture = Texture();
        using var scope = torch.NewDisposeScope();
        // both images span 128 texture pixels edge to edge: pixel centre x shows X = (x + ½)·128/W − ½ (+ 32 in image 2)
        double k1x = 128.0 / w1, k1y = 128.0 / h1, k2x = 128.0 / w2, k2y = 128.0 / h2;
        var image1 = Render(texture, w1, h1, 0.5 * k1x - 0.5, k1x, 0.5 * k1y - 0.5, k1y);
        var image2 = Render(texture, w2, h2, 32 + 0.5 * k2x - 0.5, k2x, 0.5 * k2y - 0.5, k2y);
        // texture points inside the overlap, away from its borders: X in [48, 112], Y in [24, 104]
        var texturePoints = new List<(double X, double Y)>();
        for (double x = 48; x <= 112; x += 16)
            for (double y = 24; y <= 104; y += 16) texturePoints.Add((x, y));
        var p1 = torch.tensor(texturePoints.SelectMany(p => new[] { (float)((p.X + 0.5) / k1x - 0.5), (float)((p.Y + 0.5) / k1y - 0.5) }).ToArray(), [texturePoints.Count, 2]);
        var truth = torch.tensor(texturePoints.SelectMany(p => new[] { (float)((p.X - 32 + 0.5) / k2x - 0.5), (float)((p.Y + 0.5) / k2y - 0.5) }).ToArray(), [texturePoints.Count, 2]);
        using var moved = KeypointTransfer.Transfer(backbone, student, image1, image2, p1);

        // errors in texture pixels (one cell of the 8×8 grid is 16)
        var scale = torch.tensor(new[] { (float)k2x, (float)k2y });
        var error = moved.Points.sub(truth).mul(scale).norm(1);
        var wrongWay = moved.Points.sub(truth.add(torch.tensor(new[] { (float)(64 / k2x), 0f }))).mul(scale).norm(1);
        double median = error.median().item<float>(), wrongMedian = wrongWay.median().item<float>();
        long withinHalfCell = error.lt(8).sum().item<long>();
        output.WriteLine($"{w1}×{h1} → {w2}×{h2}: median error {median:F2} texture px, {withinHalfCell}/{texturePoints.Count} within half a cell; " +
                         $"against the reversed direction {wrongMedian:F1}");
        Assert.True(median < 0.05, $"median error {median:F3} texture px");
        Assert.True(withinHalfCell >= texturePoints.Count * 3 / 4, $"{withinHalfCell}/{texturePoints.Count} within half a cell");
        Assert.True(wrongMedian > 40, $"the reversed direction fits too: {wrongMedian:F1}");
    }

    [Fact]
    public void ATeacherGivesEachPointADeterministicSpreadAndConfidenceAroundItsMeanMode()
    {
        var config = PmdConfig.Smoke;
        using var backbone = PmdBackbone.Untrained(config, seed: 2);
        using var teacher = new PmdTeacher(config, seed: 3);
        teacher.SetEval();
        using var scope = torch.NewDisposeScope();
        var image1 = torch.rand([3, 70, 90], generator: new Generator(1));
        var image2 = torch.rand([3, 40, 50], generator: new Generator(2));
        var points = torch.tensor(new float[] { 5, 5, 45, 35, 80, 60 }, [3, 2]);
        using var a = KeypointTransfer.Transfer(backbone, teacher, image1, image2, points, hypotheses: 6, seed: 9);
        using var b = KeypointTransfer.Transfer(backbone, teacher, image1, image2, points, hypotheses: 6, seed: 9);
        Assert.NotNull(a.Spread);
        Assert.NotNull(a.Confidence);
        Assert.Equal(new long[] { 3 }, a.Spread!.shape);
        Assert.True(a.Spread.eq(b.Spread!).all().item<bool>(), "the same seed gave another spread");
        Assert.True(a.Spread.ge(0).all().item<bool>());
        Assert.True(a.Spread.gt(1e-3).any().item<bool>(), "an untrained teacher's hypotheses should disagree somewhere");
        // confidence = exp(−s² / (2 (0.1 · max(W₂, H₂))²)), L = 50
        TensorAssert.Close(a.Spread.square().div(-2 * 5.0 * 5.0).exp(), a.Confidence!, rtol: 1e-5, atol: 1e-6);
        // the points are the mean mode's, whatever the hypotheses
        using var c = KeypointTransfer.Transfer(backbone, teacher, image1, image2, points, hypotheses: 2, seed: 1);
        TensorAssert.Close(a.Points, c.Points, rtol: 0, atol: 0);
        Assert.False(a.Spread.allclose(c.Spread!), "another seed and count gave the same spread");
        // and they are the student path's CellGrid transfer of Match's flow
        using var input1 = KeypointTransfer.ToInput(image1, config.InputSize);
        using var input2 = KeypointTransfer.ToInput(image2, config.InputSize);
        using var m = SemanticMatching.Match(backbone, teacher, input1, input2);
        TensorAssert.Close(CellGrid.TransferKeypoints(m.Flow, points, 90, 70, 50, 40), a.Points, rtol: 1e-6, atol: 1e-5);
    }

    [Fact]
    public void ToInputResizesEdgeToEdgeAndRejectsBadShapes()
    {
        using var scope = torch.NewDisposeScope();
        // a horizontal ramp whose value is a tenth of the pixel-centre x
        var ramp = torch.arange(8, dtype: ScalarType.Float32).div(10).view(1, 1, 8).expand(3, 4, 8);
        var up = KeypointTransfer.ToInput(ramp, 16);
        Assert.Equal(new long[] { 1, 3, 16, 16 }, up.shape);
        // upsampling 8 → 16: column j samples (j + ½)/2 − ½, held at the border beyond the outer centres
        TensorAssert.Close(torch.tensor(new[] { 0f, 0.025f, 0.075f, 0.125f }), up[0, 0, 0, ..4], rtol: 1e-5, atol: 1e-6);
        // shrinking 8 → 4 (antialiased: a triangle twice as wide, which keeps a ramp's interior values): column j is centred
        // on (j + ½)·2 − ½ = 2j + ½
        var down = KeypointTransfer.ToInput(ramp, 4);
        TensorAssert.Close(torch.tensor(new[] { 0.25f, 0.45f }), down[0, 0, 0, 1..3], rtol: 1e-4, atol: 1e-5);
        Assert.Throws<ArgumentException>(() => KeypointTransfer.ToInput(torch.rand(2, 3, 8, 8), 16));
        Assert.Throws<ArgumentException>(() => KeypointTransfer.ToInput(torch.rand(1, 8, 8), 16));
    }
}
