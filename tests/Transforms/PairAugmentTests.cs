using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Transforms;

public class PairAugmentTests
{
    /// <summary>Mean |I1 − warp(I2, w)| over pixels visible in both frames and in bounds: how well the flow explains the pair.</summary>
    static double WarpResidual(FlowBatch b)
    {
        var (warped, inBounds) = Warping.Warp(b.Image2, b.FlowFw!);
        var visible = (1 - b.OccFw!) * inBounds * b.Valid!;
        return ((b.Image1 - warped).abs() * visible).sum().ToDouble() / (3 * visible.sum().ToDouble());
    }

    static FlowBatch Batch(long seed) => new SyntheticFlowGenerator(SyntheticFlowConfig.Smoke, seed).GenerateBatch(0, 3);

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, true)]
    public void WarpingWithTheTransformedFlowMatchesTheTransformedImagesAsWellAsBefore(bool flipH, bool flipV, bool permute)
    {
        using var scope = torch.NewDisposeScope();
        var batch = Batch(11);
        var draw = new PairAugment.Draw(flipH, flipV, permute ? [2, 0, 1] : [0, 1, 2]);
        var moved = PairAugment.Apply(draw, batch);
        double before = WarpResidual(batch), after = WarpResidual(moved);
        Assert.True(before < 0.05, $"the synthetic flow should explain the pair (residual {before})");
        Assert.True(after <= before * 1.001 + 1e-6, $"after the transform {after}, before {before}");
        // a wrong flow sign would not: negating u after a horizontal flip is what makes it match
        if (flipH)
        {
            var wrong = moved with { FlowFw = moved.FlowFw! * torch.tensor(new[] { -1f, 1f }, [1, 2, 1, 1]) };
            Assert.True(WarpResidual(wrong) > 2 * after + 0.01);
        }
    }

    [Fact]
    public void EveryFieldMovesAndMasksStayMasks()
    {
        using var scope = torch.NewDisposeScope();
        var batch = Batch(3) with { TeacherFlowFw = torch.rand(3, 2, 32, 48), TeacherOccFw = torch.rand(3, 1, 32, 48).gt(0.5).to_type(ScalarType.Float32) };
        var moved = PairAugment.Apply(new PairAugment.Draw(true, false, [0, 1, 2]), batch);
        Assert.Equal(batch.Fields().Select(f => f.name), moved.Fields().Select(f => f.name));
        Assert.True(moved.OccBw!.eq(batch.OccBw!.flip(3)).all().item<bool>());
        Assert.True(moved.TeacherOccFw!.eq(batch.TeacherOccFw!.flip(3)).all().item<bool>());
        Assert.True(moved.TeacherFlowFw!.narrow(1, 0, 1).eq(-batch.TeacherFlowFw!.narrow(1, 0, 1).flip(3)).all().item<bool>());
        Assert.True(moved.FlowBw!.narrow(1, 1, 1).eq(batch.FlowBw!.narrow(1, 1, 1).flip(3)).all().item<bool>());
    }

    [Fact]
    public void DrawsComeFromTheSeedAndStepOnly()
    {
        var augment = new PairAugment();
        var draws = Enumerable.Range(0, 40).Select(s => augment.Sample(SampleRandom.For(5, 17, s))).ToList();
        var again = Enumerable.Range(0, 40).Select(s => augment.Sample(SampleRandom.For(5, 17, s))).ToList();
        Assert.Equal(draws.Select(d => $"{d.FlipH}{d.FlipV}{string.Join("", d.Channels)}"), again.Select(d => $"{d.FlipH}{d.FlipV}{string.Join("", d.Channels)}"));
        Assert.Contains(draws, d => d.FlipH);
        Assert.Contains(draws, d => !d.FlipH);
        Assert.True(draws.Select(d => string.Join("", d.Channels)).Distinct().Count() >= 4);
    }
}
