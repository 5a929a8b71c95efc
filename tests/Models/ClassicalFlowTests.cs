using DistillKit.Data.Synthetic;
using DistillKit.Metrics;
using DistillKit.Models.Classical;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Models;

public class ClassicalFlowTests
{
    /// <summary>Farnebäck through OpenCV recovers much of the synthetic motion, in the kit's conventions (a wrong
    /// channel order or sign would be worse than zero flow).</summary>
    [Fact]
    public void FarnebackBeatsZeroFlowOnSyntheticPairs()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 31).GenerateBatch(0, 6);
        using var farneback = new FarnebackFlow();
        var eval = FlowEvaluations.Of(farneback, batch);
        Assert.True(eval.Model.EpeNoc < 0.6 * eval.ZeroFlow.EpeNoc, $"Farneback EPE-noc {eval.Model.EpeNoc:F3} vs zero flow {eval.ZeroFlow.EpeNoc:F3}");
    }

    /// <summary>The kit's TV-L1 is well below zero flow and better than Farnebäck on the same pairs, as OpenCV's TV-L1 is
    /// on the mini held-out pairs (EPE-noc 0.266 against Farnebäck's 0.744, measured when the issue was filed; the kit's
    /// TV-L1 measured 0.293 there).</summary>
    [Fact]
    public void TvL1BeatsFarnebackOnSyntheticPairs()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 31).GenerateBatch(0, 6);
        using var tvl1 = new TvL1Flow();
        using var farneback = new FarnebackFlow();
        var tv = FlowEvaluations.Of(tvl1, batch);
        var fb = FlowEvaluations.Of(farneback, batch);
        Assert.True(tv.Model.EpeNoc < 0.4 * tv.ZeroFlow.EpeNoc, $"TV-L1 EPE-noc {tv.Model.EpeNoc:F3} vs zero flow {tv.ZeroFlow.EpeNoc:F3}");
        Assert.True(tv.Model.EpeNoc < fb.Model.EpeNoc, $"TV-L1 EPE-noc {tv.Model.EpeNoc:F3} vs Farneback {fb.Model.EpeNoc:F3}");
    }

    /// <summary>TV-L1 solves a few pairs at a time to bound memory; the flows do not depend on how many (each image's
    /// solve is its own), and the backward flow is the forward flow of the swapped pair.</summary>
    [Fact]
    public void TvL1FlowsDoNotDependOnPairsPerSolve()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = new SyntheticFlowGenerator(SyntheticFlowConfig.Smoke, 5).GenerateBatch(0, 3);
        using var one = new TvL1Flow { Warps = 2, OuterIterations = 2, Scales = 3, PairsPerSolve = 1 };
        using var all = new TvL1Flow { Warps = 2, OuterIterations = 2, Scales = 3, PairsPerSolve = 3 };
        var (fw1, bw1) = one.ForwardBoth(batch.Image1, batch.Image2);
        var (fw3, bw3) = all.ForwardBoth(batch.Image1, batch.Image2);
        Assert.Equal(new long[] { 3, 2, batch.Height, batch.Width }, fw1.shape);
        Assert.True(fw1.allclose(fw3, rtol: 0, atol: 1e-4) && bw1.allclose(bw3, rtol: 0, atol: 1e-4), "flows differ with PairsPerSolve");
        Assert.True(bw1.allclose(one.ForwardFlow(batch.Image2, batch.Image1), rtol: 0, atol: 1e-4), "backward flow is not the swapped pair's");
        Assert.Throws<ArgumentException>(() => new TvL1Flow { PairsPerSolve = 0 }.ForwardBoth(batch.Image1, batch.Image2));
    }
}
