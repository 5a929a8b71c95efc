using DistillKit.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Losses;

/// <summary>DistillFlow's distillation terms against hand values (METHODS.md section 5).</summary>
public class DistillationTests
{
    static Tensor Constant(float u, float v, long h = 2, long w = 2) =>
        torch.tensor(new[] { u, v }, [1, 2, 1, 1]).expand(1, 2, h, w).contiguous();

    [Fact]
    public void OcclusionMaskIsOccludedForTheStudentAndVisibleForTheTeacher()
    {
        using var scope = torch.NewDisposeScope();
        var student = torch.tensor(new float[] { 1, 1, 0, 0 }, [1, 1, 2, 2]);
        var teacher = torch.tensor(new float[] { 0, 1, 0, 1 }, [1, 1, 2, 2]);
        Assert.Equal(new float[] { 1, 0, 0, 0 }, Distillation.OcclusionMask(student, teacher).data<float>().ToArray());
    }

    [Fact]
    public void OcclusionViewIsHalfTheSumOfTheRobustPenalties()
    {
        using var scope = torch.NewDisposeScope();
        var ones = torch.ones(1, 1, 2, 2);
        // teacher − student = (1, 1) forward, (0, 0) backward; ψ over a full mask of a constant d: (|d| + 0.01)^0.4 · 8 / (8 + 1e-6)
        var lo = Distillation.OcclusionView(Constant(3, 2), Constant(0, 0), Constant(2, 1), Constant(0, 0), ones, ones).ToDouble();
        double expected = 0.5 * (Math.Pow(1.01, 0.4) + Math.Pow(0.01, 0.4)) * 8 / (8 + 1e-6);
        Assert.Equal(expected, lo, 5);
    }

    [Fact]
    public void NoGradientReachesTheTeacher()
    {
        using var scope = torch.NewDisposeScope();
        var teacher = Constant(3, 2).requires_grad_(true);
        var student = Constant(2, 1).requires_grad_(true);
        var ones = torch.ones(1, 1, 2, 2);
        Distillation.OcclusionView(teacher, teacher, student, student, ones, ones).backward();
        Assert.Null(teacher.grad);
        Assert.NotNull(student.grad);
        Assert.True(student.grad!.abs().sum().ToDouble() > 0);
    }

    [Fact]
    public void SoftConfidenceIsUFlowsGaussianOfTheMismatch()
    {
        using var scope = torch.NewDisposeScope();
        // w_f = (1, 0), w_b = 0: |w_f + ŵ_b|² = 1 everywhere; H = W = 4
        var c = Distillation.Confidence(Constant(1, 0, 4, 4), Constant(0, 0, 4, 4), ConfidenceKind.Soft, 0.03);
        double expected = Math.Exp(-1 / (0.03 * 0.03 * 32));
        Assert.Equal(expected, c[0, 0, 1, 1].ToDouble(), 5);
        var binary = Distillation.Confidence(Constant(1, 0, 4, 4), Constant(-1, 0, 4, 4), ConfidenceKind.Binary);
        Assert.Equal(1.0, binary[0, 0, 1, 1].ToDouble());   // w_f + ŵ_b = 0: consistent
    }

    [Fact]
    public void SeveralTeachersAverageFlowsAndAreConfidentOnlyWhereAllAre()
    {
        using var scope = torch.NewDisposeScope();
        var c1 = torch.tensor(new float[] { 1, 1, 0, 1 }, [1, 1, 2, 2]);
        var c2 = torch.tensor(new float[] { 1, 0, 0, 1 }, [1, 1, 2, 2]);
        var (flow, conf) = Distillation.CombineTeachers([(Constant(2, 0), c1), (Constant(4, 2), c2)]);
        Assert.Equal(3.0, flow[0, 0, 0, 0].ToDouble());
        Assert.Equal(1.0, flow[0, 1, 1, 1].ToDouble());
        Assert.Equal(new float[] { 1, 0, 0, 1 }, conf.data<float>().ToArray());
    }

    [Fact]
    public void MismatchedFlowsNameBothShapes()
    {
        using var scope = torch.NewDisposeScope();
        var ones = torch.ones(1, 1, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => Distillation.OcclusionView(Constant(0, 0), Constant(0, 0), Constant(0, 0, 3, 3), Constant(0, 0), ones, ones));
        Assert.Contains("[1,2,2,2]", e.Message);
        Assert.Contains("[1,2,3,3]", e.Message);
    }

    [Fact]
    public void WithBinaryConfidenceTheConfidenceViewSelectsTheOcclusionViewsPixels()
    {
        // c_T·(1 − c_S) = (1 − O_T)·O_S = clip(O_S − O_T, 0, 1) for 0/1 masks: the two views coincide (notebook 03 says so)
        var g = new Generator(5);
        var fw = torch.randn([2, 2, 12, 16], generator: g).mul(2);
        var bw = torch.randn([2, 2, 12, 16], generator: g).mul(2);
        var teacherOcc = torch.rand([2, 1, 12, 16], generator: g).gt(0.6).to_type(ScalarType.Float32);
        var (studentOcc, _) = DistillKit.Geometry.ForwardBackward.Occlusion(fw, bw);
        var occlusionView = Distillation.OcclusionMask(studentOcc, teacherOcc);
        var confidenceView = Distillation.ConfidenceMask(1 - teacherOcc, Distillation.Confidence(fw, bw, ConfidenceKind.Binary));
        Assert.True(occlusionView.sum().ToDouble() > 10);   // the case is not empty
        Assert.Equal(0, occlusionView.sub(confidenceView).abs().max().ToDouble());
        // with the soft form they differ
        var soft = Distillation.ConfidenceMask(1 - teacherOcc, Distillation.Confidence(fw, bw, ConfidenceKind.Soft, Distillation.StudentSigma));
        Assert.True(occlusionView.sub(soft).abs().max().ToDouble() > 0.1);
    }
}
