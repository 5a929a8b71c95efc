using DistillKit.Data.Synthetic;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// Deterministic synthetic semantic-correspondence pairs (DESIGN.md, Data): two different instances of one category,
/// each with its own shape, proportions, articulation, textures, pose, background, clutter and occluder, annotated with
/// the category's named keypoints that are visible in both images. Pair <c>index</c> of a split has category
/// <c>CategoryList[index mod count]</c> and draws everything from <see cref="SampleRandom.For"/>(seed, split, index,
/// attempt) only, so (seed, split, index) always gives the same pair, in any order and on any thread; attempt counts
/// up from 0 until a draw shares at least MinSharedKeypoints keypoints. The splits use disjoint streams.
/// </summary>
public sealed class SyntheticSemanticGenerator
{
    /// <summary>Draws tried per pair before giving up.</summary>
    public const int MaxAttempts = 64;

    public SyntheticSemanticGenerator(SyntheticSemanticConfig config, long seed)
    {
        config.Validate();
        Config = config;
        Seed = seed;
    }

    public SyntheticSemanticConfig Config { get; }
    public long Seed { get; }

    /// <summary>The category of pair <paramref name="index"/> (round-robin over the configured categories).</summary>
    public SemanticCategory CategoryOf(long index)
    {
        var list = Config.CategoryList;
        return list[(int)(((index % list.Count) + list.Count) % list.Count)];
    }

    /// <summary>The two analytic scenes of pair <paramref name="index"/> of <paramref name="split"/>.</summary>
    public (SemanticScene First, SemanticScene Second) Scenes(long index, SemanticSplit split = SemanticSplit.Train)
    {
        var category = CategoryOf(index);
        int n = CategoryModel.Of(category).KeypointNames.Count;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var rng = SampleRandom.For(Seed, (long)split, index, attempt);
            var first = SemanticSceneSampler.Draw(Config, category, rng);
            var second = SemanticSceneSampler.Draw(Config, category, rng);
            int shared = 0;
            for (int k = 0; k < n; k++)
                if (first.KeypointVisible(k) && second.KeypointVisible(k)) shared++;
            if (shared >= Config.MinSharedKeypoints) return (first, second);
        }
        throw new InvalidOperationException($"SyntheticSemanticGenerator: pair {index} ({split}, {category}) found no draw with " +
            $"{Config.MinSharedKeypoints} shared keypoints in {MaxAttempts} attempts; lower MinSharedKeypoints or the occlusion and truncation settings");
    }

    /// <summary>Pair <paramref name="index"/> in managed arrays (thread-safe; no libtorch call).</summary>
    public SyntheticSemanticPairArrays GenerateArrays(long index, SemanticSplit split = SemanticSplit.Train)
    {
        var (s1, s2) = Scenes(index, split);
        var a = s1.Render();
        var b = s2.Render();
        var names = CategoryModel.Of(s1.Model.Category).KeypointNames;
        var ids = Enumerable.Range(0, names.Count).Where(k => a.Visible[k] && b.Visible[k]).ToArray();
        float[] Points(SemanticImageArrays r) => ids.SelectMany(k => new[] { (float)r.Keypoints[k].X, (float)r.Keypoints[k].Y }).ToArray();
        return new SyntheticSemanticPairArrays(s1.Model.Category, a.Height, a.Width, a.Image, b.Image, a.Mask, b.Mask,
            Points(a), Points(b), ids, ids.Select(k => names[k]).ToArray(), a.Box!.Value, b.Box!.Value);
    }

    /// <summary>Pair <paramref name="index"/> as tensors (<see cref="SyntheticSemanticPair"/>).</summary>
    public SyntheticSemanticPair Generate(long index, SemanticSplit split = SemanticSplit.Train) =>
        SyntheticSemanticPair.FromArrays(GenerateArrays(index, split));

    /// <summary>The given pairs, rendered on several threads when <paramref name="parallel"/>. Pairs keep their own
    /// keypoint counts, so they are returned as a list rather than collated into one batch.</summary>
    public IReadOnlyList<SyntheticSemanticPair> GenerateMany(IReadOnlyList<long> indices, SemanticSplit split = SemanticSplit.Train, bool parallel = true)
    {
        var arrays = new SyntheticSemanticPairArrays[indices.Count];
        if (parallel) Parallel.For(0, indices.Count, k => arrays[k] = GenerateArrays(indices[k], split));
        else for (int k = 0; k < indices.Count; k++) arrays[k] = GenerateArrays(indices[k], split);
        return arrays.Select(SyntheticSemanticPair.FromArrays).ToArray();
    }

    /// <summary>The first image of pair <paramref name="index"/>, [3,H,W] float32: a single-image source for
    /// <see cref="SyntheticWarpPairs"/> (the PMD teacher's synthetic warps).</summary>
    public TorchSharp.torch.Tensor SingleImage(long index, SemanticSplit split = SemanticSplit.Train)
    {
        var r = Scenes(index, split).First.Render();
        return TorchSharp.torch.tensor(r.Image, [3, r.Height, r.Width]);
    }
}
