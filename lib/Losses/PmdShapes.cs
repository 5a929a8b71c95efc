using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>Shape checks shared by the PMD losses, with messages that name the caller and the expected layout.</summary>
internal static class PmdShapes
{
    public static string Of(Tensor t) => string.Join(",", t.shape);

    /// <summary>A normalised flow [B,2,h,w].</summary>
    public static void Flow(Tensor flow, string what)
    {
        if (flow.dim() != 4 || flow.size(1) != 2)
            throw new ArgumentException($"{what} must be a flow [B,2,h,w], got [{Of(flow)}]");
    }

    /// <summary>A mask [B,1,h,w] for a flow [B,2,h,w].</summary>
    public static void Mask(Tensor mask, Tensor flow, string what)
    {
        if (!mask.shape.SequenceEqual(new[] { flow.size(0), 1, flow.size(2), flow.size(3) }))
            throw new ArgumentException($"{what}: the mask must be [B,1,h,w] = [{flow.size(0)},1,{flow.size(2)},{flow.size(3)}], got [{Of(mask)}]");
    }

    /// <summary>Hypotheses [K,B,2,h,w] matching a student flow [B,2,h,w].</summary>
    public static void Hypotheses(Tensor hypotheses, Tensor student, string what)
    {
        Flow(student, what + ": the student flow");
        if (hypotheses.dim() != 5 || hypotheses.size(0) < 1 || !hypotheses.shape.Skip(1).SequenceEqual(student.shape))
            throw new ArgumentException($"{what}: hypotheses must be [K,B,2,h,w] = [K,{Of(student)}], got [{Of(hypotheses)}]");
    }
}
