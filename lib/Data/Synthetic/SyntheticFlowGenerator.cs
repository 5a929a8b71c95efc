using DistillKit.Data;

namespace DistillKit.Data.Synthetic;

/// <summary>
/// Deterministic synthetic optical-flow pairs with exact ground truth (DESIGN.md, Data). Sample <c>index</c> under run
/// seed <c>seed</c> draws its scene from <see cref="SampleRandom.For"/>(seed, index) only, so a (seed, index) pair
/// always gives the same images, flows and masks, in any order and on any thread. Scenes come from
/// <see cref="SceneSampler"/> and are rendered point-sampled at pixel centres (no anti-aliasing): frame 2 evaluates
/// each layer's texture at the inverse-mapped point, so it is exact rather than a warp of frame 1.
/// Outputs follow <see cref="FlowSampleArrays"/>: images [3,H,W] RGB in [0,1], flows [2,H,W] (u, v) in pixels,
/// occlusion masks 1 = occluded, valid = 1 everywhere.
/// </summary>
public sealed class SyntheticFlowGenerator
{
    /// <param name="config">The scene distribution.</param>
    /// <param name="seed">The run seed.</param>
    /// <param name="photos">Photographs for real-texture layers; required when <c>config.PhotoProbability</c> &gt; 0.</param>
    public SyntheticFlowGenerator(SyntheticFlowConfig config, long seed, PhotoLibrary? photos = null)
    {
        config.Validate();
        if (config.PhotoProbability > 0 && photos is null)
            throw new ArgumentException($"SyntheticFlowConfig.PhotoProbability is {config.PhotoProbability}: real-texture pairs need a folder of photographs " +
                "(PhotoLibrary.Load(folder); for training, the Photos dataset: data-scripts/get-footage.sh)");
        Config = config;
        Seed = seed;
        Photos = photos;
    }

    public SyntheticFlowConfig Config { get; }
    public long Seed { get; }

    /// <summary>The photographs of real-texture layers (null when the config uses procedural textures only).</summary>
    public PhotoLibrary? Photos { get; }

    /// <summary>The analytic scene of sample <paramref name="index"/>.</summary>
    public SyntheticScene Scene(long index) => SceneSampler.Draw(Config, SampleRandom.For(Seed, index), Photos);

    /// <summary>Sample <paramref name="index"/> in managed arrays (thread-safe; no libtorch call).</summary>
    public FlowSampleArrays GenerateArrays(long index) => Render(Scene(index));

    /// <summary>Sample <paramref name="index"/> as tensors [3,H,W], [2,H,W], [1,H,W].</summary>
    public FlowSample Generate(long index) => FlowSample.FromArrays(GenerateArrays(index));

    /// <summary>Samples firstIndex .. firstIndex + count − 1 as one batch [B,...].</summary>
    public FlowBatch GenerateBatch(long firstIndex, int count, bool parallel = true) =>
        GenerateBatch(Enumerable.Range(0, count).Select(k => firstIndex + k).ToArray(), parallel);

    /// <summary>The given samples as one batch [B,...], rendered on several threads when <paramref name="parallel"/>.</summary>
    public FlowBatch GenerateBatch(IReadOnlyList<long> indices, bool parallel = true)
    {
        var arrays = new FlowSampleArrays[indices.Count];
        if (parallel) Parallel.For(0, indices.Count, k => arrays[k] = GenerateArrays(indices[k]));
        else for (int k = 0; k < indices.Count; k++) arrays[k] = GenerateArrays(indices[k]);
        return FlowBatch.Collate(arrays);
    }

    /// <summary>Renders both frames, both flows, both occlusion masks and the valid mask of a scene at pixel centres
    /// (<see cref="SyntheticScene.Render"/>).</summary>
    public static FlowSampleArrays Render(SyntheticScene scene) => scene.Render();
}
