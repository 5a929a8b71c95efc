using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Support;

/// <summary>Tensor comparisons for golden and hand-computed values.</summary>
internal static class TensorAssert
{
    /// <summary>
    /// Same shape and |a − e| ≤ rtol·max(|e|, floorFraction·max|e|) + atol elementwise: relative to the element, or to
    /// the tensor's largest magnitude for elements near zero (gradients have many).
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-7, string what = "", double floorFraction = 0.01)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var e64 = expected.to_type(ScalarType.Float64);
        using var a64 = actual.detach().to_type(ScalarType.Float64);
        var e = e64.data<double>().ToArray();
        var a = a64.data<double>().ToArray();
        double floor = floorFraction * e.Select(Math.Abs).DefaultIfEmpty(0).Max();
        for (int k = 0; k < e.Length; k++)
        {
            double tol = rtol * Math.Max(Math.Abs(e[k]), floor) + atol;
            if (Math.Abs(a[k] - e[k]) > tol)
                Assert.Fail($"{what} element {k}: expected {e[k]:R}, got {a[k]:R} (tolerance {tol:G3})");
        }
    }

    /// <summary>|actual − expected| ≤ rtol·|expected| + atol.</summary>
    public static void Scalar(double expected, double actual, double rtol = 1e-5, double atol = 1e-9, string what = "")
    {
        if (Math.Abs(actual - expected) > rtol * Math.Abs(expected) + atol)
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R}");
    }
}
