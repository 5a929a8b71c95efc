using DistillKit.Losses;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>
/// PMD's losses against tests/reference/make_pmd_loss_golden.py (float64 from float32 inputs, stored as float32), and
/// hand-built cases. Values must agree to 1e-5 relative in both dtypes; gradients to 1e-5 relative per element in float64
/// and within 1e-4 of the gradient's largest magnitude in float32; weight maps (in [0, 1]) to 2e-6 in float64 and 2e-5 in
/// float32 (the cycle weight's sigmoid has slope 12.5 at the threshold and min–max normalisation divides by the range).
/// </summary>
public class PmdLossTests
{
    static readonly GoldenTensors Golden = new("pmd-losses", "make_pmd_loss_golden.py");

    static Tensor In(string name, ScalarType dtype) => Golden.Get("in_" + name).to_type(dtype);

    static readonly ScalarType[] Dtypes = [ScalarType.Float64, ScalarType.Float32];

    static void Gradient(string golden, Tensor grad, ScalarType dtype) =>
        TensorAssert.Close(Golden.Get(golden), grad, rtol: dtype == ScalarType.Float64 ? 1e-5 : 1e-4,
                           floorFraction: dtype == ScalarType.Float64 ? 0.01 : 1, what: $"{golden} ({dtype})");

    static void Weights(string golden, Tensor actual, ScalarType dtype) =>
        TensorAssert.Close(Golden.Get(golden), actual, rtol: 0, atol: dtype == ScalarType.Float64 ? 2e-6 : 2e-5, what: $"{golden} ({dtype})");

    [Fact]
    public void PmdTeacherLossMatchesReference()
    {
        foreach (var dtype in Dtypes)
        {
            using var scope = torch.NewDisposeScope();
            var hyp = In("hyp", dtype).requires_grad_();
            var reg = PmdTeacherLoss.FlowRegression(hyp, In("gt", dtype), In("valid", dtype));
            reg.backward();
            Assert.Empty(reg.shape);
            TensorAssert.Scalar(Golden.Get("teacher_reg").ToDouble(), reg.ToDouble(), what: $"regression ({dtype})");
            Gradient("grad_teacher_reg", hyp.grad!, dtype);

            var (mu, sigma) = (In("mu", dtype).requires_grad_(), In("sigma", dtype).requires_grad_());
            var kl = PmdTeacherLoss.PriorKl(mu, sigma);
            kl.backward();
            TensorAssert.Scalar(Golden.Get("teacher_kl").ToDouble(), kl.ToDouble(), what: $"KL ({dtype})");
            Gradient("grad_kl_mu", mu.grad!, dtype);
            Gradient("grad_kl_sigma", sigma.grad!, dtype);

            var total = PmdTeacherLoss.Compute(In("hyp", dtype), In("mu", dtype), In("sigma", dtype), In("gt", dtype), In("valid", dtype));
            TensorAssert.Scalar(Golden.Get("teacher_total").ToDouble(), total.ToDouble(), what: $"total ({dtype})");
            var noKl = PmdTeacherLoss.Compute(In("hyp", dtype), In("mu", dtype), In("sigma", dtype), In("gt", dtype), In("valid", dtype), klWeight: 0);
            TensorAssert.Scalar(Golden.Get("teacher_reg").ToDouble(), noKl.ToDouble(), what: $"no KL ({dtype})");
        }
    }

    [Fact]
    public void PmdTeacherLossHandCases()
    {
        using var scope = torch.NewDisposeScope();
        // two hypotheses off by (0.3, 0.4) and (0, 0) on the one valid cell of two: (0.25 + 0) / 2 / 1
        var gt = torch.zeros(1, 2, 1, 2);
        var hyp = torch.zeros([2, 1, 2, 1, 2]);
        hyp[0, 0, 0, 0, 0] = 0.3f;
        hyp[0, 0, 1, 0, 0] = 0.4f;
        hyp[1, 0, 0, 0, 1] = 9f;    // on the invalid cell
        var valid = torch.tensor(new[] { 1f, 0f }, [1, 1, 1, 2]);
        Assert.Equal(0.125, PmdTeacherLoss.FlowRegression(hyp, gt, valid).ToDouble(), 6);
        Assert.Equal(0.0, PmdTeacherLoss.FlowRegression(hyp, gt, torch.zeros(1, 1, 1, 2)).ToDouble());
        // the prior itself has no divergence
        Assert.Equal(0.0, PmdTeacherLoss.PriorKl(torch.zeros(3, 4), torch.ones(3, 4)).ToDouble(), 7);
        var e = Assert.Throws<ArgumentException>(() => PmdTeacherLoss.FlowRegression(hyp[0], gt, valid));
        Assert.Contains("[K,1,2,1,2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdTeacherLoss.FlowRegression(hyp, gt, torch.ones(1, 2, 1, 2)));
        Assert.Contains("[1,1,1,2]", e.Message);
        Assert.Throws<ArgumentException>(() => PmdTeacherLoss.PriorKl(torch.zeros(3, 4), torch.ones(4, 3)));
    }

    [Fact]
    public void PmdCycleWeightMatchesReference()
    {
        foreach (var dtype in Dtypes)
        {
            using var scope = torch.NewDisposeScope();
            var t2s = In("flow_t2s", dtype).requires_grad_();
            var s2t = In("flow_s2t", dtype);
            var w = PmdCycleWeight.Compute(t2s, s2t, In("inbounds", dtype));
            Assert.False(w.requires_grad);
            Assert.Equal(new long[] { 3, 2, 1, 6, 7 }, w.shape);
            Weights("cycle", w, dtype);
            Weights("cycle_nomask", PmdCycleWeight.Compute(t2s, s2t), dtype);
            // the same maps from flows [N,2,h,w] (the K·B pairs as a batch)
            var flat = PmdCycleWeight.Compute(t2s.reshape(6, 2, 6, 7), s2t.reshape(6, 2, 6, 7));
            Weights("cycle_nomask", flat.view(3, 2, 1, 6, 7), dtype);
        }
    }

    [Fact]
    public void PmdCycleWeightHandCases()
    {
        using var scope = torch.NewDisposeScope();
        // an exact cycle (constant t and −t): d = 0 everywhere, constant → 1, then the in-bounds mask
        var t = torch.tensor(new[] { 0.2f, -0.1f }, [1, 2, 1, 1]).expand(2, 2, 4, 5).contiguous();
        var inb = torch.ones(2, 1, 4, 5);
        inb[1, 0, 2, 3] = 0;
        var w = PmdCycleWeight.Compute(t, t.neg(), inb);
        Assert.Equal(39.0, w.sum().ToDouble(), 5);
        Assert.Equal(0.0, w[1, 0, 2, 3].ToDouble());
        // flow 0 and a back flow that is 0 on the left half, 0.5 on the right: d 0 → w 1; d 0.5 → w 0 after min–max
        var zero = torch.zeros(1, 2, 2, 4);
        var back = torch.zeros(1, 2, 2, 4);
        back[0, 0, .., 2..] = 0.5f;
        w = PmdCycleWeight.Compute(zero, back);
        Assert.Equal(new[] { 1f, 1f, 0f, 0f }, w[0, 0, 0].data<float>().ToArray());
        var e = Assert.Throws<ArgumentException>(() => PmdCycleWeight.Compute(zero, torch.zeros(1, 2, 2, 5)));
        Assert.Contains("[1,2,2,4] and [1,2,2,5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdCycleWeight.Compute(zero, back, torch.ones(1, 2, 2, 4)));
        Assert.Contains("[1,1,2,4]", e.Message);
    }

    [Fact]
    public void PmdPsrWeightsAndVarianceUpdateMatchReference()
    {
        foreach (var dtype in Dtypes)
        {
            using var scope = torch.NewDisposeScope();
            var student = In("student", dtype).requires_grad_();
            var hyp = In("hyp", dtype);
            var variance = In("variance", dtype);
            var w = PmdPsr.Weights(student, hyp, variance);
            Assert.False(w.requires_grad);
            Weights("psr_gaussian", w, dtype);
            Weights("psr_ascoded", PmdPsr.Weights(student, hyp, variance, PsrVarianceForm.AsCoded), dtype);
            var before = variance.clone();
            var updated = PmdPsr.UpdateVariance(variance, hyp);
            TensorAssert.Close(Golden.Get("variance_update"), updated, rtol: 1e-5, what: $"variance update ({dtype})");
            Assert.True(variance.equal(before).all().item<bool>());   // pure: the input is not modified
        }
        using var s = torch.NewDisposeScope();
        Assert.Equal(new long[] { 5, 2, 3, 4 }, PmdPsr.InitialVariance(5, 3, 4).shape);
        Assert.Equal(60.0 * 2, PmdPsr.InitialVariance(5, 3, 4).sum().ToDouble());
        // a hypothesis equal to the student has weight 1; off by √(2v) in one component, e^−1 there (Gaussian form)
        var fs = torch.zeros(1, 2, 1, 1);
        var h = torch.zeros([1, 1, 2, 1, 1]);
        h[0, 0, 0] = (float)Math.Sqrt(2 * 0.3);
        var v = torch.full(1, 2, 1, 1, 0.3f);
        var weights = PmdPsr.Weights(fs, h, v);
        Assert.Equal(Math.Exp(-1), weights[0, 0, 0, 0, 0].ToDouble(), 6);
        Assert.Equal(1.0, weights[0, 0, 1, 0, 0].ToDouble(), 6);
        var e = Assert.Throws<ArgumentException>(() => PmdPsr.UpdateVariance(v, h));
        Assert.Contains("K ≥ 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdPsr.Weights(fs, h, torch.ones(2, 2, 1, 1)));
        Assert.Contains("[1,2,1,1]", e.Message);
    }

    [Fact]
    public void PmdCalMatchesReferenceAndReachesOnlyTheStudent()
    {
        foreach (var dtype in Dtypes)
        {
            using var scope = torch.NewDisposeScope();
            var student = In("student", dtype).requires_grad_();
            var hyp = In("hyp", dtype).requires_grad_();
            var cycle = Golden.Get("cycle").to_type(dtype).requires_grad_();
            var psr = Golden.Get("psr_gaussian").to_type(dtype).requires_grad_();
            var loss = PmdCal.Compute(student, hyp, cycle, psr);
            loss.backward();
            Assert.Empty(loss.shape);
            // the golden weights are stored as float32; the loss uses them as given, so 1e-5 still holds
            TensorAssert.Scalar(Golden.Get("cal").ToDouble(), loss.ToDouble(), what: $"CAL ({dtype})");
            Gradient("grad_cal", student.grad!, dtype);
            Assert.Null(hyp.grad);      // the teacher is detached
            Assert.Null(cycle.grad);
            Assert.Null(psr.grad);
            TensorAssert.Scalar(Golden.Get("cal_nosmooth").ToDouble(), PmdCal.Compute(student, hyp, cycle, psr, smoothWeight: 0).ToDouble(), what: "CAL without smoothness");
            TensorAssert.Scalar(Golden.Get("smooth").ToDouble(), PmdCal.Smooth(student).ToDouble(), what: "smoothness");
        }
    }

    [Fact]
    public void PmdCalHandCase()
    {
        using var scope = torch.NewDisposeScope();
        // B = 1, 2×2 cells, K = 2. Student u = 0 in column 0 and 0.1 in column 1, v = 0. Hypothesis 0 differs at cell
        // (0, 0) only, by (0.1, 0.2), with cycle 1 and PSR weights (1, 0.5); hypothesis 1 equals the student.
        var student = torch.zeros(1, 2, 2, 2);
        student[0, 0, .., 1] = 0.1f;
        var hyp = student.unsqueeze(0).repeat(2, 1, 1, 1, 1);
        hyp[0, 0, 0, 0, 0] = 0.1f;
        hyp[0, 0, 1, 0, 0] = 0.2f;
        var cycle = torch.ones([2, 1, 1, 2, 2]);
        var psr = torch.ones([2, 1, 2, 2, 2]);
        psr[0, 0, 1] = 0.5f;
        // distillation 16·(0.01 + 0.5·0.04) / (B·h·w = 4) = 0.12; smoothness ½·mean|∂x| = ½·(0.1 + 0.1 + 0 + 0)/4 = 0.025, ∂y = 0
        Assert.Equal(0.12 + 0.5 * 0.025, PmdCal.Compute(student, hyp, cycle, psr).ToDouble(), 6);
        cycle[0, 0, 0, 0, 0] = 0;   // the cycle weight switches the cell off
        Assert.Equal(0.5 * 0.025, PmdCal.Compute(student, hyp, cycle, psr).ToDouble(), 6);
        var e = Assert.Throws<ArgumentException>(() => PmdCal.Compute(student, hyp, torch.ones([2, 1, 2, 2, 2]), psr));
        Assert.Contains("[2,1,1,2,2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => PmdCal.Compute(student, hyp, cycle, torch.ones([2, 1, 1, 2, 2])));
        Assert.Contains("[2,1,2,2,2]", e.Message);
    }
}
