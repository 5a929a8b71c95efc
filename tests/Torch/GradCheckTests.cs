using DistillKit.Torch;
using Xunit;
using Xunit.Sdk;
using static DistillKit.Torch.torch.nn;
using F = DistillKit.Torch.torch.nn.functional;

namespace DistillKit.Tests.Torch;

/// <summary>
/// Autograd against central finite differences in float64: for L(x) = (f(x) * w).sum() with fixed random w,
/// dL/dx_j ≈ (L(x + h e_j) - L(x - h e_j)) / 2h with h = 1e-6, compared within 1e-6 + 1e-5·|g|.
/// </summary>
public class GradCheckTests
{
    const double H = 1e-6, Atol = 1e-6, Rtol = 1e-5;

    static Tensor Randn(params long[] shape) => torch.randn(shape, ScalarType.Float64);
    static Tensor Uniform(double lo, double hi, params long[] shape) => torch.rand(shape, ScalarType.Float64) * (hi - lo) + lo;

    /// <summary>Checks the gradient of (f(inputs) * w).sum() w.r.t. every input; returns the largest |gradient| seen.</summary>
    static double Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        using var scope = torch.NewDisposeScope();
        var leaves = inputs.Select(t => t.detach().clone().requires_grad_()).ToArray();
        var y = f(leaves);
        Assert.Equal(ScalarType.Float64, y.dtype);
        var w = torch.randn(y.shape, ScalarType.Float64);
        (y * w).sum().backward();

        double largest = 0;
        for (int a = 0; a < inputs.Length; a++)
        {
            var analytic = leaves[a].grad!.data<double>();
            var x = inputs[a].data<double>();
            for (int j = 0; j < x.Length; j++)
            {
                double numeric = (Loss(f, inputs, w, a, j, x[j] + H) - Loss(f, inputs, w, a, j, x[j] - H)) / (2 * H);
                if (Math.Abs(numeric - analytic[j]) > Atol + Rtol * Math.Abs(numeric))
                    throw new XunitException($"input {a} element {j}: autograd {analytic[j]:R}, central difference {numeric:R}");
                largest = Math.Max(largest, Math.Abs(analytic[j]));
            }
        }
        return largest;
    }

    /// <summary>(f(inputs with inputs[a][j] = v) * w).sum() without recording a graph.</summary>
    static double Loss(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor w, int a, int j, double v)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var values = inputs[a].data<double>();
        values[j] = v;
        var args = (Tensor[])inputs.Clone();
        args[a] = torch.from_array(values, inputs[a].shape);
        return (f(args) * w).sum().ToDouble();
    }

    public GradCheckTests() => torch.manual_seed(1234);

    [Fact]
    public void Conv2dGradientsMatchFiniteDifferences()
    {
        var largest = Check(t => F.conv2d(t[0], t[1], t[2], stride: 2, padding: 1), Randn(1, 2, 5, 5), Randn(3, 2, 3, 3), Randn(3));
        Assert.True(largest > 0.1, "gradients should not vanish");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GridSampleBilinearGradientsMatchFiniteDifferences(bool alignCorners)
    {
        // Grid points inside (-0.9, 0.9): away from the border, where zero padding makes the sample kinked.
        var largest = Check(t => F.grid_sample(t[0], t[1], GridSampleMode.Bilinear, GridPaddingMode.Zeros, alignCorners),
            Randn(1, 2, 4, 5), Uniform(-0.9, 0.9, 1, 3, 3, 2));
        Assert.True(largest > 0.1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void InterpolateBilinearGradientsMatchFiniteDifferences(bool alignCorners)
    {
        var largest = Check(t => F.interpolate(t[0], size: [5, 7], mode: InterpolationMode.Bilinear, align_corners: alignCorners),
            Randn(1, 2, 3, 4));
        Assert.True(largest > 0.1);
    }

    [Fact]
    public void SoftmaxGradientsMatchFiniteDifferences()
    {
        var largest = Check(t => F.softmax(t[0], 1), Randn(2, 5, 3));
        Assert.True(largest > 0.01);
    }

    [Fact]
    public void GroupNormGradientsMatchFiniteDifferences()
    {
        var largest = Check(t => F.group_norm(t[0], 2, t[1], t[2]), Randn(2, 4, 3, 3), Randn(4), Randn(4));
        Assert.True(largest > 0.1);
    }

    [Fact]
    public void VectorLengthGradientsMatchFiniteDifferences()
    {
        // ‖x‖ along dim 1 written out: x.pow(2).sum(1).sqrt(), d/dx = x / ‖x‖.
        var largest = Check(t => t[0].pow(2).sum(1).sqrt(), Randn(3, 4, 2));
        Assert.True(largest > 0.1);
    }

    [Fact]
    public void TheCheckRejectsAWrongGradient()
    {
        // x.detach() * x has true gradient x but autograd sees only the second factor (gradient x, numerics 2x).
        Assert.Throws<XunitException>(() => Check(t => t[0].detach() * t[0], Uniform(0.5, 1.5, 4)));
    }
}
