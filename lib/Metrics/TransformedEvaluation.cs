using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Models;
using DistillKit.Transforms;
using TorchSharp;

namespace DistillKit.Metrics;

/// <summary>
/// What a challenging transformation does to a teacher (DistillFlow's motivation, notebook 02): on transformed copies of a
/// labelled batch that carries the teacher's predictions (<see cref="FlowBatch.TeacherFlowFw"/>), the EPE of the teacher
/// run on the transformed input, and of the teacher's original prediction carried through the transformation (what a
/// student is taught), both against the transformed ground truth. Errors per image, then averaged over images and draws.
/// </summary>
public static class TransformedEvaluation
{
    public sealed record Result(string Transform, int Draws, FlowErrorMetrics OnInput, FlowErrorMetrics Carried);

    public static Result Of(IFlowModel teacher, FlowBatch taught, IJointTransform transform, int draws, long seed)
    {
        if (draws < 1) throw new ArgumentException($"TransformedEvaluation: draws must be at least 1, got {draws}");
        var onInput = new List<FlowErrorMetrics>();
        var carried = new List<FlowErrorMetrics>();
        for (int d = 0; d < draws; d++)
        {
            using var scope = torch.NewDisposeScope();
            using var x = transform.Apply(taught, SampleRandom.For(seed, 41, d));
            var truth = FlowBatch.Require(x.FlowFw, nameof(x.FlowFw));
            var flow = FlowInference.PredictForward(teacher, x.Image1, x.Image2);
            onInput.Add(FlowErrors.Evaluate(flow, truth, x.Valid, x.OccFw));
            carried.Add(FlowErrors.Evaluate(FlowBatch.Require(x.TeacherFlowFw, nameof(x.TeacherFlowFw)), truth, x.Valid, x.OccFw));
        }
        return new Result(transform.Name, draws, Mean(onInput), Mean(carried));
    }

    /// <summary>The field-wise mean of metrics records (NaN entries, e.g. no occluded pixel in a draw, skipped).</summary>
    public static FlowErrorMetrics Mean(IReadOnlyList<FlowErrorMetrics> all)
    {
        double M(Func<FlowErrorMetrics, double> f)
        {
            var v = all.Select(f).Where(double.IsFinite).ToList();
            return v.Count == 0 ? double.NaN : v.Average();
        }
        return all[0] with { EpeAll = M(m => m.EpeAll), EpeNoc = M(m => m.EpeNoc), EpeOcc = M(m => m.EpeOcc), FlAll = M(m => m.FlAll), FlNoc = M(m => m.FlNoc), Images = all.Sum(m => m.Images) };
    }
}
