using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>requires_grad, backward, gradient accumulation, no_grad and detach, with hand-computed gradients.</summary>
public class AutogradTests
{
    static Tensor Leaf(params float[] values) => torch.tensor(values).requires_grad_();

    [Fact]
    public void RequiresGradPropagatesToResults()
    {
        using var scope = torch.NewDisposeScope();
        var plain = torch.tensor([1f, 2f]);
        Assert.False(plain.requires_grad);
        var x = Leaf(1, 2);
        Assert.True(x.requires_grad);
        Assert.True(x.is_leaf);
        var y = x * plain;
        Assert.True(y.requires_grad);
        Assert.False(y.is_leaf);
        Assert.False((plain * 2).requires_grad);
        Assert.Null(x.grad);
    }

    [Fact]
    public void BackwardOfAScalarGivesTheDerivative()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, -2, 3);
        (x * x).sum().backward();           // d/dx sum(x²) = 2x
        Assert.Equal(new[] { 2f, -4f, 6f }, x.grad!.data<float>());
    }

    [Fact]
    public void BackwardWithAnExplicitGradientIsAVectorJacobianProduct()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, 2, 3);
        var y = x * 3 + x.pow(2);           // dy_i/dx_i = 3 + 2 x_i = [5, 7, 9]
        y.backward(torch.tensor([1f, 0.5f, -1f]));
        Assert.Equal(new[] { 5f, 3.5f, -9f }, x.grad!.data<float>());
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, 2);
        var w = torch.tensor([3f, -1f]);
        (x * w).sum().backward();
        Assert.Equal(new[] { 3f, -1f }, x.grad!.data<float>());
        (x * w).sum().backward();
        Assert.Equal(new[] { 6f, -2f }, x.grad!.data<float>());

        var y = (x * x).sum();
        y.backward(retain_graph: true);
        y.backward();                       // the same graph twice: +2x twice
        Assert.Equal(new[] { 10f, 6f }, x.grad!.data<float>());

        x.grad!.zero_();
        Assert.Equal(new[] { 0f, 0f }, x.grad!.data<float>());
    }

    [Fact]
    public void NoGradProducesTensorsWithoutGradient()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, 2);
        Assert.True(torch.is_grad_enabled());
        using (torch.no_grad())
        {
            Assert.False(torch.is_grad_enabled());
            var y = x * 2;
            Assert.False(y.requires_grad);
            using (torch.enable_grad()) Assert.True((x * 2).requires_grad);
            Assert.False(torch.is_grad_enabled());
        }
        Assert.True(torch.is_grad_enabled());
        Assert.True((x * 2).requires_grad);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesStorage()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, 2);
        var d = x.detach();
        Assert.False(d.requires_grad);
        Assert.True(d.is_leaf);
        d.mul_(10f);                        // same storage: x sees the change
        Assert.Equal(new[] { 10f, 20f }, x.data<float>());

        // Only the attached factor carries gradient: d/dx (x.detach() * x) = x.detach().
        (x.detach() * x).sum().backward();
        Assert.Equal(new[] { 10f, 20f }, x.grad!.data<float>());
    }

    [Fact]
    public void RequiresGradCanBeSwitchedOff()
    {
        using var scope = torch.NewDisposeScope();
        var x = Leaf(1, 2);
        x.requires_grad = false;
        Assert.False((x * 2).requires_grad);
        Assert.Throws<TorchException>(() => (x * 2).sum().backward());
    }
}
