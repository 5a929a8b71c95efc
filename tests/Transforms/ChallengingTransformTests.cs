using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Transforms;

/// <summary>
/// Every challenging transformation keeps flow and masks matched to the pixels, over 50 seeded draws each: warping the
/// transformed frame 2 with the transformed flow explains the transformed frame 1 on the pixels the transformed masks
/// call visible, about as well as before. The teacher fields start as copies of the ground truth, so they must come
/// out equal to it (flows) or to it without the new out-of-frame occlusions (masks).
/// </summary>
public class ChallengingTransformTests
{
    const int Draws = 50;

    static FlowBatch Batch()
    {
        var b = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 21).GenerateBatch(0, 4);
        return b with
        {
            TeacherFlowFw = b.FlowFw!.clone(), TeacherFlowBw = b.FlowBw!.clone(),
            TeacherOccFw = b.OccFw!.clone(), TeacherOccBw = b.OccBw!.clone(),
        };
    }

    /// <summary>Per-pixel |I1 − warp(I2, w)| (mean over channels) and the mask where it counts: visible, valid, in bounds.</summary>
    static (Tensor Error, Tensor Visible) Residual(FlowBatch b)
    {
        var (warped, inBounds) = Warping.Warp(b.Image2, b.FlowFw!);
        var visible = (1 - b.OccFw!) * inBounds * b.Valid!;
        return ((b.Image1 - warped).abs().mean([1], keepdim: true), visible);
    }

    static double MeanResidual(FlowBatch b)
    {
        var (e, v) = Residual(b);
        return (e * v).sum().ToDouble() / Math.Max(1, v.sum().ToDouble());
    }

    static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().ToDouble();

    [Fact]
    public void CropKeepsEveryVisiblePixelsResidualAndHallucinatesOcclusions()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        var (error0, _) = Residual(batch);
        var crop = new HallucinationCrop(40, 64);
        double hallucinated = 0;
        for (int d = 0; d < Draws; d++)
        {
            using var inner = torch.NewDisposeScope();
            var rng = SampleRandom.For(1, d);
            var (top, left) = crop.Sample(batch.Height, batch.Width, SampleRandom.For(1, d));
            using var c = crop.Apply(batch, rng);
            Assert.Equal([4L, 3, 40, 64], c.Image1.shape);
            Assert.Equal(0, MaxAbs(c.Image1, batch.Image1.narrow(2, top, 40).narrow(3, left, 64)));
            Assert.Equal(0, MaxAbs(c.FlowFw!, batch.FlowFw!.narrow(2, top, 40).narrow(3, left, 64)));
            // on the pixels still visible, warping reads the same pixels as before: the same residual
            var (error, visible) = Residual(c);
            var before = error0.narrow(2, top, 40).narrow(3, left, 64);
            Assert.True(((error - before).abs() * visible).max().ToDouble() < 1e-5, $"draw {d}: residual changed on visible pixels");
            // ground truth: old occlusion plus matches leaving the window; teacher: old occlusion only
            var leaves = HallucinationCrop.LeavesFrame(c.FlowFw!);
            Assert.Equal(0, MaxAbs(c.OccFw!, leaves.maximum(c.TeacherOccFw!)));
            Assert.Equal(0, MaxAbs(c.TeacherOccFw!, batch.OccFw!.narrow(2, top, 40).narrow(3, left, 64)));
            var (hFw, hBw) = HallucinationCrop.Hallucinated(c);
            Assert.Equal(0, MaxAbs(hFw, leaves * (1 - c.TeacherOccFw!)));
            hallucinated += hFw.mean().ToDouble() + hBw.mean().ToDouble();
        }
        Assert.True(hallucinated / Draws > 0.01, $"crops hallucinated {hallucinated / Draws:P2} of the pixels on average");
    }

    [Fact]
    public void SuperpixelNoiseFillsEightToFifteenSegmentsOfFrameTwoOnly()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        var noise = new SuperpixelNoise();
        var (error0, visible0) = Residual(batch);
        for (int d = 0; d < Draws; d++)
        {
            using var inner = torch.NewDisposeScope();
            var (image2, filled) = noise.Noised(batch.Image2, SampleRandom.For(2, d));
            using var n = noise.Apply(batch, SampleRandom.For(2, d));
            Assert.Equal(0, MaxAbs(n.Image2, image2));
            Assert.Equal(0, MaxAbs(n.Image1, batch.Image1));
            Assert.Equal(0, MaxAbs(n.FlowFw!, batch.FlowFw!));
            Assert.Equal(0, MaxAbs(n.OccBw!, batch.OccBw!));
            Assert.Equal(0, MaxAbs(image2 * (1 - filled), batch.Image2 * (1 - filled)));
            for (int k = 0; k < 4; k++)
            {
                double fraction = filled[k].mean().ToDouble();
                // 8–15 of about 200 segments: 4%–7.5% of the frame, with room for uneven segment sizes
                Assert.InRange(fraction, 0.015, 0.15);
            }
            // where the match does not land in a filled segment, the residual is what it was
            var untouched = 1 - Warping.Warped(filled, batch.FlowFw!).gt(0).to_type(ScalarType.Float32);
            var (error, _) = Residual(n);
            Assert.True(((error - error0).abs() * visible0 * untouched).max().ToDouble() < 1e-5, $"draw {d}");
        }
    }

    [Fact]
    public void SlicGivesAboutTheRequestedNumberOfConnectedSegments()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        var labels = Slic.Segment(batch.Image2[0], 200);
        int count = labels.Max() + 1;
        Assert.Equal(64 * 96, labels.Length);
        Assert.InRange(count, 100, 320);
        Assert.Equal(Enumerable.Range(0, count), labels.Distinct().Order());
        var edges = Slic.Boundaries(labels, 64, 96);
        Assert.InRange(edges.mean().ToDouble(), 0.05, 0.6);
    }

    [Fact]
    public void FlipsAndScalingKeepTheResidual()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        double r0 = MeanResidual(batch);
        IJointTransform[] transforms = [new Flips(), new Scaling(0.7, 1.4)];
        foreach (var t in transforms)
            for (int d = 0; d < Draws; d++)
            {
                using var inner = torch.NewDisposeScope();
                using var x = t.Apply(batch, SampleRandom.For(3, d));
                double r = MeanResidual(x);
                Assert.True(r < 1.5 * r0 + 0.005, $"{t.Name}, draw {d}: residual {r:F4} vs {r0:F4} before");
                Assert.Equal(0, MaxAbs(x.TeacherFlowFw!, x.FlowFw!));
                Assert.Equal(0, MaxAbs(x.TeacherOccBw!, x.OccBw!));
            }
    }

    [Fact]
    public void JointAffineReExpressesTheFlowBetweenTheNewFrames()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        double r0 = MeanResidual(batch);
        var affine = new JointAffine();
        int moved = 0;
        for (int d = 0; d < Draws; d++)
        {
            using var inner = torch.NewDisposeScope();
            var (a1, a2) = affine.Sample(batch.Height, batch.Width, SampleRandom.For(4, d));
            if (a1 != Affine2.Identity) moved++;
            using var x = affine.Apply(batch, SampleRandom.For(4, d));
            double r = MeanResidual(x);
            Assert.True(r < 2 * r0 + 0.01, $"draw {d}: residual {r:F4} vs {r0:F4} before");
            Assert.Equal(0, MaxAbs(x.TeacherFlowBw!, x.FlowBw!));
            // ground-truth occlusion = teacher's resampled occlusion plus matches leaving the new frame
            Assert.Equal(0, MaxAbs(x.OccFw!, x.TeacherOccFw!.maximum(HallucinationCrop.LeavesFrame(x.FlowFw!))));
            // forward and backward flows still undo each other where both are visible
            var (occFw, _) = ForwardBackward.Occlusion(x.FlowFw!, x.FlowBw!);
            var vis = (1 - x.OccFw!) * x.Valid!;
            double agree = ((1 - occFw) * vis).sum().ToDouble() / Math.Max(1, vis.sum().ToDouble());
            Assert.True(agree > 0.9, $"draw {d}: fw-bw consistent on {agree:P1} of visible pixels");
        }
        Assert.True(moved > Draws * 0.8, $"only {moved} of {Draws} draws found maps with the corners inside");
    }

    [Fact]
    public void PhotometricChangesPixelsNotGeometry()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        double r0 = MeanResidual(batch);
        var photometric = new Photometric();
        for (int d = 0; d < Draws; d++)
        {
            using var inner = torch.NewDisposeScope();
            using var x = photometric.Apply(batch, SampleRandom.For(5, d));
            Assert.Equal(0, MaxAbs(x.FlowFw!, batch.FlowFw!));
            Assert.Equal(0, MaxAbs(x.OccFw!, batch.OccFw!));
            Assert.InRange(x.Image1.min().ToDouble(), 0, 1);
            Assert.InRange(x.Image2.max().ToDouble(), 0, 1);
            double r = MeanResidual(x);
            Assert.True(r < 2 * r0 + 0.06, $"draw {d}: residual {r:F4} vs {r0:F4} before");
        }
    }

    [Fact]
    public void APipelineComposesAndIsSeeded()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = Batch();
        var pipeline = new TransformPipeline([new JointAffine(), new HallucinationCrop(48, 80), new SuperpixelNoise(), new Photometric()]);
        using var a = pipeline.Apply(batch, SampleRandom.For(6, 1));
        using var b = pipeline.Apply(batch, SampleRandom.For(6, 1));
        using var c = pipeline.Apply(batch, SampleRandom.For(6, 2));
        Assert.Equal([4L, 3, 48, 80], a.Image2.shape);
        Assert.Equal(a.Digest(), b.Digest());
        Assert.NotEqual(a.Digest(), c.Digest());
        Assert.Equal(2, pipeline.Only(TransformGroup.Occlusion).Steps.Count);
    }

    [Fact]
    public void ACropLargerThanTheBatchNamesBothSizes()
    {
        using var batch = Batch();
        var e = Assert.Throws<ArgumentException>(() => new HallucinationCrop(80, 64).Apply(batch, SampleRandom.For(0)));
        Assert.Contains("80×64", e.Message);
        Assert.Contains("64×96", e.Message);
    }
}
