using DistillKit.Data.Synthetic;
using static DistillKit.Data.Semantic.Synthetic.Parts;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// An upright bottle, mirror-symmetric about x = 0, standing on y = 0: a body with rounded base corners, smooth
/// shoulders and a neck, a cap and a label band. Drawn: body width and height, base rounding, shoulder height, neck
/// width and height, cap size, label extent. Never mirrored: its left and right keypoints are told apart only by side.
/// </summary>
public sealed class BottleModel : CategoryModel
{
    public static BottleModel Instance { get; } = new();

    BottleModel() { }

    public override SemanticCategory Category => SemanticCategory.Bottle;

    public override bool Mirrorable => false;

    public override IReadOnlyList<string> KeypointNames { get; } =
    [
        "cap top left", "cap top right", "neck left", "neck right", "shoulder left", "shoulder right",
        "label centre", "base left", "base right",
    ];

    public override ObjectModel Draw(SampleRandom rng)
    {
        double bw = rng.Uniform(0.14, 0.24), hb = rng.Uniform(0.45, 0.8), hs = rng.Uniform(0.08, 0.22);
        double nw = bw * rng.Uniform(0.3, 0.5), hn = rng.Uniform(0.08, 0.25), rb = rng.Uniform(0.02, 0.06);
        double hc = rng.Uniform(0.05, 0.1), cw = nw * rng.Uniform(1.1, 1.35);
        double neckBottom = -hb - hs, neckTop = neckBottom - hn;

        // right half of the outline from the base up: base corner, side, shoulder (cosine blend to the neck), neck
        var right = new List<(double X, double Y)> { (bw - rb, 0), (bw, -rb), (bw, -hb) };
        const int steps = 6;
        for (int j = 1; j <= steps; j++)
        {
            double t = (double)j / steps;
            right.Add((nw + (bw - nw) * (1 + Math.Cos(Math.PI * t)) / 2, -hb - hs * t));
        }
        right.Add((nw, neckTop));
        var outline = right.Concat(right.AsEnumerable().Reverse().Select(p => (-p.X, p.Y))).ToList();
        var parts = new List<ObjectPart> { Polygon("body", outline, MaterialRole.Main) };
        var kp = new PartKeypoint[KeypointNames.Count];
        kp[2] = new PartKeypoint(0, -nw + 0.02, neckBottom - 0.5 * hn);
        kp[3] = new PartKeypoint(0, nw - 0.02, neckBottom - 0.5 * hn);
        kp[4] = new PartKeypoint(0, -bw + 0.03, -hb - 0.02);
        kp[5] = new PartKeypoint(0, bw - 0.03, -hb - 0.02);
        kp[7] = new PartKeypoint(0, -bw + rb + 0.02, -0.02);
        kp[8] = new PartKeypoint(0, bw - rb - 0.02, -0.02);

        double capTop = neckTop - hc;
        parts.Add(Polygon("cap", [(-cw, neckTop + 0.01), (cw, neckTop + 0.01), (cw, capTop), (-cw, capTop)], MaterialRole.Secondary));
        kp[0] = new PartKeypoint(1, -cw + 0.02, capTop + 0.02);
        kp[1] = new PartKeypoint(1, cw - 0.02, capTop + 0.02);

        double labelBottom = -rb - hb * rng.Uniform(0.1, 0.3), labelTop = -hb * rng.Uniform(0.6, 0.9);
        double lw = bw - 0.005;
        parts.Add(Polygon("label", [(-lw, labelBottom), (lw, labelBottom), (lw, labelTop), (-lw, labelTop)], MaterialRole.Tertiary));
        kp[6] = new PartKeypoint(2, 0, 0.5 * (labelBottom + labelTop));
        return new ObjectModel(Category, parts, kp);
    }
}
