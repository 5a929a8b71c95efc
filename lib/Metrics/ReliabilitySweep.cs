using DistillKit.Data;
using DistillKit.Geometry;
using DistillKit.Losses;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>
/// One threshold of MDFlow's reliable-match selection on labelled pairs: τ, the fraction of valid pixels kept, and the
/// true EPE (pixels, against the ground truth) of the kept and of the dropped pixels, pooled over all pairs. NaN where
/// a side is empty. τ = +∞ is the non-occlusion mask alone.
/// </summary>
public sealed record ReliabilityRow(double Tau, double Kept, double EpeKept, double EpeDropped);

/// <summary>How well MDFlow's reliable mask [census distance ≤ τ] ⊙ noc_T separates a teacher's good matches from its bad ones.</summary>
public static class ReliabilitySweep
{
    /// <summary>
    /// The teacher's forward flow and forward-backward non-occlusion on the held-out pairs (eval mode, no gradient), then
    /// for each τ the mask of <see cref="MutualDistillation.ReliableMask"/> against the ground-truth EPE.
    /// </summary>
    public static IReadOnlyList<ReliabilityRow> Of(IFlowModel teacher, FlowBatch heldOut, IReadOnlyList<double> taus)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        bool wasTraining = teacher.AsModule.training;
        try
        {
            var (fw, bw) = FlowInference.Predict(teacher, heldOut.Image1, heldOut.Image2);
            var (occ, _) = ForwardBackward.Occlusion(fw, bw);
            var truth = FlowBatch.Require(heldOut.FlowFw, nameof(heldOut.FlowFw));
            var valid = heldOut.Valid ?? torch.ones_like(occ);
            var epe = (fw - truth).square().sum(1, keepdim: true).sqrt();
            var rows = new List<ReliabilityRow>();
            foreach (var tau in taus)
            {
                var kept = double.IsPositiveInfinity(tau) ? 1 - occ : MutualDistillation.ReliableMask(heldOut.Image1, heldOut.Image2, fw, 1 - occ, tau);
                kept = kept * valid;
                var dropped = (1 - kept) * valid;
                double nKept = kept.sum().ToDouble(), nDropped = dropped.sum().ToDouble();
                rows.Add(new ReliabilityRow(tau, nKept / Math.Max(1, valid.sum().ToDouble()),
                    nKept > 0 ? (epe * kept).sum().ToDouble() / nKept : double.NaN,
                    nDropped > 0 ? (epe * dropped).sum().ToDouble() / nDropped : double.NaN));
            }
            return rows;
        }
        finally
        {
            if (wasTraining) teacher.AsModule.train();
        }
    }
}
