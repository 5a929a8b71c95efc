using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>Tests that read the process-wide <see cref="Tensor.LiveCount"/> run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCountCollection
{
    public const string Name = "Tensor.LiveCount";
}

/// <summary>Dispose scopes free every native tensor they collect, and only those.</summary>
[Collection(LiveCountCollection.Name)]
public class DisposeScopeTests
{
    /// <summary>The live count once unreachable tensors of earlier tests have been finalized.</summary>
    static long SettledLiveCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }

    [Fact]
    public void TenThousandScopedIterationsLeaveNoTensorBehind()
    {
        using var weight = torch.randn(4, 4);
        long before = SettledLiveCount();
        long peakInside = 0;
        double checksum = 0;
        for (int k = 0; k < 10_000; k++)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.full([2, 4], k % 7);
            var y = (x.mm(weight) + 1).relu();
            var (values, indices) = y.max(1);
            var parts = y.chunk(2, 1);
            var s = (values.sum() + indices.sum() + parts[0].mean()).sigmoid();
            if (k == 0) peakInside = Tensor.LiveCount;
            if (k % 1000 == 0) checksum += s.ToDouble();
        }
        Assert.True(peakInside >= before + 10, $"the loop body should hold its tensors while the scope is open ({peakInside} vs {before})");
        Assert.True(checksum > 0);
        Assert.Equal(before, SettledLiveCount());
    }

    [Fact]
    public void MovedTensorsSurviveAndNestedScopesDisposeOnlyTheirOwn()
    {
        long before = SettledLiveCount();
        Tensor kept, outerOwned, innerOwned, movedToOuter;
        using (var outer = torch.NewDisposeScope())
        {
            outerOwned = torch.ones(2);
            using (var inner = torch.NewDisposeScope())
            {
                innerOwned = torch.zeros(2);
                movedToOuter = innerOwned + 1;
                inner.MoveToOuter(movedToOuter);
                Assert.Equal(1, inner.Count);
            }
            Assert.True(innerOwned.IsDisposed);
            Assert.False(movedToOuter.IsDisposed);
            Assert.False(outerOwned.IsDisposed);
            Assert.Equal(new[] { 1f, 1f }, movedToOuter.data<float>());

            kept = (outerOwned * 3).MoveToOuterDisposeScope(); // no scope outside: the caller owns it
            Assert.Equal(2, outer.Count);
        }
        Assert.True(outerOwned.IsDisposed);
        Assert.True(movedToOuter.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new[] { 3f, 3f }, kept.data<float>());
        Assert.Equal(before + 1, SettledLiveCount());
        kept.Dispose();
        Assert.Equal(before, SettledLiveCount());
    }

    [Fact]
    public void DetachedTensorIsLeftToTheCaller()
    {
        long before = SettledLiveCount();
        Tensor detached;
        using (var scope = torch.NewDisposeScope())
        {
            detached = torch.arange(3).DetachFromDisposeScope();
            _ = torch.arange(5);
            Assert.Equal(1, scope.Count);
        }
        Assert.False(detached.IsDisposed);
        Assert.Equal(new long[] { 0, 1, 2 }, detached.data<long>());
        detached.Dispose();
        Assert.Equal(before, SettledLiveCount());
    }

    [Fact]
    public void ExplicitlyDisposedTensorInAScopeIsFreedOnce()
    {
        long before = SettledLiveCount();
        using (var scope = torch.NewDisposeScope())
        {
            var a = torch.ones(3);
            var b = a * 2;
            a.Dispose();
            Assert.Equal(1, scope.Count);
            Assert.Equal(new[] { 2f, 2f, 2f }, b.data<float>());
        }
        Assert.Equal(before, SettledLiveCount());
    }
}

[Collection(LiveCountCollection.Name)]
public class GcSafetyNetTests
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void Leak(int n)
    {
        for (int i = 0; i < n; i++) torch.ones(3); // never disposed, outside any scope
        using var scope = torch.NewDisposeScope();
        var moved = torch.zeros(2);
        scope.Detach(moved); // leaves the scope undisposed: the GC must free it too
    }

    [Fact]
    public void TensorsNeverDisposedOutsideScopesAreFreedByTheGarbageCollector()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Tensor.LiveCount;
        Leak(100);
        Assert.Equal(before + 101, Tensor.LiveCount);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(before, Tensor.LiveCount);
    }

    [Fact]
    public void DisposingTwiceOrAfterTheScopeIsHarmless()
    {
        long before = Tensor.LiveCount;
        Tensor kept;
        using (var scope = torch.NewDisposeScope())
        {
            kept = torch.ones(2);
            kept.Dispose();
            kept.Dispose();
        }
        Assert.True(kept.IsDisposed);
        Assert.Equal(before, Tensor.LiveCount);
    }
}
