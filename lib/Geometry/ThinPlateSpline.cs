namespace DistillKit.Geometry;

/// <summary>
/// A 2-D thin-plate spline: f(p) = a0 + a1·x + a2·y + Σ_i w_i·U(‖p − c_i‖), U(r) = r²·log r² (U(0) = 0), one such
/// function per output coordinate, interpolating f(c_i) = d_i exactly at the control points c_i with the least bending
/// energy (Bookstein 1989). Coordinates are the caller's (pixels or normalised [−1, 1]). Immutable; evaluation is
/// managed and allocation-free.
/// </summary>
public sealed class ThinPlateSpline
{
    readonly double[] _cx, _cy;      // control points
    readonly double[] _wx, _wy;      // kernel weights per output coordinate
    readonly double[] _ax, _ay;      // affine part (a0, a1, a2) per output coordinate

    ThinPlateSpline(double[] cx, double[] cy, double[] wx, double[] wy, double[] ax, double[] ay)
    {
        (_cx, _cy, _wx, _wy, _ax, _ay) = (cx, cy, wx, wy, ax, ay);
    }

    /// <summary>Number of control points.</summary>
    public int Count => _cx.Length;

    /// <summary>
    /// Fits the spline taking each <paramref name="controls"/>[i] to <paramref name="targets"/>[i]: solves
    /// [K P; Pᵀ 0]·[w; a] = [d; 0] with K_ij = U(‖c_i − c_j‖) and P_i = (1, x_i, y_i). Needs at least 3 points, not all
    /// collinear.
    /// </summary>
    public static ThinPlateSpline Fit(IReadOnlyList<(double X, double Y)> controls, IReadOnlyList<(double X, double Y)> targets)
    {
        int n = controls.Count;
        if (n < 3 || targets.Count != n) throw new ArgumentException($"ThinPlateSpline.Fit: need ≥ 3 controls and as many targets, got {n} and {targets.Count}");
        var cx = controls.Select(c => c.X).ToArray();
        var cy = controls.Select(c => c.Y).ToArray();
        var a = new double[n + 3, n + 3];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i, j] = Kernel(cx[i] - cx[j], cy[i] - cy[j]);
            a[i, n] = a[n, i] = 1;
            a[i, n + 1] = a[n + 1, i] = cx[i];
            a[i, n + 2] = a[n + 2, i] = cy[i];
        }
        double[] Rhs(Func<(double X, double Y), double> pick)
        {
            var b = new double[n + 3];
            for (int i = 0; i < n; i++) b[i] = pick(targets[i]);
            return b;
        }
        var sx = SmallLinearSystem.Solve(a, Rhs(t => t.X));
        var sy = SmallLinearSystem.Solve(a, Rhs(t => t.Y));
        return new ThinPlateSpline(cx, cy, sx[..n], sy[..n], sx[n..], sy[n..]);
    }

    /// <summary>f(x, y).</summary>
    public (double X, double Y) Apply(double x, double y)
    {
        double fx = _ax[0] + _ax[1] * x + _ax[2] * y, fy = _ay[0] + _ay[1] * x + _ay[2] * y;
        for (int i = 0; i < _cx.Length; i++)
        {
            double u = Kernel(x - _cx[i], y - _cy[i]);
            fx += _wx[i] * u;
            fy += _wy[i] * u;
        }
        return (fx, fy);
    }

    /// <summary>U = r²·log r² for the offset (dx, dy); 0 at the origin (its limit).</summary>
    static double Kernel(double dx, double dy)
    {
        double r2 = dx * dx + dy * dy;
        return r2 <= 0 ? 0 : r2 * Math.Log(r2);
    }
}
