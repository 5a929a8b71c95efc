using DistillKit.Data.Synthetic;
using static DistillKit.Data.Semantic.Synthetic.Parts;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// A standing bird in side view, facing +x: a tilted elliptic body, neck, round head with beak and eye, a wing over the
/// body, a fanned tail behind it, and two thin legs with forward feet (the far one behind the body). Drawn: body size,
/// elongation and tilt, neck direction and length, head size, beak angle and length, wing angle (folded to raised) and
/// length, tail angle, length and fan, leg angles and lengths.
/// </summary>
public sealed class BirdModel : CategoryModel
{
    public static BirdModel Instance { get; } = new();

    BirdModel() { }

    public override SemanticCategory Category => SemanticCategory.Bird;

    public override IReadOnlyList<string> KeypointNames { get; } =
        ["beak tip", "eye", "crown", "breast", "back", "wing base", "wing tip", "tail tip", "near foot", "far foot"];

    public override ObjectModel Draw(SampleRandom rng)
    {
        double a = rng.Uniform(0.32, 0.45), b = a * rng.Uniform(0.55, 0.75), tilt = rng.Uniform(-35, -5);
        var origin = (0.0, 0.0);
        var parts = new List<ObjectPart>();
        var kp = new PartKeypoint[KeypointNames.Count];

        // a leg from the body's underside, then a foot pointing forward; the keypoint is the ankle (the foot's start)
        PartKeypoint Leg(string name, double along, MaterialRole role)
        {
            var hip = Rotated(origin, along * a, 0.5 * b, tilt);
            var ankle = Step(hip, rng.Uniform(70, 110), rng.Uniform(0.2, 0.32) + 0.5 * b);
            var toe = Step(ankle, rng.Symmetric(15), rng.Uniform(0.07, 0.12));
            parts.Add(Capsule(name + " leg", hip, 0.024, ankle, 0.02, role));
            parts.Add(Capsule(name + " foot", ankle, 0.022, toe, 0.014, role));
            return new PartKeypoint(parts.Count - 1, ankle.X, ankle.Y);
        }

        kp[9] = Leg("far", rng.Uniform(-0.15, 0.15) + 0.12, MaterialRole.Dark);

        var tailBase = Rotated(origin, -0.8 * a, 0, tilt);
        var tailEnd = Step(tailBase, 180 + tilt + rng.Symmetric(25), rng.Uniform(0.22, 0.38));
        parts.Add(Capsule("tail", tailBase, 0.04, tailEnd, rng.Uniform(0.07, 0.11), MaterialRole.Secondary));
        var tailTip = Lerp(tailBase, tailEnd, 0.9);
        kp[7] = new PartKeypoint(parts.Count - 1, tailTip.X, tailTip.Y);

        parts.Add(Ellipse("body", 0, 0, a, b, tilt, MaterialRole.Main));
        int body = parts.Count - 1;
        var breast = Rotated(origin, 0.45 * a, 0.55 * b, tilt);
        var back = Rotated(origin, -0.45 * a, -0.55 * b, tilt);
        kp[3] = new PartKeypoint(body, breast.X, breast.Y);
        kp[4] = new PartKeypoint(body, back.X, back.Y);

        var neckBase = Rotated(origin, 0.78 * a, -0.1 * b, tilt);
        double rh = rng.Uniform(0.11, 0.16);
        var headCentre = Step(neckBase, rng.Uniform(-105, -60), rng.Uniform(0.1, 0.22) + 0.3 * b);
        parts.Add(Capsule("neck", neckBase, 0.5 * b, headCentre, 0.75 * rh, MaterialRole.Main));
        parts.Add(Circle("head", headCentre.X, headCentre.Y, rh, MaterialRole.Main));
        kp[2] = new PartKeypoint(parts.Count - 1, headCentre.X - 0.15 * rh, headCentre.Y - 0.7 * rh);
        double beakAngle = rng.Uniform(-20, 25);
        var beakBase = Step(headCentre, beakAngle, 0.6 * rh);
        var beakEnd = Step(headCentre, beakAngle, rh + rng.Uniform(0.1, 0.24));
        parts.Add(Capsule("beak", beakBase, 0.4 * rh, beakEnd, 0.012, MaterialRole.Warm));
        var beakTip = Lerp(beakBase, beakEnd, 0.8);
        kp[0] = new PartKeypoint(parts.Count - 1, beakTip.X, beakTip.Y);
        (double X, double Y) eye = (headCentre.X + 0.3 * rh, headCentre.Y - 0.3 * rh);
        parts.Add(Circle("eye", eye.X, eye.Y, rng.Uniform(0.03, 0.038), MaterialRole.Dark));
        kp[1] = new PartKeypoint(parts.Count - 1, eye.X, eye.Y);

        // the wing lies along the back, from folded (along the body axis) to raised
        var shoulder = Rotated(origin, 0.3 * a, -0.3 * b, tilt);
        var wingEnd = Step(shoulder, 180 + tilt + rng.Uniform(-10, 45), a * rng.Uniform(1.1, 1.6));
        parts.Add(Capsule("wing", shoulder, b * rng.Uniform(0.45, 0.6), wingEnd, 0.03, MaterialRole.Secondary));
        kp[5] = new PartKeypoint(parts.Count - 1, shoulder.X, shoulder.Y);
        var wingTip = Lerp(shoulder, wingEnd, 0.88);
        kp[6] = new PartKeypoint(parts.Count - 1, wingTip.X, wingTip.Y);

        kp[8] = Leg("near", rng.Uniform(-0.15, 0.15) - 0.05, MaterialRole.Dark);
        return new ObjectModel(Category, parts, kp);
    }
}
