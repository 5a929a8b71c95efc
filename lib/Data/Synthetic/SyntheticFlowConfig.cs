namespace DistillKit.Data.Synthetic;

/// <summary>
/// Settings of the synthetic flow generator (<see cref="SyntheticFlowGenerator"/>): a textured background with its own
/// affine motion and MinShapes..MaxShapes textured shapes (ellipses, star-shaped polygons) with independent motions
/// (translation, rotation, isotropic scale about the shape centre), drawn in depth order.
/// Lengths are pixels of the generated images; sizes of shapes are fractions of min(Height, Width).
/// Immutable; derive variants with <c>with</c>.
/// </summary>
/// <param name="Height">Image height H in pixels.</param>
/// <param name="Width">Image width W in pixels.</param>
/// <param name="MinShapes">Fewest foreground shapes per sample.</param>
/// <param name="MaxShapes">Most foreground shapes per sample (inclusive).</param>
/// <param name="MaxTranslation">Largest translation length of a shape, pixels (direction uniform).</param>
/// <param name="MaxRotationDeg">Largest absolute rotation of a shape about its centre, degrees.</param>
/// <param name="MaxScaleChange">Largest relative scale change of a shape: scale in [1 − s, 1 + s].</param>
/// <param name="BackgroundMaxTranslation">Largest translation length of the background, pixels.</param>
/// <param name="BackgroundMaxRotationDeg">Largest absolute rotation of the background about the image centre, degrees.</param>
/// <param name="BackgroundMaxScaleChange">Largest relative scale change of the background.</param>
/// <param name="MinShapeSize">Smallest shape radius as a fraction of min(H, W).</param>
/// <param name="MaxShapeSize">Largest shape radius as a fraction of min(H, W).</param>
/// <param name="TextureWaves">Sinusoids per texture.</param>
/// <param name="TextureBlobs">Gaussian colour blobs per texture.</param>
/// <param name="MinWavelength">Shortest texture wavelength, pixels (≥ 4 keeps bilinear warping accurate).</param>
/// <param name="MaxWavelength">Longest texture wavelength, pixels.</param>
/// <param name="EllipseProbability">Probability that a shape is an ellipse rather than a polygon.</param>
/// <param name="PhotoProbability">Probability that a layer (background or shape) is textured with a photograph
/// (<see cref="PhotoTexture"/>) rather than procedurally; &gt; 0 needs a <see cref="PhotoLibrary"/> given to the generator.</param>
/// <param name="PhotoMinScale">Smallest photo scale, photo pixels per image pixel.</param>
/// <param name="PhotoMaxScale">Largest photo scale, photo pixels per image pixel.</param>
public sealed record SyntheticFlowConfig(
    int Height, int Width, int MinShapes, int MaxShapes,
    double MaxTranslation, double MaxRotationDeg, double MaxScaleChange,
    double BackgroundMaxTranslation = 2, double BackgroundMaxRotationDeg = 2, double BackgroundMaxScaleChange = 0.02,
    double MinShapeSize = 0.12, double MaxShapeSize = 0.3,
    int TextureWaves = 10, int TextureBlobs = 4, double MinWavelength = 4, double MaxWavelength = 24,
    double EllipseProbability = 0.5, double PhotoProbability = 0, double PhotoMinScale = 0.7, double PhotoMaxScale = 1.6)
{
    /// <summary>CI preset: 32×48, 1–2 shapes, translations up to 3 px.</summary>
    public static SyntheticFlowConfig Smoke { get; } = new(32, 48, 1, 2, 3, 5, 0.05,
        BackgroundMaxTranslation: 1.5, BackgroundMaxRotationDeg: 1, BackgroundMaxScaleChange: 0.02, MaxWavelength: 16);

    /// <summary>Minutes-on-a-CPU preset: 64×96, 2–4 shapes, translations up to 6 px, texture wavelengths 10–40 px (finer
    /// textures alias with 6 px motions and keep a from-scratch photometric model at zero flow for thousands of steps).</summary>
    public static SyntheticFlowConfig Mini { get; } = new(64, 96, 2, 4, 6, 8, 0.08,
        BackgroundMaxTranslation: 3, BackgroundMaxRotationDeg: 2, BackgroundMaxScaleChange: 0.03, MinWavelength: 10, MaxWavelength: 40);

    /// <summary>Paper-scale preset (FlyingChairs-sized): 384×512, 4–8 shapes, translations up to 24 px.</summary>
    public static SyntheticFlowConfig Paper { get; } = new(384, 512, 4, 8, 24, 12, 0.12,
        BackgroundMaxTranslation: 8, BackgroundMaxRotationDeg: 3, BackgroundMaxScaleChange: 0.05,
        MinShapeSize: 0.08, MaxShapeSize: 0.25, TextureWaves: 12, TextureBlobs: 6, MaxWavelength: 96);

    /// <summary>Laptop preset (real-texture pairs for real footage): 128×160, 3–6 shapes textured with photographs
    /// (80% of layers; the rest procedural), shape translations up to 20 px and background translations up to 14 px, so
    /// motions span what consecutive frames of ordinary video show at 240 lines.</summary>
    public static SyntheticFlowConfig Laptop { get; } = new(128, 160, 3, 6, 20, 10, 0.1,
        BackgroundMaxTranslation: 14, BackgroundMaxRotationDeg: 3, BackgroundMaxScaleChange: 0.05,
        MinShapeSize: 0.12, MaxShapeSize: 0.35, MinWavelength: 8, MaxWavelength: 48, PhotoProbability: 0.8);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"SyntheticFlowConfig: {what}");
        }

        Require(Height >= 8 && Width >= 8, $"the image must be at least 8×8, got {Height}×{Width}");
        Require(MinShapes >= 0 && MaxShapes >= MinShapes, $"need 0 ≤ MinShapes ≤ MaxShapes, got {MinShapes}..{MaxShapes}");
        Require(MaxTranslation >= 0 && BackgroundMaxTranslation >= 0, "translations must be ≥ 0");
        Require(MaxRotationDeg >= 0 && BackgroundMaxRotationDeg >= 0, "rotations must be ≥ 0");
        Require(MaxScaleChange is >= 0 and < 0.9 && BackgroundMaxScaleChange is >= 0 and < 0.9, "scale changes must be in [0, 0.9)");
        Require(MinShapeSize > 0 && MaxShapeSize >= MinShapeSize, "need 0 < MinShapeSize ≤ MaxShapeSize");
        Require(TextureWaves >= 0 && TextureBlobs >= 0, "texture counts must be ≥ 0");
        Require(MinWavelength > 0 && MaxWavelength >= MinWavelength, "need 0 < MinWavelength ≤ MaxWavelength");
        Require(EllipseProbability is >= 0 and <= 1, "EllipseProbability must be in [0, 1]");
        Require(PhotoProbability is >= 0 and <= 1, "PhotoProbability must be in [0, 1]");
        Require(PhotoMinScale > 0 && PhotoMaxScale >= PhotoMinScale, "need 0 < PhotoMinScale ≤ PhotoMaxScale");
    }
}
