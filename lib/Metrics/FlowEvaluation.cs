using TorchSharp;

namespace DistillKit.Metrics;

/// <summary>Held-out evaluation of a flow model against the zero-flow baseline (EPE per image, then averaged).</summary>
public sealed record FlowEvaluation(FlowErrorMetrics Model, FlowErrorMetrics ZeroFlow, OcclusionMetrics Occlusion, int Pairs);

/// <summary>Flattened metrics of a <see cref="FlowEvaluation"/> for logs and live curves.</summary>
public static class FlowEvaluationMetrics
{
    public static IReadOnlyDictionary<string, double> AsMetrics(this FlowEvaluation e) => new Dictionary<string, double>
    {
        ["epe_all"] = e.Model.EpeAll, ["epe_noc"] = e.Model.EpeNoc, ["epe_occ"] = e.Model.EpeOcc, ["fl_all"] = e.Model.FlAll,
        ["occ_f1"] = e.Occlusion.F1, ["zero_epe_noc"] = e.ZeroFlow.EpeNoc,
    };
}

/// <summary>The held-out evaluation every flow stage shares.</summary>
public static class FlowEvaluations
{
    /// <summary>
    /// EPE all/noc/occ and Fl of <paramref name="model"/> and of zero flow on a labelled batch (per image, then averaged),
    /// and the occlusion F-measure of the model's forward-backward check. Runs without gradients in eval mode and puts the
    /// module back in the mode it was in; pairs whose size is not a multiple of the model's are padded and cropped back.
    /// </summary>
    public static FlowEvaluation Of(DistillKit.Models.IFlowModel model, DistillKit.Data.FlowBatch heldOut)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var module = model.AsModule;
        bool wasTraining = module.training;
        model.SetEval();
        try
        {
            // pairs of any size: padded to the model's multiple and cropped back (FastFlowNet's 64 under laptop's 128×160)
            var (fw, bw) = DistillKit.Models.FlowInference.ForwardBothPadded(model, heldOut.Image1, heldOut.Image2);
            var (occFw, _) = DistillKit.Geometry.ForwardBackward.Occlusion(fw, bw);
            var truth = DistillKit.Data.FlowBatch.Require(heldOut.FlowFw, nameof(heldOut.FlowFw));
            var valid = DistillKit.Data.FlowBatch.Require(heldOut.Valid, nameof(heldOut.Valid));
            var occ = DistillKit.Data.FlowBatch.Require(heldOut.OccFw, nameof(heldOut.OccFw));
            return new FlowEvaluation(
                FlowErrors.Evaluate(fw, truth, valid, occ),
                FlowErrors.Evaluate(torch.zeros_like(truth), truth, valid, occ),
                OcclusionFMeasure.Evaluate(occFw, occ, valid),
                heldOut.BatchSize);
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }
}
