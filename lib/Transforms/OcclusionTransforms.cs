using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Transforms;

/// <summary>
/// DistillFlow's crop (METHODS.md section 4): the teacher saw the full frame, the student gets a
/// <see cref="Height"/>×<see cref="Width"/> window at one random offset, the same on both frames and on every map.
/// Flow values do not change (both frames move by the same offset). The new pair's ground-truth occlusion adds the
/// matches that leave the window; the teacher's occlusion is only cropped, so a pixel whose teacher match leaves the
/// window is visible to the teacher and occluded for the student: a <em>hallucinated occlusion</em>
/// (<see cref="Hallucinated"/>).
/// </summary>
public sealed record HallucinationCrop(int Height, int Width) : IJointTransform
{
    public string Name => $"crop {Height}×{Width}";
    public TransformGroup Group => TransformGroup.Occlusion;

    /// <summary>The window's top-left corner (row, column) for a batch of size <paramref name="h"/>×<paramref name="w"/>.</summary>
    public (int Top, int Left) Sample(long h, long w, SampleRandom rng)
    {
        if (Height > h || Width > w)
            throw new ArgumentException($"HallucinationCrop: the window {Height}×{Width} is larger than the batch's {h}×{w}; choose a smaller crop");
        return (rng.NextInt(0, (int)(h - Height) + 1), rng.NextInt(0, (int)(w - Width) + 1));
    }

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        var (top, left) = Sample(batch.Height, batch.Width, rng);
        return Apply(batch, top, left);
    }

    /// <summary>Crops at a given offset (top row, left column).</summary>
    public FlowBatch Apply(FlowBatch batch, int top, int left)
    {
        using var scope = torch.NewDisposeScope();
        Tensor Cut(Tensor t) => t.narrow(2, top, Height).narrow(3, left, Width).contiguous();
        var cropped = batch.Map(Cut, Cut, Cut);
        var result = cropped with
        {
            OccFw = cropped.OccFw is null || cropped.FlowFw is null ? cropped.OccFw : LeavesFrame(cropped.FlowFw).maximum(cropped.OccFw),
            OccBw = cropped.OccBw is null || cropped.FlowBw is null ? cropped.OccBw : LeavesFrame(cropped.FlowBw).maximum(cropped.OccBw),
        };
        return JointFields.Escape(result);
    }

    /// <summary>1 where p + w(p) falls outside the flow's own frame [0, W−1]×[0, H−1], else 0; [B,1,H,W] float32.</summary>
    public static Tensor LeavesFrame(Tensor flow)
    {
        using var scope = torch.NewDisposeScope();
        var positions = Warping.TargetPositions(flow);
        return (1 - PixelGrid.InBounds(positions, flow.size(2), flow.size(3))).MoveToOuterDisposeScope();
    }

    /// <summary>The hallucinated occlusions of a transformed batch, forward and backward: the teacher's match leaves the
    /// frame although the teacher saw it (TeacherOcc = 0). [B,1,H,W] float32, 1 = hallucinated.</summary>
    public static (Tensor Fw, Tensor Bw) Hallucinated(FlowBatch transformed)
    {
        using var scope = torch.NewDisposeScope();
        var fw = LeavesFrame(FlowBatch.Require(transformed.TeacherFlowFw, "TeacherFlowFw")) * (1 - FlowBatch.Require(transformed.TeacherOccFw, "TeacherOccFw"));
        var bw = LeavesFrame(FlowBatch.Require(transformed.TeacherFlowBw, "TeacherFlowBw")) * (1 - FlowBatch.Require(transformed.TeacherOccBw, "TeacherOccBw"));
        scope.MoveToOuter(fw, bw);
        return (fw, bw);
    }
}

/// <summary>
/// Superpixel noise injection (SelFlow / DistillFlow, ARFlow's ranges; METHODS.md section 4): frame 2 of each pair is
/// cut into about <see cref="Segments"/> SLIC superpixels (<see cref="Slic"/>), and a random
/// <see cref="MinFilled"/>–<see cref="MaxFilled"/> of them are filled with uniform noise U(0,1) per pixel and channel.
/// Geometry does not change: flows and masks stay as they are, and the pixels of frame 1 whose match lands in a filled
/// segment lose their photometric evidence, which only the teacher can supply.
/// </summary>
public sealed record SuperpixelNoise(int Segments = 200, int MinFilled = 8, int MaxFilled = 15, float Compactness = 10f) : IJointTransform
{
    public string Name => $"superpixel noise ({MinFilled}–{MaxFilled} of ~{Segments})";
    public TransformGroup Group => TransformGroup.Occlusion;

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        using var scope = torch.NewDisposeScope();
        var (image2, _) = Noised(batch.Image2, rng);
        return JointFields.Escape(JointFields.WithImages(batch, batch.Image1.alias(), image2));
    }

    /// <summary>Frame 2 [B,3,H,W] with the noise filled in, and the filled-pixel mask [B,1,H,W] (1 = noise).</summary>
    public (Tensor Image2, Tensor Filled) Noised(Tensor image2, SampleRandom rng)
    {
        if (MinFilled < 0 || MaxFilled < MinFilled)
            throw new ArgumentException($"SuperpixelNoise: need 0 ≤ MinFilled ≤ MaxFilled, got {MinFilled}, {MaxFilled}");
        long b = image2.size(0), h = image2.size(2), w = image2.size(3);
        var filled = new float[b * h * w];
        var noise = new float[b * 3 * h * w];
        for (int k = 0; k < b; k++)
        {
            using var one = image2[k];
            var labels = Slic.Segment(one, Segments, Compactness);
            int count = labels.Max() + 1;
            int fill = Math.Min(count, rng.NextInt(MinFilled, MaxFilled + 1));
            var order = Enumerable.Range(0, count).ToArray();
            for (int i = 0; i < fill; i++)
            {
                int j = rng.NextInt(i, count);
                (order[i], order[j]) = (order[j], order[i]);
            }
            var chosen = new HashSet<int>(order.Take(fill));
            for (int p = 0; p < h * w; p++)
                if (chosen.Contains(labels[p])) filled[k * h * w + p] = 1;
            for (int i = 0; i < 3 * h * w; i++) noise[k * 3 * h * w + i] = (float)rng.NextDouble();
        }
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(filled, [b, 1, h, w]).to(image2.device);
        var values = torch.tensor(noise, [b, 3, h, w]).to(image2.device);
        var result = torch.where(mask.to_type(ScalarType.Bool), values, image2);
        scope.MoveToOuter(result, mask);
        return (result, mask);
    }
}
