using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>RAFT's supervised loss over the flow of every refinement. Pure function of tensors.</summary>
public static class SequenceLoss
{
    /// <summary>
    /// Σ_{i=1..N} γ^(N−i) · mean(valid · |f_i − target|) (RAFT, eq. 7): later refinements weigh more, the last 1. Flows
    /// and target [B,2,H,W] (same pixels); <paramref name="valid"/> [B,1,H,W] (1 = supervised), null for all ones; each
    /// mean is over all B·2·H·W elements (masked elements count as zeros). Returns a 0-d tensor, differentiable in the flows.
    /// </summary>
    public static Tensor L1(IReadOnlyList<Tensor> flows, Tensor target, Tensor? valid = null, double gamma = 0.8)
    {
        if (flows.Count == 0) throw new ArgumentException("sequence loss: no flows");
        if (target.dim() != 4 || target.size(1) != 2)
            throw new ArgumentException($"sequence loss: target must be [B,2,H,W], got [{string.Join(",", target.shape)}]");
        foreach (var f in flows)
            if (!f.shape.SequenceEqual(target.shape))
                throw new ArgumentException($"sequence loss: flow [{string.Join(",", f.shape)}] and target [{string.Join(",", target.shape)}] differ in shape");
        if (valid is not null && !valid.shape.SequenceEqual(new[] { target.size(0), 1, target.size(2), target.size(3) }))
            throw new ArgumentException($"sequence loss: valid must be [B,1,H,W] = [{target.size(0)},1,{target.size(2)},{target.size(3)}], got [{string.Join(",", valid.shape)}]");
        using var scope = torch.NewDisposeScope();
        int n = flows.Count;
        Tensor? total = null;
        for (int i = 0; i < n; i++)
        {
            var error = flows[i].sub(target).abs();
            if (valid is not null) error = error.mul(valid);
            var term = error.mean().mul(Math.Pow(gamma, n - 1 - i));
            total = total is null ? term : total.add(term);
        }
        return total!.MoveToOuterDisposeScope();
    }
}
