using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>How a flow's confidence is judged from its forward-backward check (METHODS.md section 5; the confidence
/// view is unverified in DistillFlow, so both forms are offered).</summary>
public enum ConfidenceKind
{
    /// <summary>1 where the forward-backward check passes (not occluded), else 0. The default.</summary>
    Binary,
    /// <summary>UFlow's soft form c = exp(−|w_f + ŵ_b|² / (σ²·(H² + W²))).</summary>
    Soft,
}

/// <summary>
/// DistillFlow's distillation terms as pure functions. Flows [B,2,H,W] (u, v in pixels; forward maps frame 1 to
/// frame 2), masks [B,1,H,W] (occlusion 1 = occluded; confidence in [0,1]). The teacher's tensors are detached here,
/// in these functions, so no gradient ever reaches a teacher whatever the caller passes.
/// </summary>
public static class Distillation
{
    /// <summary>UFlow's σ for a teacher's soft confidence.</summary>
    public const double TeacherSigma = 0.003;
    /// <summary>UFlow's σ for a student's soft confidence.</summary>
    public const double StudentSigma = 0.03;

    /// <summary>M = clip(O_S − O_T, 0, 1): occluded for the student, visible for the teacher (O_T already carried
    /// through the student's transformation). No gradient.</summary>
    public static Tensor OcclusionMask(Tensor studentOcc, Tensor teacherOcc)
    {
        using var noGrad = torch.no_grad();
        return (studentOcc - teacherOcc).clamp(0, 1);
    }

    /// <summary>
    /// The occlusion view L_o = ½[ψ(w_T,fw − w_S,fw; M_fw) + ψ(w_T,bw − w_S,bw; M_bw)] with ψ DDFlow's robust penalty
    /// (<see cref="RobustPenalty.Psi"/>); the teacher flows detached. Differentiable in the student flows.
    /// </summary>
    public static Tensor OcclusionView(Tensor teacherFw, Tensor teacherBw, Tensor studentFw, Tensor studentBw, Tensor maskFw, Tensor maskBw)
    {
        CheckFlows(teacherFw, studentFw, nameof(OcclusionView));
        CheckFlows(teacherBw, studentBw, nameof(OcclusionView));
        using var scope = torch.NewDisposeScope();
        var fw = RobustPenalty.Psi(teacherFw.detach() - studentFw, maskFw);
        var bw = RobustPenalty.Psi(teacherBw.detach() - studentBw, maskBw);
        return ((fw + bw) * 0.5).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Confidence of <paramref name="flow"/> [B,2,H,W] checked against the opposite direction <paramref name="other"/>,
    /// [B,1,H,W] in [0,1], no gradient: binary = not occluded by the forward-backward check
    /// (<see cref="ForwardBackward.OcclusionOneWay"/>); soft = exp(−|w + ŵ_o|² / (σ²·(H² + W²))).
    /// </summary>
    public static Tensor Confidence(Tensor flow, Tensor other, ConfidenceKind kind = ConfidenceKind.Binary, double sigma = TeacherSigma)
    {
        CheckFlows(flow, other, nameof(Confidence));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        if (kind == ConfidenceKind.Binary) return (1 - ForwardBackward.OcclusionOneWay(flow, other)).MoveToOuterDisposeScope();
        double h = flow.size(2), w = flow.size(3);
        var back = Warping.Warped(other, flow);
        var mismatch = (flow + back).square().sum(1, keepdim: true);
        return (-mismatch / (sigma * sigma * (h * h + w * w))).exp().MoveToOuterDisposeScope();
    }

    /// <summary>The confidence view's mask: confident for the teacher and not for the student, c_T·(1 − c_S). No gradient.</summary>
    public static Tensor ConfidenceMask(Tensor teacherConfidence, Tensor studentConfidence)
    {
        using var noGrad = torch.no_grad();
        return teacherConfidence * (1 - studentConfidence);
    }

    /// <summary>
    /// The confidence view: ½[ψ(w_T,fw − w_S,fw; C_fw) + ψ(w_T,bw − w_S,bw; C_bw)] with C from
    /// <see cref="ConfidenceMask"/>; teacher flows detached.
    /// </summary>
    public static Tensor ConfidenceView(Tensor teacherFw, Tensor teacherBw, Tensor studentFw, Tensor studentBw, Tensor maskFw, Tensor maskBw) =>
        OcclusionView(teacherFw, teacherBw, studentFw, studentBw, maskFw, maskBw);

    /// <summary>
    /// Several teachers as one: flows averaged, confident only where every teacher is (confidences multiplied; for binary
    /// confidences that is "all"). Each element is (flow [B,2,H,W], confidence [B,1,H,W]). Detached.
    /// </summary>
    public static (Tensor Flow, Tensor Confidence) CombineTeachers(IReadOnlyList<(Tensor Flow, Tensor Confidence)> teachers)
    {
        if (teachers.Count == 0) throw new ArgumentException("Distillation.CombineTeachers: no teachers");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var flow = teachers[0].Flow.detach().clone();
        var confidence = teachers[0].Confidence.detach().clone();
        foreach (var (f, c) in teachers.Skip(1))
        {
            CheckFlows(teachers[0].Flow, f, nameof(CombineTeachers));
            flow = flow + f.detach();
            confidence = confidence * c.detach();
        }
        flow = flow / teachers.Count;
        scope.MoveToOuter(flow, confidence);
        return (flow, confidence);
    }

    static void CheckFlows(Tensor a, Tensor b, string where)
    {
        if (a.dim() != 4 || a.size(1) != 2 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Distillation.{where}: flows must both be [B,2,H,W] of one size, got [{string.Join(",", a.shape)}] and [{string.Join(",", b.shape)}]");
    }
}
