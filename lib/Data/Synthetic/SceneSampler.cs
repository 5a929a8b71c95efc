using DistillKit.Geometry;

namespace DistillKit.Data.Synthetic;

/// <summary>Draws a random <see cref="SyntheticScene"/> from a <see cref="SyntheticFlowConfig"/> and a
/// <see cref="SampleRandom"/> stream; the same stream always gives the same scene.</summary>
public static class SceneSampler
{
    /// <summary>
    /// Background: a texture over the whole image and a similarity motion about the image centre (translation
    /// length ≤ BackgroundMaxTranslation in a uniform direction, rotation and scale change uniform within their maxima).
    /// Shapes: MinShapes..MaxShapes, centres uniform over the image, radius r uniform in
    /// [MinShapeSize, MaxShapeSize]·min(H, W); an ellipse (axes r and r·U[0.5, 1], random angle) with probability
    /// EllipseProbability, else a star-shaped polygon of 3–8 vertices at radii r·U[0.55, 1]; each with its own texture
    /// and similarity motion about its centre. Later shapes lie above earlier ones. With PhotoProbability &gt; 0 each
    /// layer is textured with a photograph of <paramref name="photos"/> with that probability (<see cref="PhotoTexture.Random"/>).
    /// </summary>
    public static SyntheticScene Draw(SyntheticFlowConfig config, SampleRandom rng, PhotoLibrary? photos = null)
    {
        if (config.PhotoProbability > 0 && photos is null)
            throw new ArgumentException($"SyntheticFlowConfig.PhotoProbability is {config.PhotoProbability}: give the generator a PhotoLibrary (a folder of photographs)");
        int h = config.Height, w = config.Width;
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0, extent = Math.Max(h, w);
        var layers = new List<SceneLayer>
        {
            new(null, Texture(config, rng, photos, cx, cy, extent),
                Motion(rng, cx, cy, config.BackgroundMaxTranslation, config.BackgroundMaxRotationDeg, config.BackgroundMaxScaleChange)),
        };
        int n = rng.NextInt(config.MinShapes, config.MaxShapes + 1);
        double side = Math.Min(h, w);
        for (int k = 0; k < n; k++)
        {
            double sx = rng.Uniform(0, w - 1), sy = rng.Uniform(0, h - 1);
            double r = rng.Uniform(config.MinShapeSize, config.MaxShapeSize) * side;
            SceneShape shape = rng.Bernoulli(config.EllipseProbability)
                ? new EllipseShape(sx, sy, r, r * rng.Uniform(0.5, 1), rng.Uniform(0, Math.PI))
                : Polygon(rng, sx, sy, r);
            layers.Add(new SceneLayer(shape, Texture(config, rng, photos, sx, sy, 2 * r),
                Motion(rng, sx, sy, config.MaxTranslation, config.MaxRotationDeg, config.MaxScaleChange)));
        }
        return new SyntheticScene(h, w, layers);
    }

    /// <summary>A photo texture with probability PhotoProbability (no draw at all when it is 0, so procedural-only
    /// configs keep their scenes), else a procedural one.</summary>
    static SceneTexture Texture(SyntheticFlowConfig c, SampleRandom rng, PhotoLibrary? photos, double x0, double y0, double extent) =>
        c.PhotoProbability > 0 && rng.Bernoulli(c.PhotoProbability)
            ? PhotoTexture.Random(rng, photos!, x0, y0, c.PhotoMinScale, c.PhotoMaxScale)
            : ProceduralTexture.Random(rng, x0, y0, extent, c.TextureWaves, c.TextureBlobs, c.MinWavelength, c.MaxWavelength);

    /// <summary>q = c + t + s·R(θ)(p − c) with |t| ≤ maxT, |θ| ≤ maxRotDeg, s ∈ [1 − maxScale, 1 + maxScale].</summary>
    static Affine2 Motion(SampleRandom rng, double cx, double cy, double maxT, double maxRotDeg, double maxScale)
    {
        double len = rng.Uniform(0, maxT), dir = rng.Uniform(0, 2 * Math.PI);
        double angle = rng.Symmetric(maxRotDeg) * Math.PI / 180;
        double scale = 1 + rng.Symmetric(maxScale);
        return Affine2.Similarity(cx, cy, scale, angle, len * Math.Cos(dir), len * Math.Sin(dir));
    }

    static PolygonShape Polygon(SampleRandom rng, double cx, double cy, double r)
    {
        int n = rng.NextInt(3, 9);
        double offset = rng.Uniform(0, 2 * Math.PI), step = 2 * Math.PI / n;
        var vertices = new (double X, double Y)[n];
        for (int k = 0; k < n; k++)
        {
            // angles jittered inside their own sector keep the order, so the polygon is simple (star-shaped)
            double a = offset + step * (k + rng.Uniform(-0.35, 0.35));
            double rad = r * rng.Uniform(0.55, 1);
            vertices[k] = (cx + rad * Math.Cos(a), cy + rad * Math.Sin(a));
        }
        return new PolygonShape(cx, cy, vertices);
    }
}
