using DistillKit.Data.Semantic;
using DistillKit.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Metrics;

/// <summary>PCK on hand-built keypoints and flows whose answers are counted by hand.</summary>
public class PckTests
{
    static Tensor Kp(params float[] xy) => torch.tensor(xy, [xy.Length / 2, 2]);

    static readonly double[] Alphas = [0.05, 0.1, 0.15];

    [Fact]
    public void CountsKeypointsWithinAlphaTimesLengthInclusive()
    {
        using var target = Kp(10, 10, 20, 20, 30, 30, 40, 40);
        // errors 0, 5 (3-4-5), 8, 12 px; L = 100 gives thresholds 5, 10, 15 px
        using var predicted = Kp(10, 10, 23, 24, 30, 38, 40, 52);
        Assert.Equal(new[] { 0.5, 0.75, 1.0 }, Pck.OfPair(predicted, target, 100, Alphas));
        // any list of alphas: 0.04 → 4 px (only the exact one), 0.2 → 20 px
        Assert.Equal(new[] { 0.25, 1.0 }, Pck.OfPair(predicted, target, 100, [0.04, 0.2]));
    }

    [Fact]
    public void AveragesPerPairThenOverPairsAndSkipsUndefinedPairs()
    {
        var m = Pck.Mean([[0.5, 0.75, 1.0], [1.0, 1.0, 1.0], [double.NaN, double.NaN, double.NaN]], Alphas, PckThreshold.Image);
        // (0.5 + 1) / 2 = 0.75 at α 0.05; pooling the 4 + 1 keypoints would give (2 + 1) / 5 = 0.6 instead
        Assert.Equal(new[] { 0.75, 0.875, 1.0 }, m.Values);
        Assert.Equal((2, 1), (m.Pairs, m.Skipped));
        Assert.Equal(0.875, m.At(0.1));
        Assert.Throws<ArgumentException>(() => m.At(0.2));
        using var none = torch.zeros(0, 2);
        Assert.All(Pck.OfPair(none, none, 10, Alphas), v => Assert.True(double.IsNaN(v)));
        Assert.True(double.IsNaN(Pck.Mean([], Alphas, PckThreshold.Image).Values[0]));
    }

    [Fact]
    public void ImageThresholdMeasuresAfterTheProtocolResize()
    {
        // target image 640 wide, 160 high; errors (30, 0) and (0, 10) px in original pixels
        using var target = Kp(100, 50, 200, 100);
        using var predicted = Kp(130, 50, 200, 110);
        // no resize: L = 640, α 0.05 → 32 px: both correct
        Assert.Equal(new[] { 1.0 }, Pck.ImageThreshold(predicted, target, 160, 640, [0.05]));
        // 320 × 320: x scaled by 0.5, y by 2 → errors 15 and 20 px; L = 320, α 0.05 → 16 px: only the first
        Assert.Equal(new[] { 0.5 }, Pck.ImageThreshold(predicted, target, 160, 640, [0.05], 320, 320));
        Assert.Throws<ArgumentException>(() => Pck.ImageThreshold(predicted, target, 160, 640, [0.05], 320, null));
    }

    [Fact]
    public void KeypointBoxUsesValidKeypointsOnlyAndRefusesPadding()
    {
        var valid = new float[,] { { 100, 150 }, { 300, 200 }, { 250, 400 } };
        Assert.Equal(250, Pck.KeypointBoxLength(valid)); // width 200, height 250
        // the same set padded with a −1 row, as some loaders pad to a fixed count, stretches the box to (−1, −1)
        var padded = new float[,] { { 100, 150 }, { 300, 200 }, { 250, 400 }, { -1, -1 } };
        var ex = Assert.Throws<ArgumentException>(() => Pck.KeypointBoxLength(padded));
        Assert.Contains("row 3", ex.Message);
        Assert.Contains("never pad", ex.Message);
        const double inflated = 401; // max(300 − (−1), 400 − (−1)): what including the padding would give
        // predictions 0, 15 and 30 px off: α 0.05 → 12.5 px with the true box, 20.05 px with the padded one
        var predicted = new float[,] { { 100, 150 }, { 315, 200 }, { 250, 430 } };
        Assert.Equal(new[] { 1.0 / 3 }, Pck.OfPair(predicted, valid, Pck.KeypointBoxLength(valid), [0.05]));
        Assert.Equal(new[] { 2.0 / 3 }, Pck.OfPair(predicted, valid, inflated, [0.05])); // the inflation
        using var t = Kp(100, 150, 300, 200, 250, 400);
        using var p = Kp(100, 150, 315, 200, 250, 430);
        Assert.Equal(new[] { 1.0 / 3 }, Pck.KeypointBoxThreshold(p, t, t, [0.05]));
    }

    [Fact]
    public void ObjectBoxUsesTheLongerSide()
    {
        Assert.Equal(100, Pck.ObjectBoxLength(10, 20, 110, 70));
        using var target = Kp(50, 50, 60, 60);
        using var predicted = Kp(55, 50, 60, 71); // 5 and 11 px off; α 0.1 of 100 → 10 px
        Assert.Equal(new[] { 0.5 }, Pck.ObjectBoxThreshold(predicted, target, 10, 20, 110, 70, [0.1]));
        Assert.Throws<ArgumentException>(() => Pck.ObjectBoxLength(10, 20, 5, 70));
    }

    [Fact]
    public void MismatchedShapesAndInvalidArgumentsThrowClearly()
    {
        using var three = Kp(1, 1, 2, 2, 3, 3);
        using var four = Kp(1, 1, 2, 2, 3, 3, 4, 4);
        var count = Assert.Throws<ArgumentException>(() => Pck.OfPair(three, four, 10, Alphas));
        Assert.Contains("predicted has 3 keypoints, target 4", count.Message);
        using var wide = torch.zeros(4, 3);
        Assert.Contains("[N,2]", Assert.Throws<ArgumentException>(() => Pck.OfPair(wide, four, 10, Alphas)).Message);
        using var nan = Kp(1, 1, float.NaN, 2);
        using var two = Kp(1, 1, 2, 2);
        Assert.Contains("target row 1", Assert.Throws<ArgumentException>(() => Pck.OfPair(two, nan, 10, Alphas)).Message);
        Assert.Throws<ArgumentException>(() => Pck.OfPair(two, two, 0, Alphas));
        Assert.Throws<ArgumentException>(() => Pck.OfPair(two, two, 10, []));
        Assert.Throws<ArgumentException>(() => Pck.OfPair(two, two, 10, [-0.1]));
        // a non-finite prediction is a wrong prediction, not an error
        Assert.Equal(new[] { 0.5 }, Pck.OfPair(nan, two, 10, [0.1]));
    }

    [Fact]
    public void DenseCountsForegroundPixelsWithKnownFlowWithinAlphaTimesMaxSide()
    {
        // a 2×3 grid (L = 3): end-point errors 0 1 2 / 3 4 5 (the last one from v = 4 with u = 3)
        using var flow = torch.tensor(new float[] { 0, 1, 2, 3, 4, 3, 0, 0, 0, 0, 0, 4 }, [2, 2, 3]);
        using var gt = torch.zeros(2, 2, 3);
        using var mask = torch.tensor(new float[] { 1, 1, 1, 1, 0, 1 }, [1, 2, 3]);
        using var valid = torch.tensor(new float[] { 1, 1, 0, 1, 1, 1 }, [1, 2, 3]);
        // counted pixels: errors 0, 1, 3, 5; α 0.5 → 1.5 px: 2 of 4; α 1 → 3 px: 3 of 4
        Assert.Equal(new[] { 0.5, 0.75 }, Pck.Dense(flow, gt, mask, [0.5, 1.0], valid));
        // without the valid mask pixel 2 (error 2) counts too: α 0.5 → 2 of 5
        Assert.Equal(new[] { 0.4 }, Pck.Dense(flow, gt, mask, [0.5]));
        Assert.Equal(new[] { 0.4 }, Pck.Dense(flow, gt, mask, [0.25], lengthPx: 6));
        using var empty = torch.zeros(1, 2, 3);
        Assert.True(double.IsNaN(Pck.Dense(flow, gt, empty, [0.05])[0]));
        using var otherGt = torch.zeros(2, 3, 2);
        Assert.Throws<ArgumentException>(() => Pck.Dense(flow, otherGt, mask, [0.05]));
        using var flatMask = torch.ones(2, 3);
        Assert.Contains("[1,2,3]", Assert.Throws<ArgumentException>(() => Pck.Dense(flow, gt, flatMask, [0.05])).Message);
    }

    [Fact]
    public void TssAveragesBothDirections()
    {
        // direction 1→2: one of two foreground pixels within 0.05·max(20, 10) = 1 px; direction 2→1: both
        using var f12 = torch.zeros(2, 10, 20);
        f12[0, 0, 1] = torch.tensor(2.0f);
        using var gt12 = torch.zeros(2, 10, 20);
        using var m12 = torch.zeros(1, 10, 20);
        m12[0, 0, 0] = torch.tensor(1.0f);
        m12[0, 0, 1] = torch.tensor(1.0f);
        using var f21 = torch.full([2, 20, 10], 0.5f); // error √0.5 ≈ 0.71 px everywhere
        using var gt21 = torch.zeros(2, 20, 10);
        using var m21 = torch.ones(1, 20, 10);
        var m = Pck.Mean([Pck.Dense(f12, gt12, m12, [0.05]), Pck.Dense(f21, gt21, m21, [0.05])], [0.05], PckThreshold.Dense);
        Assert.Equal(0.75, m.Values[0]);
        Assert.Equal(2, m.Pairs);
    }

    static SemanticPair Pair(float[,] src, float[,] trg, BoundingBox? sb = null, BoundingBox? tb = null) =>
        new("p", "s.jpg", "t.jpg", "cat", SemanticSplit.Test, src, trg, sb, tb, null, "here");

    [Fact]
    public void ProtocolsPickTheirLength()
    {
        var src = new float[,] { { 0, 0 }, { 100, 40 } };   // keypoint box 100 × 40
        var trg = new float[,] { { 10, 10 }, { 30, 30 } };  // keypoint box 20 × 20
        using var predicted = Kp(10, 16, 30, 30);           // 6 and 0 px off
        var pair = Pair(src, trg, new BoundingBox(0, 0, 200, 50), new BoundingBox(0, 0, 40, 30));
        // PF-WILLOW: L = 100 (source) → α 0.05 = 5 px: 1 of 2; target reference L = 20 → 1 px: 1 of 2; α 0.1: 10 vs 2 px
        Assert.Equal(new[] { 0.5, 1.0 }, PckProtocols.PfWillow(predicted, pair, [0.05, 0.1]));
        Assert.Equal(new[] { 0.5, 0.5 }, PckProtocols.PfWillow(predicted, pair, [0.05, 0.1], PckReference.Target));
        // SPair: source box 200 → α 0.05 = 10 px: both; target box 40 → 2 px: 1 of 2
        Assert.Equal(new[] { 1.0 }, PckProtocols.Spair(predicted, pair, [0.05]));
        Assert.Equal(new[] { 0.5 }, PckProtocols.Spair(predicted, pair, [0.05], PckReference.Target));
        Assert.Throws<ArgumentException>(() => PckProtocols.Spair(predicted, Pair(src, trg), [0.05]));
        // PF-PASCAL on a 640 × 160 target: 6 px in y becomes 12 px after 320 × 320 → α 0.05 = 16 px: both correct;
        // without the resize L = 640 → 32 px: both correct too; α 0.03 → 9.6 px after the resize: 1 of 2
        Assert.Equal(new[] { 1.0, 0.5 }, PckProtocols.PfPascal(predicted, pair, 160, 640, [0.05, 0.03]));
        Assert.Equal(new[] { 1.0, 1.0 }, PckProtocols.PfPascal(predicted, pair, 160, 640, [0.05, 0.03], resize: false));
    }
}
