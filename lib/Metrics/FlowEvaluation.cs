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
