namespace DistillKit.Geometry;

/// <summary>
/// A 2-D affine map of pixel coordinates, q = A·p + b with A = [[A11, A12], [A21, A22]] and b = (B1, B2),
/// where p = (x, y) in pixels (x to the right, y down; pixel centres at integer coordinates).
/// Managed and allocation-free, for generators and samplers that work point by point.
/// </summary>
public readonly record struct Affine2(double A11, double A12, double A21, double A22, double B1, double B2)
{
    /// <summary>The identity map.</summary>
    public static Affine2 Identity => new(1, 0, 0, 1, 0, 0);

    /// <summary>Pure translation by (tx, ty) pixels.</summary>
    public static Affine2 Translation(double tx, double ty) => new(1, 0, 0, 1, tx, ty);

    /// <summary>
    /// A similarity about a centre: q = c + t + s·R(θ)·(p − c) with R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]]
    /// (θ in radians; with y pointing down a positive θ turns clockwise on the display), s the isotropic scale,
    /// c = (cx, cy) and t = (tx, ty) in pixels.
    /// </summary>
    public static Affine2 Similarity(double cx, double cy, double scale, double angleRad, double tx, double ty)
    {
        double c = Math.Cos(angleRad) * scale, s = Math.Sin(angleRad) * scale;
        // A = s·R, b = c + t − A·c
        return new Affine2(c, -s, s, c, cx + tx - (c * cx - s * cy), cy + ty - (s * cx + c * cy));
    }

    /// <summary>Determinant of the linear part.</summary>
    public double Determinant => A11 * A22 - A12 * A21;

    /// <summary>Applies the map to (x, y).</summary>
    public (double X, double Y) Apply(double x, double y) => (A11 * x + A12 * y + B1, A21 * x + A22 * y + B2);

    /// <summary>The inverse map; throws when the linear part is singular.</summary>
    public Affine2 Inverse()
    {
        double det = Determinant;
        if (Math.Abs(det) < 1e-12) throw new InvalidOperationException("Affine2.Inverse: the linear part is singular");
        double i11 = A22 / det, i12 = -A12 / det, i21 = -A21 / det, i22 = A11 / det;
        return new Affine2(i11, i12, i21, i22, -(i11 * B1 + i12 * B2), -(i21 * B1 + i22 * B2));
    }

    /// <summary>The composition "this after <paramref name="first"/>": p ↦ this(first(p)).</summary>
    public Affine2 After(Affine2 first) => new(
        A11 * first.A11 + A12 * first.A21, A11 * first.A12 + A12 * first.A22,
        A21 * first.A11 + A22 * first.A21, A21 * first.A12 + A22 * first.A22,
        A11 * first.B1 + A12 * first.B2 + B1, A21 * first.B1 + A22 * first.B2 + B2);
}
