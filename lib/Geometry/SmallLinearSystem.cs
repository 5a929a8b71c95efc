namespace DistillKit.Geometry;

/// <summary>Dense solves of small linear systems (a dozen unknowns) in double precision, for fitting geometric maps.</summary>
internal static class SmallLinearSystem
{
    /// <summary>
    /// Solves A·x = b for square A (n×n, row-major, copied) by Gaussian elimination with partial pivoting; throws when
    /// a pivot falls below 1e-12 times the largest entry of A (a singular or degenerate system).
    /// </summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        if (a.GetLength(0) != n || a.GetLength(1) != n) throw new ArgumentException($"Solve: A must be {n}×{n}");
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        double scale = 0;
        foreach (var v in m) scale = Math.Max(scale, Math.Abs(v));
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col])) pivot = r;
            if (Math.Abs(m[pivot, col]) <= 1e-12 * scale) throw new InvalidOperationException("Solve: the system is singular");
            if (pivot != col)
            {
                for (int c = 0; c < n; c++) (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                (x[col], x[pivot]) = (x[pivot], x[col]);
            }
            for (int r = col + 1; r < n; r++)
            {
                double f = m[r, col] / m[col, col];
                if (f == 0) continue;
                for (int c = col; c < n; c++) m[r, c] -= f * m[col, c];
                x[r] -= f * x[col];
            }
        }
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int c = r + 1; c < n; c++) s -= m[r, c] * x[c];
            x[r] = s / m[r, r];
        }
        return x;
    }
}
