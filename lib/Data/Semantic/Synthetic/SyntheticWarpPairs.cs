using DistillKit.Data.Synthetic;
using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// A single image and its synthetic warp. Source [C,H,W] is the given image (image 2); Target [C,H,W] is the source
/// sampled at T(p) (image 1), bilinear, <c>align_corners = true</c>, zero padding (<see cref="Warping.Sample"/>);
/// Flow [2,H,W] is the exact target → source flow T(p) − p in pixels (channel 0 = u, 1 = v), the forward flow of
/// DESIGN.md with image 1 = target, so <c>Warping.Warp(Source, Flow)</c> gives Target; Valid [1,H,W] is 1 where T(p)
/// lies in the source, [0, W−1]×[0, H−1]. Owns its tensors.
/// </summary>
public sealed record WarpedImagePair(Tensor Source, Tensor Target, Tensor Flow, Tensor Valid, SyntheticWarp Warp) : IDisposable
{
    public void Dispose()
    {
        Source.Dispose();
        Target.Dispose();
        Flow.Dispose();
        Valid.Dispose();
    }
}

/// <summary>
/// Synthetic warp pairs for correspondence teachers, layered as in DenseMatching: <see cref="SyntheticWarp.Draw"/>
/// samples the warp, and this class applies it to single images from an injected source. Pair (epoch, index) warps
/// image <c>sourceImage(index)</c> with a warp drawn from <see cref="SampleRandom.For"/>(seed, epoch, index): a kind
/// uniform over <see cref="Kinds"/>, then its parameters within <see cref="Ranges"/>.
/// </summary>
public sealed class SyntheticWarpPairs
{
    readonly Func<long, Tensor> _sourceImage;

    /// <param name="sourceImage">Image of an index, [C,H,W] float32 (the caller keeps ownership).</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="kinds">Warp families to draw from (default: affine, homography, TPS, affine∘TPS).</param>
    /// <param name="ranges">Parameter ranges (default: DenseMatching's).</param>
    public SyntheticWarpPairs(Func<long, Tensor> sourceImage, long seed, IReadOnlyList<WarpKind>? kinds = null, SyntheticWarpRanges? ranges = null)
    {
        _sourceImage = sourceImage;
        Seed = seed;
        Kinds = kinds ?? [WarpKind.Affine, WarpKind.Homography, WarpKind.Tps, WarpKind.AffineTps];
        if (Kinds.Count == 0) throw new ArgumentException("SyntheticWarpPairs: no warp kind to draw from");
        Ranges = ranges ?? SyntheticWarpRanges.DenseMatching;
        Ranges.Validate();
    }

    public long Seed { get; }
    public IReadOnlyList<WarpKind> Kinds { get; }
    public SyntheticWarpRanges Ranges { get; }

    /// <summary>The warp of pair (epoch, index).</summary>
    public SyntheticWarp DrawWarp(long index, long epoch = 0)
    {
        var rng = SampleRandom.For(Seed, epoch, index);
        return SyntheticWarp.Draw(Kinds[rng.NextInt(0, Kinds.Count)], Ranges, rng);
    }

    /// <summary>Pair (epoch, index): the source image of <paramref name="index"/> and its warp (<see cref="WarpedImagePair"/>).</summary>
    public WarpedImagePair Generate(long index, long epoch = 0) => Apply(_sourceImage(index), DrawWarp(index, epoch));

    /// <summary>
    /// Target → source positions T(p) [2,H,W] (pixels, channel 0 = x) at every target pixel of an H×W image, in
    /// managed memory (planar, row-major).
    /// </summary>
    public static float[] Positions(SyntheticWarp warp, int height, int width)
    {
        if (height < 2 || width < 2) throw new ArgumentException($"a warp needs an image of at least 2×2, got {height}×{width}");
        int hw = height * width;
        var pos = new float[2 * hw];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = warp.MapPixels(x, y, height, width);
                pos[y * width + x] = (float)sx;
                pos[hw + y * width + x] = (float)sy;
            }
        return pos;
    }

    /// <summary>The exact target → source flow T(p) − p, [2,H,W] float32 in pixels (channel 0 = u, 1 = v).</summary>
    public static Tensor Flow(SyntheticWarp warp, int height, int width)
    {
        var pos = Positions(warp, height, width);
        int hw = height * width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                pos[y * width + x] -= x;
                pos[hw + y * width + x] -= y;
            }
        return torch.tensor(pos, [2, height, width]);
    }

    /// <summary>
    /// Warps <paramref name="source"/> ([C,H,W] float32, not modified) with <paramref name="warp"/>: target(p) =
    /// source(T(p)), bilinear, <c>align_corners = true</c>, zero padding. See <see cref="WarpedImagePair"/> for the
    /// outputs; Source is a copy.
    /// </summary>
    public static WarpedImagePair Apply(Tensor source, SyntheticWarp warp)
    {
        if (source.dim() != 3) throw new ArgumentException($"SyntheticWarpPairs.Apply: source must be [C,H,W], got [{string.Join(",", source.shape)}]");
        int h = (int)source.size(1), w = (int)source.size(2);
        using var scope = torch.NewDisposeScope();
        var flow = Flow(warp, h, w).to(source.device);
        var positions = Warping.TargetPositions(flow.unsqueeze(0));
        var target = Warping.Sample(source.unsqueeze(0).to_type(ScalarType.Float32), positions).squeeze(0);
        var valid = PixelGrid.InBounds(positions, h, w).squeeze(0);
        var copy = source.to_type(ScalarType.Float32).clone();
        scope.MoveToOuter(copy, target, flow, valid);
        return new WarpedImagePair(copy, target, flow, valid, warp);
    }
}
