namespace DistillKit.Geometry;

/// <summary>
/// A projective map of the plane, q = (H11·x + H12·y + H13, H21·x + H22·y + H23) / (H31·x + H32·y + 1), normalised so
/// that H33 = 1. Coordinates are whatever the caller uses (pixels, or the normalised [−1, 1] of
/// <see cref="PixelGrid"/>); managed and allocation-free.
/// </summary>
public readonly record struct Homography2(double H11, double H12, double H13, double H21, double H22, double H23, double H31, double H32)
{
    /// <summary>The identity map.</summary>
    public static Homography2 Identity => new(1, 0, 0, 0, 1, 0, 0, 0);

    /// <summary>Applies the map to (x, y); the result is not finite where the denominator vanishes.</summary>
    public (double X, double Y) Apply(double x, double y)
    {
        double d = H31 * x + H32 * y + 1;
        return ((H11 * x + H12 * y + H13) / d, (H21 * x + H22 * y + H23) / d);
    }

    /// <summary>
    /// The homography mapping each <paramref name="from"/>[k] exactly to <paramref name="to"/>[k] (k = 0..3): the
    /// 8×8 direct linear system with H33 = 1. Throws when three points are collinear (no unique solution).
    /// </summary>
    public static Homography2 FromCorrespondences(IReadOnlyList<(double X, double Y)> from, IReadOnlyList<(double X, double Y)> to)
    {
        if (from.Count != 4 || to.Count != 4) throw new ArgumentException("a homography needs exactly 4 correspondences");
        var a = new double[8, 8];
        var b = new double[8];
        for (int k = 0; k < 4; k++)
        {
            var (x, y) = from[k];
            var (u, v) = to[k];
            // u·(h31 x + h32 y + 1) = h11 x + h12 y + h13, and the same for v with the second row
            int r = 2 * k;
            a[r, 0] = x; a[r, 1] = y; a[r, 2] = 1; a[r, 6] = -u * x; a[r, 7] = -u * y; b[r] = u;
            a[r + 1, 3] = x; a[r + 1, 4] = y; a[r + 1, 5] = 1; a[r + 1, 6] = -v * x; a[r + 1, 7] = -v * y; b[r + 1] = v;
        }
        var h = SmallLinearSystem.Solve(a, b);
        return new Homography2(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
    }
}
