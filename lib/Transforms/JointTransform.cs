using DistillKit.Data;
using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Transforms;

/// <summary>How DistillFlow groups its challenging transformations (METHODS.md section 4).</summary>
public enum TransformGroup
{
    /// <summary>Pixel values only (colour, gamma, blur, channel order, noise): geometry, flow and masks unchanged.</summary>
    Appearance,
    /// <summary>Geometry (flips, scaling, joint affine): every field resampled together, flows re-expressed.</summary>
    Spatial,
    /// <summary>Hides content the teacher saw: a crop (matches leave the window) or superpixel noise on frame 2.</summary>
    Occlusion,
}

/// <summary>
/// A joint transform of a whole <see cref="FlowBatch"/>: images, own and teacher flows (both directions), occlusion and
/// valid masks move together, in the batch's conventions (flow [B,2,H,W], u then v, pixels of the tensor's resolution;
/// masks [B,1,H,W], occlusion 1 = occluded). The ground-truth occlusion of the result is that of the new pair (a match
/// that leaves the new frame is occluded); the teacher's occlusion is the teacher's view carried along, so the pixels
/// where the two differ are the occlusions the transform hallucinated (DistillFlow's distillation mask picks them up).
/// One draw from <paramref name="rng"/> applies to the whole batch. Returns a new batch; the input is left as it was.
/// </summary>
public interface IJointTransform
{
    string Name { get; }
    TransformGroup Group { get; }
    FlowBatch Apply(FlowBatch batch, SampleRandom rng);
}

/// <summary>Transforms applied in order, each with its own draws from the same stream.</summary>
public sealed record TransformPipeline(IReadOnlyList<IJointTransform> Steps) : IJointTransform
{
    public string Name => Steps.Count == 0 ? "identity" : string.Join(" → ", Steps.Select(s => s.Name));
    public TransformGroup Group => Steps.Count == 0 ? TransformGroup.Appearance : Steps.Max(s => s.Group);

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        var current = batch;
        foreach (var step in Steps)
        {
            var next = step.Apply(current, rng);
            if (!ReferenceEquals(current, batch)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, batch) ? batch.Map(t => t.alias(), t => t.alias(), t => t.alias()) : current;
    }

    /// <summary>The steps of one group, in order (e.g. the spatial part that a clean target also needs).</summary>
    public TransformPipeline Only(params TransformGroup[] groups) => new(Steps.Where(s => groups.Contains(s.Group)).ToList());
}

/// <summary>Helpers shared by the transforms.</summary>
static class JointFields
{
    /// <summary>A copy of the batch with both images replaced (every other field aliased).</summary>
    public static FlowBatch WithImages(FlowBatch b, Tensor image1, Tensor image2) =>
        new(image1, image2)
        {
            FlowFw = b.FlowFw?.alias(), FlowBw = b.FlowBw?.alias(), OccFw = b.OccFw?.alias(), OccBw = b.OccBw?.alias(),
            Valid = b.Valid?.alias(), TeacherFlowFw = b.TeacherFlowFw?.alias(), TeacherFlowBw = b.TeacherFlowBw?.alias(),
            TeacherOccFw = b.TeacherOccFw?.alias(), TeacherOccBw = b.TeacherOccBw?.alias(),
        };

    /// <summary>Moves every field of a batch made inside a dispose scope out of it.</summary>
    public static FlowBatch Escape(FlowBatch b)
    {
        foreach (var (_, t) in b.Fields()) t.MoveToOuterDisposeScope();
        return b;
    }
}
