using DistillKit.Torch;
using Xunit.Sdk;

namespace DistillKit.Tests.Torch;

/// <summary>Element-wise tolerance: |actual - expected| ≤ Atol + Rtol·|expected|.</summary>
public readonly record struct Tolerance(double Atol, double Rtol)
{
    public static readonly Tolerance Exact = new(0, 0);
    public override string ToString() => $"atol {Atol:g2} + rtol {Rtol:g2}·|expected|";
}

/// <summary>The named input tensors of one golden case, handed to a kit operator.</summary>
public sealed class GoldenInputs(Dictionary<string, Tensor> tensors)
{
    public Tensor this[string name] => tensors[name];
    public Tensor? Opt(string name) => tensors.GetValueOrDefault(name);
}

/// <summary>Runs one golden case through the kit and compares outputs and input gradients with the reference.</summary>
public static class GoldenRunner
{
    public static void Run(string family, string name, Tolerance tol) => Run(family, name, tol, tol);

    /// <param name="outTol">tolerance of the forward outputs</param>
    /// <param name="gradTol">tolerance of the gradients of sum_k (out_k * w_k).sum()</param>
    public static void Run(string family, string name, Tolerance outTol, Tolerance gradTol)
    {
        var c = GoldenStore.Load(family, name);
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var input in c.Inputs)
        {
            var t = c.Load("in." + input);
            tensors[input] = c.Grads.Contains(input) ? t.requires_grad_() : t;
        }
        var op = KitOps.Get(c.Op);
        var outs = op(new GoldenInputs(tensors), c);

        int expectedCount = 0;
        while (c.Has($"out.{expectedCount}")) expectedCount++;
        if (outs.Length != expectedCount) throw new XunitException($"{c}: the kit gave {outs.Length} outputs, the reference {expectedCount}");
        for (int k = 0; k < outs.Length; k++) AssertMatches(c, $"out.{k}", outs[k], outTol);

        if (c.Grads.Length == 0) return;
        Tensor? loss = null;
        for (int k = 0; k < outs.Length; k++)
        {
            if (!c.Has($"w.{k}")) continue;
            var term = (outs[k] * c.Load($"w.{k}")).sum();
            loss = loss is null ? term : loss + term;
        }
        loss!.backward();
        foreach (var input in c.Grads)
        {
            var g = tensors[input].grad ?? torch.zeros_like(tensors[input]);
            AssertMatches(c, $"grad.{input}", g, gradTol);
        }
    }

    /// <summary>Asserts dtype, shape and values of <paramref name="actual"/> against the stored tensor.</summary>
    public static void AssertMatches(GoldenCase c, string tensorName, Tensor actual, Tolerance tol)
    {
        var e = c[tensorName];
        var where = $"{c} {tensorName}";
        var dtype = GoldenCase.DtypeOf(e.Dtype);
        if (actual.dtype != dtype) throw new XunitException($"{where}: dtype {actual.dtype}, expected {dtype}");
        if (!actual.shape.SequenceEqual(e.Shape))
            throw new XunitException($"{where}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", e.Shape)}]");
        var expected = c.Values(tensorName);
        using var asDouble = actual.detach().to_type(ScalarType.Float64);
        var got = asDouble.data<double>();
        bool isFloat = dtype is ScalarType.Float32 or ScalarType.Float64;
        var t = isFloat ? tol : Tolerance.Exact;
        int bad = 0, worst = -1;
        double worstExcess = 0;
        for (int k = 0; k < got.Length; k++)
        {
            double a = got[k], b = expected[k];
            if (double.IsNaN(a) && double.IsNaN(b)) continue;
            if (a == b) continue; // also equal infinities
            double excess = Math.Abs(a - b) - (t.Atol + t.Rtol * Math.Abs(b));
            if (excess > 0 || double.IsNaN(excess))
            {
                bad++;
                if (worst < 0 || excess > worstExcess || double.IsNaN(excess)) { worst = k; worstExcess = excess; }
            }
        }
        if (bad > 0)
            throw new XunitException($"{where}: {bad} of {got.Length} values differ beyond {t}; worst at flat index {worst}: " +
                $"got {got[worst]:R}, expected {expected[worst]:R}");
    }
}
