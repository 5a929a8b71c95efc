using DistillKit.Data.Synthetic;
using DistillKit.Geometry;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>Draws a random <see cref="SemanticScene"/> of one category from a config and a <see cref="SampleRandom"/>
/// stream; the same stream always gives the same scene.</summary>
public static class SemanticSceneSampler
{
    /// <summary>
    /// Instance: shape, proportions and articulation from <see cref="CategoryModel.Draw"/>. Pose: the longest side of
    /// the object box scaled to U[MinObjectSize, MaxObjectSize]·min(H, W); a rotation uniform in ±MaxRotationDeg; a
    /// mirror with probability FlipProbability (mirrorable categories only); a position uniform among those where at
    /// most MaxTruncation of the rotated box's width and height leaves the image (centred when the box is larger).
    /// Appearance: four object textures, a background texture, 0..MaxClutter textured ellipses or star polygons behind
    /// the object (radius U[0.1, 0.3]·min(H, W)), and with probability OccluderProbability one in front of it, centred
    /// inside the object box (radius U[0.12, 0.25]·min(H, W)).
    /// </summary>
    public static SemanticScene Draw(SyntheticSemanticConfig config, SemanticCategory category, SampleRandom rng)
    {
        int h = config.Height, w = config.Width;
        double side = Math.Min(h, w);
        var cat = CategoryModel.Of(category);
        var model = cat.Draw(rng);
        var b = model.Bounds;

        double size = rng.Uniform(config.MinObjectSize, config.MaxObjectSize) * side;
        double scale = size / Math.Max(b.Width, b.Height);
        double angle = rng.Symmetric(config.MaxRotationDeg) * Math.PI / 180;
        bool mirrored = cat.Mirrorable && rng.Bernoulli(config.FlipProbability);
        double f = mirrored ? -1 : 1, cos = Math.Cos(angle) * scale, sin = Math.Sin(angle) * scale;
        // linear part s·R(θ)·diag(f, 1); the half-extents of the rotated box follow from it
        double a11 = cos * f, a12 = -sin, a21 = sin * f, a22 = cos;
        double ex = 0.5 * (Math.Abs(a11) * b.Width + Math.Abs(a12) * b.Height);
        double ey = 0.5 * (Math.Abs(a21) * b.Width + Math.Abs(a22) * b.Height);
        double cx = Centre(rng, ex, w, config.MaxTruncation), cy = Centre(rng, ey, h, config.MaxTruncation);
        double qx = 0.5 * (b.X0 + b.X1), qy = 0.5 * (b.Y0 + b.Y1);
        var pose = new Affine2(a11, a12, a21, a22, cx - (a11 * qx + a12 * qy), cy - (a21 * qx + a22 * qy));

        ProceduralTexture Texture(double x0, double y0, double extent) =>
            ProceduralTexture.Random(rng, x0, y0, extent, config.TextureWaves, config.TextureBlobs,
                config.MinWavelength * side, config.MaxWavelength * side);
        double tx = qx * scale, ty = qy * scale;
        var appearance = new ObjectAppearance(Texture(tx, ty, size), Texture(tx, ty, size), Texture(tx, ty, size), Texture(tx, ty, size));
        var background = Texture((w - 1) / 2.0, (h - 1) / 2.0, Math.Max(h, w));

        var clutter = new List<TexturedShape>();
        int n = rng.NextInt(0, config.MaxClutter + 1);
        for (int k = 0; k < n; k++)
        {
            double sx = rng.Uniform(0, w - 1), sy = rng.Uniform(0, h - 1), r = rng.Uniform(0.1, 0.3) * side;
            clutter.Add(new TexturedShape(Blob(rng, sx, sy, r), Texture(sx, sy, 2 * r)));
        }
        TexturedShape? occluder = null;
        if (rng.Bernoulli(config.OccluderProbability))
        {
            double ox = cx + rng.Symmetric(ex), oy = cy + rng.Symmetric(ey), r = rng.Uniform(0.12, 0.25) * side;
            occluder = new TexturedShape(Blob(rng, ox, oy, r), Texture(ox, oy, 2 * r));
        }
        return new SemanticScene(h, w, model, pose, scale, mirrored, appearance, background, clutter, occluder);
    }

    /// <summary>A centre coordinate uniform in [e − t·2e, L − 1 − e + t·2e] for half-extent e; the middle when empty.</summary>
    static double Centre(SampleRandom rng, double half, int length, double truncation)
    {
        double lo = half - 2 * half * truncation, hi = length - 1 - half + 2 * half * truncation;
        return lo <= hi ? rng.Uniform(lo, hi) : (length - 1) / 2.0;
    }

    /// <summary>An ellipse (axes r and r·U[0.5, 1]) or, with probability ½, a star-shaped polygon of 3–7 vertices at
    /// radii r·U[0.55, 1], angles jittered within their sectors so the polygon stays simple.</summary>
    static SceneShape Blob(SampleRandom rng, double cx, double cy, double r)
    {
        if (rng.Bernoulli(0.5)) return new EllipseShape(cx, cy, r, r * rng.Uniform(0.5, 1), rng.Uniform(0, Math.PI));
        int n = rng.NextInt(3, 8);
        double offset = rng.Uniform(0, 2 * Math.PI), step = 2 * Math.PI / n;
        var vertices = new (double X, double Y)[n];
        for (int k = 0; k < n; k++)
        {
            double a = offset + step * (k + rng.Uniform(-0.35, 0.35)), rad = r * rng.Uniform(0.55, 1);
            vertices[k] = (cx + rad * Math.Cos(a), cy + rad * Math.Sin(a));
        }
        return new PolygonShape(cx, cy, vertices);
    }
}
