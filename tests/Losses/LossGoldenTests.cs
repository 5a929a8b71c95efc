using DistillKit.Tests.Support;
using DistillKit.Geometry;
using DistillKit.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>
/// Every loss against tests/reference/make_loss_golden.py: the value and its gradient w.r.t. the flow, in both dtypes.
/// The reference computes in float64. In float64 the kit must agree to 1e-5 relative per element (the reference's
/// float32 storage rounds at 6e-8). In float32, the kit's working dtype, loss values must still agree to 1e-5 relative,
/// but gradients carry float32 noise (PyTorch's own float32 census gradient is 8e-5 of its largest magnitude away from
/// float64: warping coordinates are rounded to float32 and the soft Hamming terms cancel), so there each element must
/// agree within 5e-4 of the gradient's largest magnitude.
/// </summary>
public class LossGoldenTests
{
    /// <summary>The golden inputs converted to one dtype.</summary>
    sealed class Inputs(ScalarType dtype)
    {
        public Tensor this[string name] => LossGolden.Get("in_" + name).to_type(dtype);
        public Tensor Warped(Tensor flow) => Warping.Warp(this["image2"], flow).warped;
    }

    /// <summary>Evaluates <paramref name="loss"/>(inputs, flow) at the golden flow and compares value and d loss / d flow.</summary>
    static void Check(string name, Func<Inputs, Tensor, Tensor> loss)
    {
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            using var scope = torch.NewDisposeScope();
            var inputs = new Inputs(dtype);
            var flow = inputs["flow"].requires_grad_();
            var value = loss(inputs, flow);
            Assert.Empty(value.shape);
            Assert.Equal(dtype, value.dtype);
            value.backward();
            bool strict = dtype == ScalarType.Float64;
            TensorAssert.Scalar(LossGolden.Get("loss_" + name).ToDouble(), value.ToDouble(), what: $"{name} ({dtype})");
            TensorAssert.Close(LossGolden.Get("grad_" + name), flow.grad!, rtol: strict ? 1e-5 : 5e-4,
                floorFraction: strict ? 0.01 : 1, what: $"grad {name} ({dtype})");
        }
    }

    [Fact]
    public void PsiMatchesReference() => Check("psi", (x, f) => RobustPenalty.Psi(f - x["target"], x["mask"]));

    [Fact]
    public void PsiPhotometricWithoutMaskMatchesReference() =>
        Check("psi_photo_nomask", (x, f) => PhotometricTerms.Psi(x["image1"], x["image2"], f));

    [Fact]
    public void CensusMatchesReference() => Check("census", (x, f) => CensusLoss.Compute(x["image1"], x.Warped(f), x["mask"]));

    [Fact]
    public void CensusWithoutMaskMatchesReference() => Check("census_nomask", (x, f) => CensusLoss.Compute(x["image1"], x.Warped(f)));

    [Fact]
    public void CensusTermWithOcclusionMatchesReference() =>
        Check("census", (x, f) => PhotometricTerms.Census(x["image1"], x["image2"], f, 1 - x["mask"]));

    [Fact]
    public void TernaryMatchesReference() => Check("ternary", (x, f) => ArflowPhotometric.Ternary(x["image1"], x.Warped(f), x["mask"]));

    [Fact]
    public void SsimMatchesReference() => Check("ssim", (x, f) => ArflowPhotometric.Ssim(x["image1"], x.Warped(f), x["mask"]));

    [Fact]
    public void L1MatchesReference() => Check("l1", (x, f) => ArflowPhotometric.L1(x["image1"], x.Warped(f), x["mask"]));

    [Fact]
    public void ArflowMixMatchesReference() =>
        Check("mix_l1ssim", (x, f) => PhotometricTerms.Arflow(x["image1"], x["image2"], f, 1 - x["mask"], PhotometricWeights.L1Ssim));

    [Fact]
    public void FirstOrderSmoothnessMatchesReference() => Check("smooth1", (x, f) => Smoothness.FirstOrder(f, x["image1"]));

    [Fact]
    public void SecondOrderSmoothnessMatchesReference() => Check("smooth2", (x, f) => Smoothness.SecondOrder(f, x["image1"]));

    [Fact]
    public void SmoothnessHonoursAlpha() => Check("smooth1_a150", (x, f) => Smoothness.FirstOrder(f, x["image1"], alpha: 150));
}
