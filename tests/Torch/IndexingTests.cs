using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>PyTorch-style indexing on x = arange(24).view(2, 3, 4), where x[i, j, k] = 12 i + 4 j + k.</summary>
public class IndexingTests
{
    static Tensor X() => torch.arange(24).view(2, 3, 4);

    static void AssertTensor(long[] shape, long[] values, Tensor t)
    {
        Assert.Equal(shape, t.shape);
        Assert.Equal(values, t.data<long>());
    }

    [Fact]
    public void IntegerThenFullRangeSelectsARow()
    {
        using var scope = torch.NewDisposeScope();
        AssertTensor([3, 4], [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23], X()[1, ..]);
        AssertTensor([4], [16, 17, 18, 19], X()[1, 1]);
        Assert.Equal(23, X()[1, 2, 3].item<long>());
        Assert.Equal(23, X()[-1, -1, -1].item<long>());
    }

    [Fact]
    public void RangesAndRangesFromTheEnd()
    {
        using var scope = torch.NewDisposeScope();
        AssertTensor([2, 1, 2], [5, 6, 17, 18], X()[.., 1..2, 1..3]);
        AssertTensor([2, 4], [8, 9, 10, 11, 20, 21, 22, 23], X()[.., ^1]);
        AssertTensor([1, 3, 2], [13, 14, 17, 18, 21, 22], X()[^1.., .., 1..^1]);
        AssertTensor([2, 2, 4], [0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19], X()[.., ..^1]);
    }

    [Fact]
    public void SlicesWithSteps()
    {
        using var scope = torch.NewDisposeScope();
        AssertTensor([3, 2], [1, 3, 5, 7, 9, 11], X()[0, .., TensorIndex.Slice(1, null, 2)]);
        AssertTensor([2, 2], [0, 8, 12, 20], X()[.., TensorIndex.Slice(null, null, 2), 0]);
    }

    [Fact]
    public void EllipsisAndNewAxis()
    {
        using var scope = torch.NewDisposeScope();
        AssertTensor([2, 3], [0, 4, 8, 12, 16, 20], X()[TensorIndex.Ellipsis, 0]);
        AssertTensor([2, 4], [4, 5, 6, 7, 16, 17, 18, 19], X()[.., 1, TensorIndex.Ellipsis]);
        Assert.Equal([1, 2, 3, 4], X()[TensorIndex.None].shape);
        Assert.Equal([2, 3, 4, 1], X()[TensorIndex.Ellipsis, TensorIndex.None].shape);
        AssertTensor([1, 3], [2, 6, 10], X()[0, TensorIndex.None, .., 2]);
    }

    [Fact]
    public void BooleanMaskSelectsMatchingElements()
    {
        using var scope = torch.NewDisposeScope();
        var x = X();
        AssertTensor([3], [21, 22, 23], x[x.gt(20)]);
        var rows = torch.from_array(new[] { true, false, true }, 3);
        AssertTensor([2, 2, 4], [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23], x[.., rows]);
    }

    [Fact]
    public void BooleanMaskAfterEllipsisCoversTheMaskDimensions()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.arange(12).view(3, 4).gt(9);           // true at (2, 2) and (2, 3)
        AssertTensor([2, 2], [10, 11, 22, 23], X()[TensorIndex.Ellipsis, mask]);
    }

    [Fact]
    public void LongIndexTensorGathersAlongADimension()
    {
        using var scope = torch.NewDisposeScope();
        var idx = torch.from_array(new long[] { 2, 0, 2 }, 3);
        AssertTensor([3, 4], [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], X()[0, idx]);
        AssertTensor([2, 3], [3, 1, 3, 15, 13, 15], X()[.., 0, torch.from_array(new long[] { 3, 1, 3 }, 3)]);
        // Two index tensors pair up element-wise: x[[1, 0], [2, 1]] = [x[1, 2], x[0, 1]].
        var i0 = torch.from_array(new long[] { 1, 0 }, 2);
        var i1 = torch.from_array(new long[] { 2, 1 }, 2);
        AssertTensor([2, 4], [20, 21, 22, 23, 4, 5, 6, 7], X()[i0, i1]);
    }

    [Fact]
    public void AssignmentThroughBasicIndicesWritesTheOriginal()
    {
        using var scope = torch.NewDisposeScope();
        var x = X();
        x[0, .., 1] = torch.full([3], -1L, ScalarType.Int64);
        x[1, 2] = torch.from_array(new long[] { 7, 8, 9, 10 }, 4);
        x[1, 0, 1..3] = torch.tensor(0, ScalarType.Int64);     // a 0-d value broadcasts
        AssertTensor([2, 3, 4],
            [0, -1, 2, 3, 4, -1, 6, 7, 8, -1, 10, 11,
             12, 0, 0, 15, 16, 17, 18, 19, 7, 8, 9, 10], x);
    }

    [Fact]
    public void AssignmentThroughMaskAndIndexTensor()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.arange(6).view(2, 3);
        x[(x % 2).eq(0)] = torch.tensor(-1, ScalarType.Int64);
        AssertTensor([2, 3], [-1, 1, -1, 3, -1, 5], x);
        x[torch.from_array(new long[] { 1 }, 1), ..] = torch.from_array(new long[] { 9, 9, 9 }, 3);
        AssertTensor([2, 3], [-1, 1, -1, 9, 9, 9], x);
        x.index_fill(new TensorIndex[] { .., 0 }, 4);
        AssertTensor([2, 3], [4, 1, -1, 4, 9, 9], x);
    }

    [Fact]
    public void IndexedViewsShareStorage()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.zeros(2, 3);
        var row = x[1];
        row.fill_(5);
        Assert.Equal(new[] { 0f, 0f, 0f, 5f, 5f, 5f }, x.data<float>());
        var picked = x[torch.from_array(new long[] { 1 }, 1)];   // advanced indexing copies
        picked.fill_(1);
        Assert.Equal(new[] { 0f, 0f, 0f, 5f, 5f, 5f }, x.data<float>());
    }

    [Fact]
    public void TooManyIndicesIsAnArgumentError()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Throws<ArgumentException>(() => X()[0, 0, 0, 0]);
        Assert.Throws<ArgumentException>(() => X()[TensorIndex.Ellipsis, 0, TensorIndex.Ellipsis]);
    }
}
