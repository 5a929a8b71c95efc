using DistillKit.Data;
using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Transforms;

/// <summary>Horizontal / vertical flips of every field, each with probability ½ (<see cref="PairAugment"/>'s flips:
/// u negated for a horizontal flip, v for a vertical one).</summary>
public sealed record Flips(bool Horizontal = true, bool Vertical = true) : IJointTransform
{
    public string Name => "flips";
    public TransformGroup Group => TransformGroup.Spatial;

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        var draw = new PairAugment.Draw(Horizontal && rng.Bernoulli(0.5), Vertical && rng.Bernoulli(0.5), [0, 1, 2]);
        return PairAugment.Apply(draw, batch);
    }
}

/// <summary>
/// Joint rescaling by a factor drawn log-uniformly from [<see cref="Min"/>, <see cref="Max"/>]: images bilinear with
/// <c>align_corners = true</c>, flows resized and scaled by the exact corner-aligned factor (W'−1)/(W−1), (H'−1)/(H−1)
/// (<see cref="FlowScaling.CornerAligned"/>), masks nearest. The new size is round(H·s) × round(W·s).
/// </summary>
public sealed record Scaling(double Min = 0.8, double Max = 1.25) : IJointTransform
{
    public string Name => $"scale {Min:0.##}–{Max:0.##}";
    public TransformGroup Group => TransformGroup.Spatial;

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        if (!(Min > 0 && Max >= Min)) throw new ArgumentException($"Scaling: need 0 < Min ≤ Max, got {Min}, {Max}");
        double s = rng.LogUniform(Min, Max);
        long h = Math.Max(2, (long)Math.Round(batch.Height * s)), w = Math.Max(2, (long)Math.Round(batch.Width * s));
        using var scope = torch.NewDisposeScope();
        var result = batch.Map(
            image => interpolate(image, size: [h, w], mode: InterpolationMode.Bilinear, align_corners: true),
            flow => FlowResize.Resize(flow, h, w, FlowScaling.CornerAligned),
            mask => NearestAligned(mask, h, w));
        return JointFields.Escape(result);
    }

    /// <summary>Nearest-neighbour resize consistent with the corner-aligned pixel mapping (output pixel x reads input
    /// round(x·(W−1)/(W'−1))).</summary>
    static Tensor NearestAligned(Tensor mask, long h, long w)
    {
        using var scope = torch.NewDisposeScope();
        var positions = Affine(new Affine2((mask.size(3) - 1.0) / (w - 1), 0, 0, (mask.size(2) - 1.0) / (h - 1), 0, 0), mask.size(0), h, w, mask.device);
        return SampleNearest(mask, positions).MoveToOuterDisposeScope();
    }

    /// <summary>Absolute positions [B,2,H,W] (x, y pixels) of the map <paramref name="a"/> applied to every pixel of an
    /// H×W grid.</summary>
    internal static Tensor Affine(Affine2 a, long batch, long h, long w, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var grid = PixelGrid.Coordinates(h, w, device);
        var x = grid.narrow(1, 0, 1);
        var y = grid.narrow(1, 1, 1);
        var qx = x * a.A11 + y * a.A12 + a.B1;
        var qy = x * a.A21 + y * a.A22 + a.B2;
        return torch.cat([qx, qy], 1).expand(batch, 2, h, w).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Nearest sampling of a mask at positions (outside the source reads 0).</summary>
    internal static Tensor SampleNearest(Tensor mask, Tensor positions)
    {
        using var scope = torch.NewDisposeScope();
        var grid = PixelGrid.ToSampleGrid(positions, mask.size(2), mask.size(3));
        return grid_sample(mask, grid, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: true).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// ARFlow's joint affine transform (METHODS.md section 4). A1 maps output pixels to frame-1 pixels; A2 = A1 ∘ R with a
/// small relative affine R maps output pixels to frame-2 pixels. New images J1(x) = I1(A1 x), J2(y) = I2(A2 y); new
/// forward flow w′(x) = A2⁻¹(A1 x + w(A1 x)) − x and backward flow w′_b(y) = A1⁻¹(A2 y + w_b(A2 y)) − y, with w
/// sampled bilinearly. Masks are sampled nearest (occlusion and valid of frame 1 with A1, of frame 2 with A2); the
/// new pair's ground-truth occlusion adds the matches that leave the output frame, the teacher's is only resampled
/// (see <see cref="IJointTransform"/>). Each map is drawn as zoom · squeeze · rotation about the centre plus a
/// translation (fractions of the size), re-drawn until the four output corners land inside both frames (identity
/// after 100 tries). Default ranges follow ARFlow's KITTI configuration as the kit read it (unverified).
/// </summary>
public sealed record JointAffine : IJointTransform
{
    /// <summary>Ranges of one affine: translation (fraction of width/height, ±), rotation (radians, ±), squeeze
    /// (x/y aspect, log-uniform), zoom (log-uniform).</summary>
    public sealed record Ranges(double Translate, double Rotate, double SqueezeMin, double SqueezeMax, double ZoomMin, double ZoomMax);

    public Ranges Global { get; init; } = new(0.2, 0.2, 0.86, 1.16, 1.0, 1.5);
    public Ranges Relative { get; init; } = new(0.015, 0.015, 1.0, 1.0, 0.985, 1.015);

    public string Name => "joint affine";
    public TransformGroup Group => TransformGroup.Spatial;

    /// <summary>Draws (A1, A2) for an H×W frame; both keep the four output corners inside the frame.</summary>
    public (Affine2 A1, Affine2 A2) Sample(long h, long w, SampleRandom rng)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var a1 = Draw(Global, h, w, rng);
            var a2 = a1.After(Draw(Relative, h, w, rng));
            if (CornersInside(a1, h, w) && CornersInside(a2, h, w)) return (a1, a2);
        }
        return (Affine2.Identity, Affine2.Identity);
    }

    static Affine2 Draw(Ranges r, long h, long w, SampleRandom rng)
    {
        double zoom = rng.LogUniform(r.ZoomMin, r.ZoomMax), squeeze = rng.LogUniform(r.SqueezeMin, r.SqueezeMax);
        double angle = rng.Symmetric(r.Rotate), tx = rng.Symmetric(r.Translate) * w, ty = rng.Symmetric(r.Translate) * h;
        // output → input: a zoom > 1 shows a smaller region enlarged, so the map shrinks coordinates by 1/zoom
        double sx = 1 / (zoom * Math.Sqrt(squeeze)), sy = Math.Sqrt(squeeze) / zoom;
        double c = Math.Cos(angle), s = Math.Sin(angle);
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        // q = centre + t + R·S·(p − centre)
        double a11 = c * sx, a12 = -s * sy, a21 = s * sx, a22 = c * sy;
        return new Affine2(a11, a12, a21, a22, cx + tx - (a11 * cx + a12 * cy), cy + ty - (a21 * cx + a22 * cy));
    }

    static bool CornersInside(Affine2 a, long h, long w)
    {
        foreach (var (x, y) in new[] { (0.0, 0.0), (w - 1.0, 0.0), (0.0, h - 1.0), (w - 1.0, h - 1.0) })
        {
            var (qx, qy) = a.Apply(x, y);
            if (qx < 0 || qx > w - 1 || qy < 0 || qy > h - 1) return false;
        }
        return true;
    }

    public FlowBatch Apply(FlowBatch batch, SampleRandom rng)
    {
        var (a1, a2) = Sample(batch.Height, batch.Width, rng);
        return Apply(batch, a1, a2);
    }

    /// <summary>Applies given maps A1 (output → frame 1) and A2 (output → frame 2).</summary>
    public static FlowBatch Apply(FlowBatch b, Affine2 a1, Affine2 a2)
    {
        using var scope = torch.NewDisposeScope();
        long n = b.BatchSize, h = b.Height, w = b.Width;
        var device = b.Image1.device;
        var p1 = Scaling.Affine(a1, n, h, w, device);
        var p2 = Scaling.Affine(a2, n, h, w, device);
        var grid = PixelGrid.Coordinates(h, w, device);
        Tensor Image(Tensor img, Tensor p) => Warping.Sample(img, p, WarpPadding.Border);
        Tensor? Mask(Tensor? m, Tensor p) => m is null ? null : Scaling.SampleNearest(m, p);
        // w′(x) = B⁻¹(A x + w(A x)) − x for a flow from the A-frame to the B-frame
        Tensor? Flow(Tensor? f, Tensor p, Affine2 to) => f is null ? null : Apply(to.Inverse(), p + Warping.Sample(f, p, WarpPadding.Border)) - grid;
        Tensor? Occ(Tensor? occ, Tensor? newFlow, Tensor p) =>
            occ is null ? null : newFlow is null ? Mask(occ, p) : Mask(occ, p)!.maximum(HallucinationCrop.LeavesFrame(newFlow));
        var flowFw = Flow(b.FlowFw, p1, a2);
        var flowBw = Flow(b.FlowBw, p2, a1);
        var result = new FlowBatch(Image(b.Image1, p1), Image(b.Image2, p2))
        {
            FlowFw = flowFw,
            FlowBw = flowBw,
            OccFw = Occ(b.OccFw, flowFw, p1),
            OccBw = Occ(b.OccBw, flowBw, p2),
            Valid = Mask(b.Valid, p1),
            TeacherFlowFw = Flow(b.TeacherFlowFw, p1, a2),
            TeacherFlowBw = Flow(b.TeacherFlowBw, p2, a1),
            TeacherOccFw = Mask(b.TeacherOccFw, p1),
            TeacherOccBw = Mask(b.TeacherOccBw, p2),
        };
        return JointFields.Escape(result);
    }

    /// <summary>The map applied to positions [B,2,H,W].</summary>
    static Tensor Apply(Affine2 a, Tensor positions)
    {
        var x = positions.narrow(1, 0, 1);
        var y = positions.narrow(1, 1, 1);
        return torch.cat([x * a.A11 + y * a.A12 + a.B1, x * a.A21 + y * a.A22 + a.B2], 1);
    }
}
