using DistillKit.Torch;
using Xunit;
using F = DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Tests.Torch;

/// <summary>libtorch errors become .NET exceptions that name the operator and keep libtorch's reason; none crashes the process.</summary>
public class ErrorTests
{
    /// <summary>After an error the engine still works on this thread.</summary>
    static void AssertStillWorks()
    {
        using var a = torch.ones(2, 2);
        using var b = a.mm(a);
        Assert.Equal(new[] { 2f, 2f, 2f, 2f }, b.data<float>());
    }

    [Fact]
    public void ShapeMismatchNamesTheOperatorAndTheReason()
    {
        using var a = torch.zeros(3, 4);
        using var b = torch.zeros(5, 2);
        var e = Assert.Throws<TorchException>(() => a.mm(b));
        Assert.Equal("aten::mm", e.Operation);
        Assert.StartsWith("aten::mm: ", e.Message);
        Assert.Contains("cannot be multiplied (3x4 and 5x2)", e.Message);
        Assert.Contains("3x4 and 5x2", e.NativeMessage);
        AssertStillWorks();
    }

    [Fact]
    public void BroadcastMismatchNamesTheOperator()
    {
        using var a = torch.zeros(3, 4);
        using var b = torch.zeros(3, 5);
        var e = Assert.Throws<TorchException>(() => a + b);
        Assert.Equal("aten::add.Tensor", e.Operation);
        Assert.Contains("must match the size of tensor b (5)", e.Message);
        AssertStillWorks();
    }

    [Fact]
    public void UnknownOperatorSaysSoWithItsName()
    {
        using var x = torch.zeros(2);
        var op = Op.Get("aten::does_not_exist");
        var e = Assert.Throws<TorchException>(() => Call.Start().T(x).Tensor(op));
        Assert.Contains("aten::does_not_exist", e.Message);
        Assert.Contains("unknown operator", e.Message);
        Assert.Contains("Could not find schema", e.NativeMessage);
        var overload = Assert.Throws<TorchException>(() => Op.Get("aten::add", "no_such_overload").Schema);
        Assert.Contains("aten::add.no_such_overload", overload.Message);
        AssertStillWorks();
    }

    [Fact]
    public void ReadingWithTheWrongElementTypeNamesBothTypes()
    {
        using var x = torch.arange(4);
        Assert.Equal(ScalarType.Int64, x.dtype);
        var e = Assert.Throws<ArgumentException>(() => x.data<float>());
        Assert.Contains("Int64", e.Message);
        Assert.Contains("Float32", e.Message);
        Assert.Equal(new long[] { 0, 1, 2, 3 }, x.data<long>());
    }

    [Fact]
    public void BoolInputToConvolutionThrowsTorchException()
    {
        using var x = torch.ones([1, 1, 4, 4], ScalarType.Bool);
        using var w = torch.ones(1, 1, 3, 3);
        var e = Assert.Throws<TorchException>(() => F.conv2d(x, w));
        Assert.Equal("aten::conv2d", e.Operation);
        Assert.Contains("not implemented for 'Bool'", e.Message);
        AssertStillWorks();
    }

    [Fact]
    public void WrongArgumentKindThrowsTorchException()
    {
        // aten::mm takes two tensors; an int in second place must be refused by the boxed call, not crash.
        using var a = torch.zeros(2, 2);
        var e = Assert.Throws<TorchException>(() => Call.Start().T(a).I(3).Tensor(Op.Get("aten::mm")));
        Assert.Equal("aten::mm", e.Operation);
        AssertStillWorks();
    }

    [Fact]
    public void BackwardOfANonScalarWithoutGradientThrows()
    {
        using var x = torch.ones([3], requires_grad: true);
        using var y = x * 2;
        var e = Assert.Throws<TorchException>(() => y.backward());
        Assert.Contains("scalar", e.Message);
        AssertStillWorks();
    }

    [Fact]
    public void DisposedTensorThrowsObjectDisposed()
    {
        var x = torch.ones(2, 3);
        using var y = torch.ones(2, 3);
        x.Dispose();
        Assert.True(x.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => x.sum());
        Assert.Throws<ObjectDisposedException>(() => y + x);
        Assert.Throws<ObjectDisposedException>(() => x.shape);
        Assert.Throws<ObjectDisposedException>(() => x.data<float>());
        x.Dispose(); // a second Dispose is harmless
        AssertStillWorks();
    }

    [Fact]
    public void TensorDisposedByItsScopeThrowsObjectDisposed()
    {
        Tensor inner;
        using (torch.NewDisposeScope()) inner = torch.zeros(2);
        Assert.True(inner.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => inner.numel());
    }

    [Fact]
    public void RepeatedFailuresKeepReportingTheirOwnError()
    {
        // A failed call must not leave tensor references in the thread's argument buffers (192 slots).
        // Runs on its own thread: the buffers are per thread, so a regression cannot spill into other tests.
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var x = torch.zeros(2);
                var disposed = torch.zeros(2);
                disposed.Dispose();
                var op = Op.Get("aten::does_not_exist");
                for (int k = 0; k < 300; k++)
                {
                    Assert.Throws<TorchException>(() => Call.Start().T(x).Tensor(op));
                    Assert.Throws<ObjectDisposedException>(() => x.add(disposed));
                }
                AssertStillWorks();
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException($"after repeated failures: {failure.Message}");
    }

    [Fact]
    public void ErrorsOnOtherThreadsStayOnTheirThread()
    {
        // The native error message is thread-local: parallel failures each report their own operator.
        var messages = new string[8];
        Parallel.For(0, messages.Length, k =>
        {
            using var a = torch.zeros(k + 1, 2);
            using var b = torch.zeros(3, 4);
            messages[k] = Assert.Throws<TorchException>(() => a.mm(b)).Message;
        });
        for (int k = 0; k < messages.Length; k++) Assert.Contains($"({k + 1}x2 and 3x4)", messages[k]);
    }
}
