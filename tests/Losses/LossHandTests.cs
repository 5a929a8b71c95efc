using DistillKit.Tests.Support;
using DistillKit.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>Losses on inputs whose values can be worked out by hand.</summary>
public class LossHandTests
{
    static readonly double Floor = Math.Pow(0.01, 0.4); // ψ of a zero difference per counted element

    [Fact]
    public void PsiSumsChannelsAndNormalisesByTwiceTheMask()
    {
        using var scope = torch.NewDisposeScope();
        // d [1,2,1,2]: u = (1, 3), v = (−2, 5); mask (1, 0) → only the first pixel counts
        var d = torch.tensor([1f, 3f, -2f, 5f], 1, 2, 1, 2);
        var m = torch.tensor([1f, 0f], 1, 1, 1, 2);
        double expected = (Math.Pow(1.01, 0.4) + Math.Pow(2.01, 0.4)) / (2 * 1 + 1e-6);
        TensorAssert.Scalar(expected, RobustPenalty.Psi(d, m).ToDouble());
        double all = (Math.Pow(1.01, 0.4) + Math.Pow(3.01, 0.4) + Math.Pow(2.01, 0.4) + Math.Pow(5.01, 0.4)) / (2 * 2 + 1e-6);
        TensorAssert.Scalar(all, RobustPenalty.Psi(d).ToDouble());
    }

    [Fact]
    public void CensusOfIdenticalImagesIsThePenaltyFloor()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var img = torch.rand(2, 3, 16, 20);
        // h = 0 everywhere: ψ = Σm·0.01^0.4 / (2Σm + 1e-6) with Σm = 2·10·14 interior pixels
        double n = 2 * 10 * 14;
        TensorAssert.Scalar(n * Floor / (2 * n + 1e-6), CensusLoss.Compute(img, img).ToDouble());
    }

    [Fact]
    public void CensusIgnoresABrightnessOffsetButNotAPermutation()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var img = torch.rand(1, 3, 16, 20) * 0.8;
        double n = 10 * 14;
        TensorAssert.Scalar(n * Floor / (2 * n + 1e-6), CensusLoss.Compute(img, img + 0.1).ToDouble(), rtol: 1e-4);
        Assert.True(CensusLoss.Compute(img, img.flip(3)).ToDouble() > 1.0);
    }

    [Fact]
    public void TernaryAndSsimOfIdenticalImagesAreZero()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var img = torch.rand(1, 3, 12, 12);
        Assert.Equal(0.0, ArflowPhotometric.Ternary(img, img).ToDouble(), 12);
        Assert.True(ArflowPhotometric.Ssim(img, img).ToDouble() < 1e-6);
        Assert.True(ArflowPhotometric.Ssim(img, 1 - img).ToDouble() > 0.2);
    }

    [Fact]
    public void L1IsNormalisedByTheMaskMean()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.full([1, 3, 4, 4], 0.5);
        var b = torch.full([1, 3, 4, 4], 0.2);
        var m = torch.zeros(1, 1, 4, 4);
        m[0, 0, 0..2, ..] = torch.ones(2, 4); // half the pixels
        // mean(|0.3|·m) = 0.15, mean(m) = 0.5 → 0.3
        TensorAssert.Scalar(0.3, ArflowPhotometric.L1(a, b, m).ToDouble(), rtol: 1e-6);
    }

    [Fact]
    public void MixIsTheWeightedSumOfItsTerms()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var a = torch.rand(1, 3, 10, 10);
        var b = torch.rand(1, 3, 10, 10);
        var w = new PhotometricWeights(0.2, 0.3, 0.5);
        double expected = 0.2 * ArflowPhotometric.L1(a, b).ToDouble() + 0.3 * ArflowPhotometric.Ssim(a, b).ToDouble()
                          + 0.5 * ArflowPhotometric.Ternary(a, b).ToDouble();
        TensorAssert.Scalar(expected, ArflowPhotometric.Mix(a, b, null, w).ToDouble(), rtol: 1e-6);
        Assert.Equal(0.0, ArflowPhotometric.Mix(a, b, null, new PhotometricWeights(0, 0, 0)).ToDouble());
    }

    [Fact]
    public void SmoothnessOfARampOnAFlatImage()
    {
        using var scope = torch.NewDisposeScope();
        // u = x, v = 0 on a constant image: weights 1, |∂x u| = 1, all else 0
        var u = torch.arange(0, 6, 1, ScalarType.Float32).view(1, 1, 1, 6).expand(1, 1, 5, 6);
        var flow = torch.cat([u, torch.zeros(1, 1, 5, 6)], 1);
        var img = torch.full([1, 3, 5, 6], 0.4);
        // S1 = ½·mean over [1,2,5,5] of (1 for u, 0 for v) = ½·½ = 0.25; S2 of a linear field = 0
        TensorAssert.Scalar(0.25, Smoothness.FirstOrder(flow, img).ToDouble(), rtol: 1e-6);
        Assert.Equal(0.0, Smoothness.SecondOrder(flow, img).ToDouble(), 12);
    }

    [Fact]
    public void EdgeWeightsDropAcrossAnImageEdge()
    {
        using var scope = torch.NewDisposeScope();
        var img = torch.zeros(1, 3, 4, 6);
        img[.., .., .., 3..] = torch.full([1, 3, 4, 3], 0.5);
        var (wx, wy) = Smoothness.EdgeWeights(img, alpha: 10);
        var row = wx[0, 0, 1].data<float>().ToArray(); // differences x+1 − x for x = 0..4; the edge lies between x = 2 and 3
        var expected = new[] { 1, 1, Math.Exp(-5), 1, 1 };
        for (int x = 0; x < 5; x++) Assert.Equal(expected[x], row[x], 6);
        Assert.Equal(1f, wy.min().ToSingle());
    }
}
