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
}
