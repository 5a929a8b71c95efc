using DistillKit.Data.Synthetic;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// A tapered capsule: the union of the discs of radius r(t) = r0 + t·(r1 − r0) centred on P(t) = P0 + t·(P1 − P0),
/// t ∈ [0, 1], which is the convex hull of the two end discs. Limbs, necks, tails, beaks and ears of the synthetic
/// categories; coordinates are the caller's (an object frame).
/// </summary>
public sealed class CapsuleShape : SceneShape
{
    readonly double _ex, _ey, _length, _r0, _slope, _root;

    /// <summary>From (x0, y0) with radius r0 to (x1, y1) with radius r1 (r0, r1 ≥ 0, |r1 − r0| &lt; length).</summary>
    public CapsuleShape(double x0, double y0, double r0, double x1, double y1, double r1)
        : base(x0, y0, Math.Sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)) + Math.Max(r0, r1))
    {
        _length = Math.Sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));
        if (r0 < 0 || r1 < 0 || !(_length > Math.Abs(r1 - r0)))
            throw new ArgumentException($"CapsuleShape: need radii ≥ 0 and |r1 − r0| < length, got r0 {r0}, r1 {r1}, length {_length}");
        (_ex, _ey) = ((x1 - x0) / _length, (y1 - y0) / _length);
        _r0 = r0;
        _slope = (r1 - r0) / _length; // dr/ds along the axis, |k| < 1
        _root = Math.Sqrt(1 - _slope * _slope);
        End = (x1, y1);
    }

    /// <summary>The end point P1 (the start P0 is the centre).</summary>
    public (double X, double Y) End { get; }

    /// <summary>
    /// With a = axial and h = perpendicular distance of the point from P0, f(s) = √((a − s)² + h²) − r0 − k·s is convex
    /// in the axial position s; its minimum lies at s* = a + k·h / √(1 − k²), clamped to [0, length]. Inside iff f(s*) ≤ 0.
    /// </summary>
    protected override bool ContainsLocal(double dx, double dy)
    {
        double a = dx * _ex + dy * _ey, h = Math.Abs(-dx * _ey + dy * _ex);
        double s = Math.Clamp(a + _slope * h / _root, 0, _length);
        double r = _r0 + _slope * s, da = a - s;
        return da * da + h * h <= r * r;
    }
}
