using DistillKit.Data.Synthetic;
using static DistillKit.Data.Semantic.Synthetic.Parts;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// A four-legged animal in side view, facing +x: an elliptic body; a neck and a head with muzzle, nose, eye and ear; a
/// tail; four two-segment legs (the far pair behind the body in a shaded coat, the near pair in front). Drawn: body
/// length and height, neck angle and length, head size and tilt, muzzle length, ear and tail angle and length, leg
/// segment lengths and thickness, and the hip and knee angle of every leg.
/// </summary>
public sealed class QuadrupedModel : CategoryModel
{
    public static QuadrupedModel Instance { get; } = new();

    QuadrupedModel() { }

    public override SemanticCategory Category => SemanticCategory.Quadruped;

    public override IReadOnlyList<string> KeypointNames { get; } =
    [
        "nose", "eye", "ear tip", "withers", "rump", "tail tip",
        "near front knee", "near front hoof", "near hind knee", "near hind hoof", "far front hoof", "far hind hoof",
    ];

    public override ObjectModel Draw(SampleRandom rng)
    {
        double len = rng.Uniform(0.9, 1.2), hb = rng.Uniform(0.28, 0.42);
        double upper = rng.Uniform(0.2, 0.3), lower = rng.Uniform(0.18, 0.28), ru = rng.Uniform(0.05, 0.07);
        double frontX = len * rng.Uniform(0.26, 0.34), hindX = -len * rng.Uniform(0.26, 0.34), hipY = hb * 0.2;
        var parts = new List<ObjectPart>();
        var kp = new PartKeypoint[KeypointNames.Count];

        // a leg from its hip: upper segment at the hip angle, lower segment at the knee angle (90° = straight down);
        // returns the knee and the hoof keypoint (half a radius inside the end of the lower segment)
        (PartKeypoint Knee, PartKeypoint Hoof) Leg(string name, double x, bool front, MaterialRole role)
        {
            double hip = 90 + rng.Symmetric(28);
            double knee = hip + (front ? rng.Uniform(-35, 8) : rng.Uniform(-8, 35));
            var h = (x, hipY);
            var k = Step(h, hip, upper);
            var f = Step(k, knee, lower);
            double rl = ru * 0.72;
            parts.Add(Capsule(name + " upper", h, ru, k, ru * 0.85, role));
            parts.Add(Capsule(name + " lower", k, rl, f, rl * 0.85, role));
            int lowerPart = parts.Count - 1;
            var hoof = Step(f, knee + 180, rl * 0.5);
            return (new PartKeypoint(lowerPart, k.X, k.Y), new PartKeypoint(lowerPart, hoof.X, hoof.Y));
        }

        // far legs, behind everything, a little further forward as seen in a slight three-quarter view
        double farShift = len * rng.Uniform(0.03, 0.08);
        kp[11] = Leg("far hind leg", hindX + farShift, false, MaterialRole.MainShade).Hoof;
        kp[10] = Leg("far front leg", frontX + farShift, true, MaterialRole.MainShade).Hoof;

        // tail, from inside the rear of the body
        var tailBase = (-len / 2 * 0.9, -hb * 0.2);
        var tailTip = Step(tailBase, rng.Uniform(150, 235), rng.Uniform(0.22, 0.45));
        double tailR = rng.Uniform(0.035, 0.05);
        parts.Add(Capsule("tail", tailBase, tailR, tailTip, tailR * 0.55, MaterialRole.Main));
        kp[5] = new PartKeypoint(parts.Count - 1, tailTip.X, tailTip.Y);

        parts.Add(Ellipse("body", 0, 0, len / 2, hb / 2, 0, MaterialRole.Main));
        int body = parts.Count - 1;
        kp[3] = new PartKeypoint(body, 0.2 * len, -0.3 * hb);
        kp[4] = new PartKeypoint(body, -0.3 * len, -0.3 * hb);

        // neck and head
        var shoulder = (len / 2 * rng.Uniform(0.6, 0.8), -hb * 0.15);
        var headCentre = Step(shoulder, rng.Uniform(-75, -30), rng.Uniform(0.22, 0.4));
        double ah = rng.Uniform(0.13, 0.19), bh = rng.Uniform(0.08, 0.11), tilt = rng.Uniform(-5, 45);
        double neckR = rng.Uniform(0.08, 0.11);
        var earBase = Rotated(headCentre, -0.3 * ah, -0.55 * bh, tilt);
        var earTip = Step(earBase, rng.Uniform(-125, -70), rng.Uniform(0.09, 0.16));
        parts.Add(Capsule("ear", earBase, 0.045, earTip, 0.018, MaterialRole.Main));
        kp[2] = new PartKeypoint(parts.Count - 1, earTip.X, earTip.Y);
        parts.Add(Capsule("neck", shoulder, neckR, headCentre, neckR * 0.8, MaterialRole.Main));
        parts.Add(Ellipse("head", headCentre.X, headCentre.Y, ah, bh, tilt, MaterialRole.Main));
        var muzzleTip = Step(headCentre, tilt, ah + rng.Uniform(0.04, 0.13));
        parts.Add(Capsule("muzzle", headCentre, bh * 0.8, muzzleTip, bh * 0.5, MaterialRole.Main));
        var nose = Step(muzzleTip, tilt + 180, bh * 0.12);
        parts.Add(Ellipse("nose", nose.X, nose.Y, bh * 0.38, bh * 0.3, tilt, MaterialRole.Dark));
        kp[0] = new PartKeypoint(parts.Count - 1, nose.X, nose.Y);
        var eye = Rotated(headCentre, 0.15 * ah, -0.35 * bh, tilt);
        parts.Add(Circle("eye", eye.X, eye.Y, rng.Uniform(0.03, 0.04), MaterialRole.Dark));
        kp[1] = new PartKeypoint(parts.Count - 1, eye.X, eye.Y);

        // near legs, in front of the body
        (kp[8], kp[9]) = Leg("near hind leg", hindX, false, MaterialRole.Main);
        (kp[6], kp[7]) = Leg("near front leg", frontX, true, MaterialRole.Main);
        return new ObjectModel(Category, parts, kp);
    }
}
