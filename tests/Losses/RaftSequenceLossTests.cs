using DistillKit.Tests.Support;
using DistillKit.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>RAFT's sequence loss on values worked out by hand.</summary>
public class RaftSequenceLossTests
{
    [Fact]
    public void WeighsEachRefinementByGammaToTheIterationsLeft()
    {
        using var scope = torch.NewDisposeScope();
        // [1,2,1,2]: u at the two pixels, then v; target u = (0, 1), v = (2, −1)
        var target = torch.tensor([0f, 1f, 2f, -1f], 1, 2, 1, 2);
        var f1 = torch.tensor([1f, 1f, 0f, -1f], 1, 2, 1, 2);   // |Δ| = 1, 0, 2, 0
        var f2 = torch.tensor([0f, 4f, 2f, 0f], 1, 2, 1, 2);    // |Δ| = 0, 3, 0, 1
        var f3 = torch.tensor([0.5f, 1f, 2f, -1f], 1, 2, 1, 2); // |Δ| = 0.5, 0, 0, 0
        // N = 3, γ = 0.8: 0.64·(1+0+2+0)/4 + 0.8·(0+3+0+1)/4 + 1·(0.5)/4
        double all = 0.64 * 3 / 4 + 0.8 * 4 / 4 + 0.5 / 4;
        TensorAssert.Scalar(all, SequenceLoss.L1([f1, f2, f3], target).ToDouble(), rtol: 1e-6);
        // valid = (1, 0): the second pixel's errors become zeros, the mean still over 4 elements
        var valid = torch.tensor([1f, 0f], 1, 1, 1, 2);
        double masked = 0.64 * 3 / 4 + 0.8 * 0 / 4 + 0.5 / 4;
        TensorAssert.Scalar(masked, SequenceLoss.L1([f1, f2, f3], target, valid).ToDouble(), rtol: 1e-6);
        // γ = 0.5 with two flows: 0.5·mean|f1 − t| + mean|f2 − t|
        TensorAssert.Scalar(0.5 * 3 / 4 + 4.0 / 4, SequenceLoss.L1([f1, f2], target, gamma: 0.5).ToDouble(), rtol: 1e-6);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        using var scope = torch.NewDisposeScope();
        var target = torch.zeros(1, 2, 4, 4);
        Assert.Throws<ArgumentException>(() => SequenceLoss.L1([torch.zeros(1, 2, 4, 5)], target));
        Assert.Throws<ArgumentException>(() => SequenceLoss.L1([torch.zeros(1, 2, 4, 4)], target, torch.ones(1, 2, 4, 4)));
        Assert.Throws<ArgumentException>(() => SequenceLoss.L1([], target));
    }
}
