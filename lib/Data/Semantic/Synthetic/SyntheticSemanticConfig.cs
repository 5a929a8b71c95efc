namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// Settings of the synthetic semantic-correspondence pairs (<see cref="SyntheticSemanticGenerator"/>). Lengths are
/// fractions of min(H, W) unless they say pixels. Immutable; derive variants with <c>with</c>.
/// </summary>
/// <param name="Height">Image height H in pixels.</param>
/// <param name="Width">Image width W in pixels.</param>
/// <param name="MinObjectSize">Smallest longest side of the (unrotated) object box, as a fraction of min(H, W).</param>
/// <param name="MaxObjectSize">Largest longest side of the object box, as a fraction of min(H, W).</param>
/// <param name="MaxRotationDeg">Largest absolute in-plane rotation of an object, degrees.</param>
/// <param name="FlipProbability">Probability that an instance of a mirrorable category faces left.</param>
/// <param name="MaxTruncation">Largest fraction of the object box's width or height that may leave the image.</param>
/// <param name="OccluderProbability">Probability of a textured shape in front of the object.</param>
/// <param name="MaxClutter">Most textured background shapes behind the object (0..MaxClutter, uniform).</param>
/// <param name="TextureWaves">Sinusoids per texture (<see cref="DistillKit.Data.Synthetic.ProceduralTexture"/>).</param>
/// <param name="TextureBlobs">Colour bumps per texture.</param>
/// <param name="MinWavelength">Shortest texture wavelength, fraction of min(H, W).</param>
/// <param name="MaxWavelength">Longest texture wavelength, fraction of min(H, W).</param>
/// <param name="MinSharedKeypoints">Fewest keypoints visible in both images of a pair; pairs with fewer are redrawn.</param>
/// <param name="TrainPairs">Pairs per training epoch (indices 0..TrainPairs − 1).</param>
/// <param name="ValidationPairs">Validation pairs.</param>
/// <param name="TestPairs">Held-out test pairs.</param>
/// <param name="Categories">Categories used, assigned round-robin over pair indices (null = all).</param>
public sealed record SyntheticSemanticConfig(
    int Height, int Width,
    double MinObjectSize = 0.5, double MaxObjectSize = 0.9, double MaxRotationDeg = 20, double FlipProbability = 0.5,
    double MaxTruncation = 0.1, double OccluderProbability = 0.25, int MaxClutter = 2,
    int TextureWaves = 6, int TextureBlobs = 3, double MinWavelength = 0.08, double MaxWavelength = 0.4,
    int MinSharedKeypoints = 3, int TrainPairs = 2000, int ValidationPairs = 200, int TestPairs = 200,
    SemanticCategory[]? Categories = null)
{
    /// <summary>CI preset: 48×48, 64 training pairs.</summary>
    public static SyntheticSemanticConfig Smoke { get; } = new(48, 48, TrainPairs: 64, ValidationPairs: 16, TestPairs: 16);

    /// <summary>Minutes-on-a-CPU preset: 64×64, 2000 training pairs.</summary>
    public static SyntheticSemanticConfig Mini { get; } = new(64, 64);

    /// <summary>PMD's input resolution, 320×320, with PF-PASCAL-sized splits (validation 308 pairs).</summary>
    public static SyntheticSemanticConfig Paper { get; } = new(320, 320, TextureWaves: 10, TextureBlobs: 5,
        TrainPairs: 20000, ValidationPairs: 308, TestPairs: 1000);

    /// <summary>The categories in use, in round-robin order.</summary>
    public IReadOnlyList<SemanticCategory> CategoryList => Categories ?? CategoryModel.All;

    /// <summary>Number of pairs of a split.</summary>
    public int PairCount(SemanticSplit split) => split switch
    {
        SemanticSplit.Train => TrainPairs,
        SemanticSplit.Validation => ValidationPairs,
        SemanticSplit.Test => TestPairs,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"SyntheticSemanticConfig: {what}");
        }
        Require(Height >= 16 && Width >= 16, $"the image must be at least 16×16, got {Height}×{Width}");
        Require(MinObjectSize > 0 && MaxObjectSize >= MinObjectSize && MaxObjectSize <= 1.5, "need 0 < MinObjectSize ≤ MaxObjectSize ≤ 1.5");
        Require(MaxRotationDeg is >= 0 and <= 180, "MaxRotationDeg must be in [0, 180]");
        Require(FlipProbability is >= 0 and <= 1 && OccluderProbability is >= 0 and <= 1, "probabilities must be in [0, 1]");
        Require(MaxTruncation is >= 0 and < 0.5, "MaxTruncation must be in [0, 0.5)");
        Require(MaxClutter >= 0 && TextureWaves >= 0 && TextureBlobs >= 0, "counts must be ≥ 0");
        Require(MinWavelength > 0 && MaxWavelength >= MinWavelength, "need 0 < MinWavelength ≤ MaxWavelength");
        Require(MinSharedKeypoints >= 1, "MinSharedKeypoints must be ≥ 1");
        Require(TrainPairs >= 0 && ValidationPairs >= 0 && TestPairs >= 0, "split sizes must be ≥ 0");
        Require(Categories is null || (Categories.Length > 0 && Categories.Distinct().Count() == Categories.Length),
            "Categories must be null or a non-empty list without repeats");
    }
}

/// <summary>
/// The splits of <see cref="SyntheticSemanticGenerator"/>. Each draws its pairs from its own random stream
/// (<c>SampleRandom.For(seed, split, index, attempt)</c>), so no image, instance or background is shared between splits.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<SemanticSplit>))]
public enum SemanticSplit
{
    Train,
    Validation,
    Test,
}
