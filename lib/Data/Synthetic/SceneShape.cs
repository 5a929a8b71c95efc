namespace DistillKit.Data.Synthetic;

/// <summary>A closed region of a layer, in the layer's own coordinates (frame-1 pixels, x right, y down).</summary>
public abstract class SceneShape
{
    /// <summary>Centre of the shape (pixels).</summary>
    public double CentreX { get; }

    /// <summary>Centre of the shape (pixels).</summary>
    public double CentreY { get; }

    /// <summary>Radius of a disc about the centre that contains the whole shape (pixels).</summary>
    public double BoundRadius { get; }

    readonly double _bound2;

    protected SceneShape(double cx, double cy, double boundRadius)
    {
        CentreX = cx;
        CentreY = cy;
        BoundRadius = boundRadius;
        _bound2 = boundRadius * boundRadius;
    }

    /// <summary>Whether the point (x, y) lies inside the shape (boundary included).</summary>
    public bool Contains(double x, double y)
    {
        double dx = x - CentreX, dy = y - CentreY;
        return dx * dx + dy * dy <= _bound2 && ContainsLocal(dx, dy);
    }

    /// <summary>Containment of the offset (dx, dy) from the centre, already inside the bounding disc.</summary>
    protected abstract bool ContainsLocal(double dx, double dy);
}

/// <summary>An ellipse with semi-axes A (along the angle) and B, rotated by <c>angleRad</c>.</summary>
public sealed class EllipseShape : SceneShape
{
    readonly double _cos, _sin, _invA2, _invB2;

    public EllipseShape(double cx, double cy, double semiA, double semiB, double angleRad) : base(cx, cy, Math.Max(semiA, semiB))
    {
        _cos = Math.Cos(angleRad);
        _sin = Math.Sin(angleRad);
        _invA2 = 1 / (semiA * semiA);
        _invB2 = 1 / (semiB * semiB);
    }

    protected override bool ContainsLocal(double dx, double dy)
    {
        double u = _cos * dx + _sin * dy, v = -_sin * dx + _cos * dy;
        return u * u * _invA2 + v * v * _invB2 <= 1;
    }
}

/// <summary>A simple polygon given by its vertices in order (even-odd rule; star-shaped about the centre when drawn
/// by <see cref="SceneSampler"/>).</summary>
public sealed class PolygonShape : SceneShape
{
    readonly double[] _vx, _vy; // offsets from the centre

    public PolygonShape(double cx, double cy, IReadOnlyList<(double X, double Y)> vertices)
        : base(cx, cy, vertices.Max(v => Math.Sqrt((v.X - cx) * (v.X - cx) + (v.Y - cy) * (v.Y - cy))))
    {
        if (vertices.Count < 3) throw new ArgumentException("a polygon needs at least 3 vertices");
        _vx = vertices.Select(v => v.X - cx).ToArray();
        _vy = vertices.Select(v => v.Y - cy).ToArray();
    }

    /// <summary>Vertices in pixels.</summary>
    public IEnumerable<(double X, double Y)> Vertices => _vx.Select((x, k) => (x + CentreX, _vy[k] + CentreY));

    protected override bool ContainsLocal(double dx, double dy)
    {
        bool inside = false;
        int n = _vx.Length;
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            double yi = _vy[i], yj = _vy[j];
            if ((yi > dy) != (yj > dy) && dx < (_vx[j] - _vx[i]) * (dy - yi) / (yj - yi) + _vx[i]) inside = !inside;
        }
        return inside;
    }
}
