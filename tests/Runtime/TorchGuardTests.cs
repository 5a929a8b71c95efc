using DistillKit.Runtime;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Runtime;

public class TorchGuardTests
{
    [Fact]
    public void TorchSharpsScalarFreesGoThroughTheGuard()
    {
        Assert.True(TorchGuard.Installed, TorchGuard.NotInstalledBecause);
        var before = TorchGuard.Stats();
        var s = 2.5.ToScalar();
        s.Dispose();
        var after = TorchGuard.Stats();
        Assert.True(after.Delayed > before.Delayed, $"delayed frees {before.Delayed} -> {after.Delayed}");
    }

    [Fact]
    public void ExplicitTensorDisposeIsNotDelayed()
    {
        using var x = torch.ones(4);
        var before = TorchGuard.Stats();
        for (int i = 0; i < 100; i++) torch.zeros(1000).Dispose();
        Assert.True(TorchGuard.Stats().Delayed - before.Delayed < 100, "explicit tensor disposes were delayed");
    }

    /// <summary>
    /// Operators with implicit Scalars on 1M-element tensors while another thread collects garbage without pause: without
    /// the guard this failed about once every 1,300 iterations here ("Expected false to be true ... toFloat").
    /// </summary>
    [Fact]
    public void OperatorsSurviveGarbageCollectionsFromAnotherThread()
    {
        using var x = torch.rand(1 << 20);
        using var y = torch.rand(1 << 20);
        bool stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
        collector.Start();
        int errors = 0, iterations = 0;
        string? first = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (; clock.Elapsed.TotalSeconds < 6; iterations++)
            {
                try
                {
                    using var scope = torch.NewDisposeScope();
                    _ = (x + y) * 2.0 - y * 0.5;
                }
                catch (Exception e) { errors++; first ??= e.Message; }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        Assert.True(errors == 0, $"{errors} of {iterations} iterations failed: {first}");
    }
}
