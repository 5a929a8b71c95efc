using DistillKit.Data;
using System.Diagnostics;
using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Data;

public class SyntheticFlowGeneratorTests(ITestOutputHelper output)
{
    static readonly SyntheticFlowConfig Mini = SyntheticFlowConfig.Mini;

    [Fact]
    public void SameSeedAndIndexGiveIdenticalPairsInAnyOrder()
    {
        var a = new SyntheticFlowGenerator(Mini, 42);
        var b = new SyntheticFlowGenerator(Mini, 42);
        b.GenerateArrays(9); // generating other samples first must not matter
        var x = a.GenerateArrays(3);
        var y = b.GenerateArrays(3);
        Assert.Equal(x.Image1, y.Image1);
        Assert.Equal(x.Image2, y.Image2);
        Assert.Equal(x.FlowFw, y.FlowFw);
        Assert.Equal(x.OccBw, y.OccBw);
        Assert.NotEqual(x.Image1, a.GenerateArrays(4).Image1);
        Assert.NotEqual(x.Image1, new SyntheticFlowGenerator(Mini, 43).GenerateArrays(3).Image1);
    }

    [Fact]
    public void OutputsHaveTheDocumentedShapesAndRanges()
    {
        using var scope = torch.NewDisposeScope();
        var cfg = SyntheticFlowConfig.Smoke;
        using var s = new SyntheticFlowGenerator(cfg, 1).Generate(0);
        Assert.Equal(new long[] { 3, cfg.Height, cfg.Width }, s.Image1.shape);
        Assert.Equal(new long[] { 2, cfg.Height, cfg.Width }, s.FlowBw.shape);
        Assert.Equal(new long[] { 1, cfg.Height, cfg.Width }, s.OccFw.shape);
        Assert.True(s.Image2.min().ToDouble() >= 0 && s.Image2.max().ToDouble() <= 1);
        Assert.Equal(0.0, (s.OccFw * (1 - s.OccFw)).abs().sum().ToDouble());
        Assert.Equal(1.0, s.Valid.min().ToDouble());
        // enough texture for photometric losses: a clear local contrast in frame 1
        Assert.True(s.Image1.std().ToDouble() > 0.05);
    }

    [Fact]
    public void VisiblePointsKeepTheirColourAndInvertTheirFlowExactly()
    {
        var gen = new SyntheticFlowGenerator(Mini, 7);
        for (int index = 0; index < 4; index++)
        {
            var scene = gen.Scene(index);
            int visible = 0;
            for (int y = 0; y < scene.Height; y++)
            for (int x = 0; x < scene.Width; x++)
            {
                if (scene.OccludedFw(x, y)) continue;
                visible++;
                var (u, v) = scene.FlowFw(x, y);
                // frame 2 at p + w_f(p) shows the same texture point, and the backward flow there leads back to p
                Assert.Equal(scene.Colour1(x, y), scene.Colour2(x + u, y + v));
                var (bu, bv) = scene.FlowBw(x + u, y + v);
                Assert.Equal(-u, bu, 9);
                Assert.Equal(-v, bv, 9);
            }
            Assert.True(visible > scene.Height * scene.Width / 2);
        }
    }

    [Fact]
    public void RenderedArraysAgreeWithTheScene()
    {
        var gen = new SyntheticFlowGenerator(SyntheticFlowConfig.Smoke, 3);
        var scene = gen.Scene(5);
        var a = gen.GenerateArrays(5);
        int hw = a.Height * a.Width;
        foreach (var (x, y) in new[] { (0, 0), (17, 9), (47, 31), (30, 20) })
        {
            int i = y * a.Width + x;
            var (u, v) = scene.FlowBw(x, y);
            Assert.Equal((float)u, a.FlowBw[i]);
            Assert.Equal((float)v, a.FlowBw[hw + i]);
            Assert.Equal(scene.OccludedFw(x, y) ? 1f : 0f, a.OccFw[i]);
            Assert.Equal(scene.OccludedBw(x, y) ? 1f : 0f, a.OccBw[i]);
            Assert.Equal(scene.Colour2(x, y).G, a.Image2[hw + i]);
        }
    }

    [Fact]
    public void BatchesEqualStackedSamples()
    {
        using var scope = torch.NewDisposeScope();
        var gen = new SyntheticFlowGenerator(SyntheticFlowConfig.Smoke, 11);
        using var batch = gen.GenerateBatch(2, 3);
        Assert.Equal(3, batch.BatchSize);
        Assert.Equal(new long[] { 3, 3, 32, 48 }, batch.Image1.shape);
        var samples = Enumerable.Range(2, 3).Select(k => gen.Generate(k)).ToArray();
        using var stacked = FlowBatch.Stack(samples);
        Assert.Equal(0.0, (batch.Image2 - stacked.Image2).abs().max().ToDouble());
        Assert.Equal(0.0, (batch.FlowFw - stacked.FlowFw).abs().max().ToDouble());
        Assert.Equal(0.0, (batch.OccBw - stacked.OccBw).abs().max().ToDouble());
        foreach (var s in samples) s.Dispose();
    }

    [Fact]
    public void PresetsValidateAndBadConfigsThrow()
    {
        SyntheticFlowConfig.Smoke.Validate();
        SyntheticFlowConfig.Mini.Validate();
        SyntheticFlowConfig.Paper.Validate();
        Assert.Throws<ArgumentException>(() => new SyntheticFlowGenerator(Mini with { MinShapes = 5, MaxShapes = 2 }, 0));
        Assert.Throws<ArgumentException>(() => new SyntheticFlowGenerator(Mini with { Height = 4 }, 0));
        var wide = SyntheticFlowConfig.Smoke with { MinShapes = 3, MaxShapes = 3 };
        Assert.Equal(4, new SyntheticFlowGenerator(wide, 0).Scene(0).Layers.Count);
    }

    [Fact]
    public void MiniGenerationIsFastOnOneCore()
    {
        var gen = new SyntheticFlowGenerator(Mini, 0);
        gen.GenerateArrays(0); // warm-up (JIT)
        // CPU time of this thread, so other tests and other processes on the machine do not count
        double start = ThreadCpuSeconds();
        var wall = Stopwatch.StartNew();
        int n = 0;
        while (ThreadCpuSeconds() - start < 0.5 && wall.Elapsed.TotalSeconds < 20) gen.GenerateArrays(++n);
        double rate = n / Math.Max(ThreadCpuSeconds() - start, 1e-3);
        output.WriteLine($"synthetic mini ({Mini.Height}×{Mini.Width}): {rate:F0} pairs per CPU-second on one thread");
        // a loose bound that catches gross regressions: a Debug build of Lib gives about 170, Release about 340
        Assert.True(rate > 50, $"only {rate:F0} pairs per CPU-second");
    }

    /// <summary>User + system CPU time of the calling thread from /proc (USER_HZ = 100), or wall time elsewhere.</summary>
    static double ThreadCpuSeconds()
    {
        const string stat = "/proc/thread-self/stat";
        if (!File.Exists(stat)) return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // fields after "pid (comm) ", starting at field 3
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;      // fields 14 (utime) and 15 (stime)
    }
}
