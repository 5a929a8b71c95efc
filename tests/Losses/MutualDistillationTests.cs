using DistillKit.Geometry;
using DistillKit.Losses;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>
/// MDFlow's terms against tests/reference/make_loss_golden.py (census distance, reliable masks, the supervision term and
/// its gradient, computed there in float64 from METHODS §5) and against hand values.
/// </summary>
public class MutualDistillationTests
{
    static Tensor In(string name, ScalarType dtype = ScalarType.Float64) => LossGolden.Get("in_" + name).to_type(dtype);

    [Fact]
    public void CensusDistanceMatchesReference()
    {
        using var scope = torch.NewDisposeScope();
        var warped = Warping.Warped(In("image2"), In("flow_near"));
        var distance = MutualDistillation.CensusDistance(In("image1"), warped);
        TensorAssert.Close(LossGolden.Get("census_distance"), distance, rtol: 1e-5, what: "census distance");
        Assert.True(distance.max().ToDouble() < 49 && distance.min().ToDouble() >= 0);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(14)]
    public void ReliableMaskMatchesReference(int tau)
    {
        using var scope = torch.NewDisposeScope();
        var flow = In("flow_near");
        var (occ, _) = ForwardBackward.Occlusion(flow, In("flow_near_bw"));
        var mask = MutualDistillation.ReliableMask(In("image1"), In("image2"), flow, 1 - occ, tau);
        var expected = LossGolden.Get($"reliable_tau{tau}").to_type(ScalarType.Float64);
        // pixels whose distance lies within 1e-4 of τ may round either way between the two implementations
        var near = LossGolden.Get("census_distance").to_type(ScalarType.Float64).sub(tau).abs().lt(1e-4);
        var differ = mask.ne(expected).logical_and(near.logical_not());
        Assert.Equal(0, differ.sum().ToInt64());
        double kept = expected.mean().ToDouble();
        Assert.True(kept > 0.05 && kept < 0.95, $"the golden mask at τ={tau} keeps {kept:P0}: the test would not discriminate");
    }

    [Fact]
    public void SupervisionMatchesReferenceWithGradient()
    {
        foreach (var (name, eps, q) in new[] { ("sup", 0.0, 1.0), ("sup_eps_q", 0.01, 0.4) })
            foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
            {
                using var scope = torch.NewDisposeScope();
                var flow = In("flow", dtype).requires_grad_();
                var target = In("target", dtype).requires_grad_();
                var loss = MutualDistillation.Supervision(flow, target, In("mask", dtype), eps, q);
                loss.backward();
                TensorAssert.Scalar(LossGolden.Get("loss_" + name).ToDouble(), loss.ToDouble(), what: $"{name} ({dtype})");
                TensorAssert.Close(LossGolden.Get("grad_" + name), flow.grad!, rtol: dtype == ScalarType.Float64 ? 1e-5 : 5e-4, what: $"grad {name} ({dtype})");
                Assert.Null(target.grad); // the target (a teacher's flow) is detached
            }
    }

    [Fact]
    public void IdenticalImagesAreReliableWhereVisible()
    {
        using var scope = torch.NewDisposeScope();
        var image = In("image1");
        var noc = torch.ones(2, 1, 20, 28, ScalarType.Float64);
        noc[.., .., 5, 5] = torch.tensor(0.0);
        // τ just above 0: the warp at integer positions reproduces the image up to the grid's rounding (≈1e-16)
        var mask = MutualDistillation.ReliableMask(image, image, torch.zeros(2, 2, 20, 28, ScalarType.Float64), noc, 1e-6);
        Assert.Equal(noc.sum().ToDouble(), mask.sum().ToDouble());
        // a mismatched pair is unreliable at that τ almost everywhere
        var other = MutualDistillation.ReliableMask(image, In("image2"), torch.zeros(2, 2, 20, 28, ScalarType.Float64), noc, 1e-6);
        Assert.True(other.mean().ToDouble() < 0.01);
    }

    [Fact]
    public void SupervisionHandValueAndBadShapes()
    {
        using var scope = torch.NewDisposeScope();
        var predicted = torch.zeros(1, 2, 1, 2);
        var target = torch.tensor(new float[] { 1, 3, -2, 4 }, [1, 2, 1, 2]);
        var mask = torch.tensor(new float[] { 1, 0 }, [1, 1, 1, 2]);
        // masked |Δ| = (1 + 2) over 4 elements = 0.75; mean(mask) = 0.5 → 1.5
        Assert.Equal(1.5, MutualDistillation.Supervision(predicted, target, mask).ToDouble(), 5);
        var e = Assert.Throws<ArgumentException>(() => MutualDistillation.Supervision(predicted, torch.zeros(1, 2, 2, 2), mask));
        Assert.Contains("[1,2,1,2]", e.Message);
        Assert.Throws<ArgumentException>(() => MutualDistillation.ReliableMask(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 4, 5), torch.ones(1, 1, 4, 4), 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => MutualDistillation.ReliableMask(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4), torch.zeros(1, 2, 4, 4), torch.ones(1, 1, 4, 4), double.NaN));
    }
}
