using DistillKit.Viz;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>A look at the synthetic semantic pairs for notebooks: pairs side by side with their keypoints.</summary>
public static class SyntheticSemanticPreview
{
    /// <summary>
    /// A <c>[3,H,W]</c> float32 grid of the given pairs of <paramref name="split"/>, <paramref name="columns"/> pairs per
    /// row, each drawn by <see cref="KeypointPairs.Plot"/> (images upscaled by <paramref name="scale"/>, matching keypoints
    /// in one colour per keypoint name and joined by a line) under the caption "CATEGORY N KP". Each cell is
    /// s·H × (2·s·W + 8) pixels; the layout is <see cref="ImageGrid.Make"/>'s with its default padding of 4.
    /// </summary>
    public static Tensor Grid(SyntheticSemanticGenerator generator, IReadOnlyList<long> indices, SemanticSplit split = SemanticSplit.Train,
        int columns = 2, int scale = 2)
    {
        if (indices.Count == 0) throw new ArgumentException("a preview needs at least one pair");
        using var scope = torch.NewDisposeScope();
        var cells = new List<Tensor>();
        var captions = new List<string>();
        foreach (var index in indices)
        {
            using var pair = generator.Generate(index, split);
            cells.Add(KeypointPairs.Plot(pair.Image1, pair.Image2, pair.Keypoints1, pair.Keypoints2, pair.KeypointIds, scale));
            captions.Add($"{pair.Category} {pair.KeypointIds.Count} KP".ToUpperInvariant());
        }
        return ImageGrid.Make(cells, captions, columns).MoveToOuterDisposeScope();
    }
}
