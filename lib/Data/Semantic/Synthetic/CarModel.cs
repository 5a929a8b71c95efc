using DistillKit.Data.Synthetic;
using static DistillKit.Data.Semantic.Synthetic.Parts;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// A car in side view, facing +x, standing on y = 0: a six-sided body with sloped front and rear, a trapezoidal cabin
/// with a front and a rear window, two wheels (tyre and hub), a headlight and a tail light. Drawn: length, body height,
/// front and rear slopes, cabin position, height and windscreen slants, wheel size, wheelbase and ride height, so
/// saloons, hatchbacks and tall estates all occur.
/// </summary>
public sealed class CarModel : CategoryModel
{
    public static CarModel Instance { get; } = new();

    CarModel() { }

    public override SemanticCategory Category => SemanticCategory.Car;

    public override IReadOnlyList<string> KeypointNames { get; } =
    [
        "front wheel", "rear wheel", "headlight", "tail light", "front bumper", "rear bumper",
        "roof front", "roof rear", "windscreen base", "sill",
    ];

    public override ObjectModel Draw(SampleRandom rng)
    {
        double len = rng.Uniform(1.0, 1.3), hb = rng.Uniform(0.2, 0.3), half = len / 2;
        double front = rng.Uniform(0.04, 0.12), rear = rng.Uniform(0.02, 0.08);
        var parts = new List<ObjectPart>();
        var kp = new PartKeypoint[KeypointNames.Count];

        parts.Add(Polygon("body",
        [
            (-half + 0.02, 0), (half - 0.02, 0), (half, -0.45 * hb), (half - front, -hb), (-half + rear, -hb), (-half, -0.5 * hb),
        ], MaterialRole.Main));
        int body = 0;
        kp[4] = new PartKeypoint(body, half - 0.04, -0.25 * hb);
        kp[5] = new PartKeypoint(body, -half + 0.04, -0.25 * hb);
        kp[9] = new PartKeypoint(body, rng.Symmetric(0.05), -0.2 * hb);

        // cabin: base [xb0, xb1] on the body's top (overlapping it slightly), roof [xr0, xr1] hc higher
        double hc = rng.Uniform(0.14, 0.24);
        double xb0 = -half + len * rng.Uniform(0.06, 0.22), xb1 = half - len * rng.Uniform(0.2, 0.34);
        double xr0 = xb0 + rng.Uniform(0.03, 0.15), xr1 = Math.Max(xr0 + 0.15, xb1 - rng.Uniform(0.08, 0.2));
        double yb = -hb + 0.01, yr = -hb - hc;
        parts.Add(Polygon("cabin", [(xb0, yb), (xb1, yb), (xr1, yr), (xr0, yr)], MaterialRole.Main));
        int cabin = parts.Count - 1;
        kp[6] = new PartKeypoint(cabin, xr1 - 0.03, yr + 0.018);
        kp[7] = new PartKeypoint(cabin, xr0 + 0.03, yr + 0.018);

        // windows: inset from the cabin's slanted sides and roof, split by a pillar
        double wTop = yr + Math.Max(0.04, 0.2 * hc), wBottom = -hb - 0.02;
        double XAt(double x0, double x1, double y) => x0 + (x1 - x0) * (y - yb) / (yr - yb); // along a cabin side
        double frontBottom = XAt(xb1, xr1, wBottom) - 0.035, frontTop = XAt(xb1, xr1, wTop) - 0.035;
        double rearBottom = XAt(xb0, xr0, wBottom) + 0.035, rearTop = XAt(xb0, xr0, wTop) + 0.035;
        double pillar = 0.5 * (xr0 + xr1) + rng.Symmetric(0.04);
        parts.Add(Polygon("front window", [(pillar + 0.018, wBottom), (frontBottom, wBottom), (frontTop, wTop), (pillar + 0.018, wTop)], MaterialRole.Glass));
        kp[8] = new PartKeypoint(parts.Count - 1, 0.7 * frontBottom + 0.3 * (pillar + 0.018), wBottom - 0.012);
        parts.Add(Polygon("rear window", [(rearBottom, wBottom), (pillar - 0.018, wBottom), (pillar - 0.018, wTop), (rearTop, wTop)], MaterialRole.Glass));

        var head = (half - Math.Max(front, 0.04) - 0.03, -0.62 * hb);
        parts.Add(Ellipse("headlight", head.Item1, head.Item2, 0.045, 0.026, 0, MaterialRole.Bright));
        kp[2] = new PartKeypoint(parts.Count - 1, head.Item1, head.Item2);
        var tail = (-half + Math.Max(rear, 0.03) + 0.03, -0.62 * hb);
        parts.Add(Ellipse("tail light", tail.Item1, tail.Item2, 0.035, 0.025, 0, MaterialRole.Warm));
        kp[3] = new PartKeypoint(parts.Count - 1, tail.Item1, tail.Item2);

        double rw = rng.Uniform(0.09, 0.14), wy = -rw * rng.Uniform(0.2, 0.5), hub = rw * rng.Uniform(0.4, 0.55);
        double fx = half - len * rng.Uniform(0.15, 0.24), rx = -half + len * rng.Uniform(0.15, 0.24);
        foreach (var (name, x, index) in new[] { ("front", fx, 0), ("rear", rx, 1) })
        {
            parts.Add(Circle(name + " tyre", x, wy, rw, MaterialRole.Dark));
            parts.Add(Circle(name + " hub", x, wy, hub, MaterialRole.Bright));
            kp[index] = new PartKeypoint(parts.Count - 1, x, wy);
        }
        return new ObjectModel(Category, parts, kp);
    }
}
