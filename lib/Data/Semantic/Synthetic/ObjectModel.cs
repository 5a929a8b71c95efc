using DistillKit.Data.Synthetic;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>The synthetic object categories.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<SemanticCategory>))]
public enum SemanticCategory
{
    /// <summary>A four-legged animal in side view: body, neck, head, muzzle, ear, tail, two near and two far legs.</summary>
    Quadruped,

    /// <summary>A standing bird in side view: body, neck, head, beak, wing, fanned tail, two legs with feet.</summary>
    Bird,

    /// <summary>A car in side view: body, cabin, two windows, two wheels with hubs, head and tail lights.</summary>
    Car,

    /// <summary>An upright bottle: body with shoulders and neck, cap and label (mirror-symmetric, never flipped).</summary>
    Bottle,
}

/// <summary>The appearance role of a part; each instance draws one textured material per role
/// (<see cref="ObjectAppearance"/>), so parts of one role share a texture within an instance.</summary>
public enum MaterialRole
{
    /// <summary>The main surface (the texture as drawn).</summary>
    Main,

    /// <summary>The main texture darkened to 70%: far-side limbs.</summary>
    MainShade,

    /// <summary>A second independent texture: wings, tails, caps.</summary>
    Secondary,

    /// <summary>A third independent texture: labels.</summary>
    Tertiary,

    /// <summary>Dark (0.03 + 0.22·texture): eyes, noses, tyres, bird legs.</summary>
    Dark,

    /// <summary>Light (0.65 + 0.35·texture): hubs, headlights.</summary>
    Bright,

    /// <summary>Saturated orange-red: beaks, tail lights.</summary>
    Warm,

    /// <summary>Dark blue-grey: windows.</summary>
    Glass,
}

/// <summary>An axis-aligned box (X0, Y0)–(X1, Y1), X0 ≤ X1, Y0 ≤ Y1, in the coordinates of its owner.</summary>
public readonly record struct AxisBox(double X0, double Y0, double X1, double Y1)
{
    public double Width => X1 - X0;
    public double Height => Y1 - Y0;

    /// <summary>The smallest box holding both.</summary>
    public AxisBox Union(AxisBox o) => new(Math.Min(X0, o.X0), Math.Min(Y0, o.Y0), Math.Max(X1, o.X1), Math.Max(Y1, o.Y1));

    /// <summary>Whether (x, y) lies in the box (edges included).</summary>
    public bool Contains(double x, double y) => x >= X0 && x <= X1 && y >= Y0 && y <= Y1;
}

/// <summary>One rigid part of an object: a region in the object frame, its material role and its exact bounding box.</summary>
public sealed record ObjectPart(string Name, SceneShape Shape, MaterialRole Material, AxisBox Bounds);

/// <summary>A semantic keypoint of an instance: a point (X, Y) of the object frame strictly inside part <c>Part</c>.</summary>
public readonly record struct PartKeypoint(int Part, double X, double Y);

/// <summary>
/// One drawn instance of a category in its object frame (x towards the front of the object, y down, about one unit
/// per body length): parts in depth order (index 0 at the back, the last on top) and one keypoint per name of
/// <see cref="CategoryModel.KeypointNames"/>, in that order.
/// </summary>
public sealed class ObjectModel
{
    public ObjectModel(SemanticCategory category, IReadOnlyList<ObjectPart> parts, IReadOnlyList<PartKeypoint> keypoints)
    {
        if (parts.Count == 0) throw new ArgumentException("an object needs at least one part");
        foreach (var k in keypoints)
            if (k.Part < 0 || k.Part >= parts.Count || !parts[k.Part].Shape.Contains(k.X, k.Y))
                throw new ArgumentException($"{category}: keypoint ({k.X:F3}, {k.Y:F3}) is not inside its part {k.Part}");
        Category = category;
        Parts = parts;
        Keypoints = keypoints;
        Bounds = parts.Skip(1).Aggregate(parts[0].Bounds, (b, p) => b.Union(p.Bounds));
    }

    public SemanticCategory Category { get; }

    /// <summary>Parts from the back (0) to the front.</summary>
    public IReadOnlyList<ObjectPart> Parts { get; }

    /// <summary>Keypoints in the category's name order.</summary>
    public IReadOnlyList<PartKeypoint> Keypoints { get; }

    /// <summary>Box of all parts in the object frame.</summary>
    public AxisBox Bounds { get; }

    /// <summary>The front-most part containing the object-frame point (x, y), or −1.</summary>
    public int TopPart(double x, double y)
    {
        if (!Bounds.Contains(x, y)) return -1;
        for (int k = Parts.Count - 1; k >= 0; k--)
            if (Parts[k].Bounds.Contains(x, y) && Parts[k].Shape.Contains(x, y)) return k;
        return -1;
    }
}

/// <summary>Constructors of parts with their exact bounding boxes.</summary>
public static class Parts
{
    /// <summary>An ellipse with semi-axes a (along the angle, degrees) and b about (cx, cy).</summary>
    public static ObjectPart Ellipse(string name, double cx, double cy, double a, double b, double angleDeg, MaterialRole role)
    {
        double t = angleDeg * Math.PI / 180, c = Math.Cos(t), s = Math.Sin(t);
        double ex = Math.Sqrt(a * a * c * c + b * b * s * s), ey = Math.Sqrt(a * a * s * s + b * b * c * c);
        return new ObjectPart(name, new EllipseShape(cx, cy, a, b, t), role, new AxisBox(cx - ex, cy - ey, cx + ex, cy + ey));
    }

    /// <summary>A disc of radius r about (cx, cy).</summary>
    public static ObjectPart Circle(string name, double cx, double cy, double r, MaterialRole role) => Ellipse(name, cx, cy, r, r, 0, role);

    /// <summary>A tapered capsule from p0 (radius r0) to p1 (radius r1) (<see cref="CapsuleShape"/>).</summary>
    public static ObjectPart Capsule(string name, (double X, double Y) p0, double r0, (double X, double Y) p1, double r1, MaterialRole role) =>
        new(name, new CapsuleShape(p0.X, p0.Y, r0, p1.X, p1.Y, r1), role,
            new AxisBox(Math.Min(p0.X - r0, p1.X - r1), Math.Min(p0.Y - r0, p1.Y - r1), Math.Max(p0.X + r0, p1.X + r1), Math.Max(p0.Y + r0, p1.Y + r1)));

    /// <summary>A simple polygon through the vertices in order.</summary>
    public static ObjectPart Polygon(string name, IReadOnlyList<(double X, double Y)> vertices, MaterialRole role)
    {
        double cx = vertices.Average(v => v.X), cy = vertices.Average(v => v.Y);
        return new ObjectPart(name, new PolygonShape(cx, cy, vertices), role,
            new AxisBox(vertices.Min(v => v.X), vertices.Min(v => v.Y), vertices.Max(v => v.X), vertices.Max(v => v.Y)));
    }

    /// <summary>The point at distance <paramref name="length"/> from p in direction <paramref name="angleDeg"/>
    /// (0 = +x, 90 = +y, i.e. down).</summary>
    public static (double X, double Y) Step((double X, double Y) p, double angleDeg, double length)
    {
        double t = angleDeg * Math.PI / 180;
        return (p.X + length * Math.Cos(t), p.Y + length * Math.Sin(t));
    }

    /// <summary>p + t·(q − p).</summary>
    public static (double X, double Y) Lerp((double X, double Y) p, (double X, double Y) q, double t) =>
        (p.X + t * (q.X - p.X), p.Y + t * (q.Y - p.Y));

    /// <summary>(x, y) turned by <paramref name="angleDeg"/> about the origin, then moved to <paramref name="origin"/>.</summary>
    public static (double X, double Y) Rotated((double X, double Y) origin, double x, double y, double angleDeg)
    {
        double t = angleDeg * Math.PI / 180, c = Math.Cos(t), s = Math.Sin(t);
        return (origin.X + c * x - s * y, origin.Y + s * x + c * y);
    }
}

/// <summary>
/// A category: its keypoint names (fixed, one per semantic point, in order), whether a mirror image is still a valid
/// instance (false for mirror-symmetric objects, whose left and right keypoints would swap), and a sampler of instances.
/// </summary>
public abstract class CategoryModel
{
    public abstract SemanticCategory Category { get; }

    /// <summary>Keypoint names, in the order of <see cref="ObjectModel.Keypoints"/>.</summary>
    public abstract IReadOnlyList<string> KeypointNames { get; }

    /// <summary>Whether instances may be drawn mirrored (facing left).</summary>
    public virtual bool Mirrorable => true;

    /// <summary>Draws the shape, part proportions and articulation of one instance.</summary>
    public abstract ObjectModel Draw(SampleRandom rng);

    /// <summary>The model of <paramref name="category"/>.</summary>
    public static CategoryModel Of(SemanticCategory category) => category switch
    {
        SemanticCategory.Quadruped => QuadrupedModel.Instance,
        SemanticCategory.Bird => BirdModel.Instance,
        SemanticCategory.Car => CarModel.Instance,
        SemanticCategory.Bottle => BottleModel.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>Every category, in enum order.</summary>
    public static IReadOnlyList<SemanticCategory> All { get; } = Enum.GetValues<SemanticCategory>();
}
