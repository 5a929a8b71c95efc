using System.Collections;

namespace DistillKit.Data.Semantic;

/// <summary>The part of a semantic-correspondence dataset a pair belongs to. Select models on <see cref="Val"/>, never on
/// <see cref="Test"/> (METHODS.md §6).</summary>
public enum SemanticSplit
{
    Train,
    Val,
    Test,
}

/// <summary>
/// An axis-aligned box with corners (<see cref="X1"/>, <see cref="Y1"/>) and (<see cref="X2"/>, <see cref="Y2"/>) in pixels
/// of the original image (x right, y down), as annotated; its size is x2 − x1 by y2 − y1 (no +1).
/// </summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    /// <summary>max(width, height): the PCK length L of SPair-71k's α_bbox.</summary>
    public float MaxSide => Math.Max(Width, Height);
}

/// <summary>
/// The difficulty annotations of a SPair-71k pair, as its JSON gives them (small non-negative integers). The levels as
/// the kit understands the SPair-71k paper (not checked against the files here): viewpoint and scale variation 0 easy,
/// 1 medium, 2 hard; truncation and occlusion 0 none, 1 source only, 2 target only, 3 both.
/// </summary>
public sealed record SpairDifficulty(int ViewpointVariation, int ScaleVariation, int Truncation, int Occlusion);

/// <summary>
/// One annotated pair of a semantic-correspondence dataset, as paths and annotations (images are read by
/// <see cref="SemanticPairLoader.Load"/>). Keypoints are <c>[N,2]</c> rows (x, y) in pixels of the original image, as the
/// dataset's file writes them; row i of <see cref="SourceKeypoints"/> corresponds to row i of
/// <see cref="TargetKeypoints"/>. Only valid keypoints are listed: a keypoint the file marks missing (−1, NaN, empty) is
/// dropped together with its partner, never padded. The arrays are shared: do not modify them.
/// </summary>
/// <param name="Id">Identifier unique within its index (PF-PASCAL/PF-WILLOW: the split and row; SPair-71k: the pair name).</param>
/// <param name="SourcePath">Source image file.</param>
/// <param name="TargetPath">Target image file.</param>
/// <param name="Category">Object class, e.g. <c>aeroplane</c>, <c>car(G)</c>.</param>
/// <param name="Split">The split the pair was listed in.</param>
/// <param name="SourceKeypoints">Valid source keypoints, <c>float[N,2]</c>.</param>
/// <param name="TargetKeypoints">Their correspondences in the target, <c>float[N,2]</c>.</param>
/// <param name="SourceBox">Annotated object box in the source (SPair-71k), else null.</param>
/// <param name="TargetBox">Annotated object box in the target (SPair-71k), else null.</param>
/// <param name="Difficulty">SPair-71k difficulty fields, else null.</param>
/// <param name="ListedAt">Where the pair is defined (<c>file:line</c> or the annotation file), for error messages.</param>
public sealed record SemanticPair(string Id, string SourcePath, string TargetPath, string Category, SemanticSplit Split,
    float[,] SourceKeypoints, float[,] TargetKeypoints, BoundingBox? SourceBox, BoundingBox? TargetBox, SpairDifficulty? Difficulty,
    string ListedAt)
{
    /// <summary>N, the number of valid keypoint correspondences.</summary>
    public int KeypointCount => SourceKeypoints.GetLength(0);
}

/// <summary>The pairs of one dataset split in file order: what each semantic dataset's <c>Open</c> returns.</summary>
/// <param name="Name">What was opened, e.g. <c>pf-pascal-test</c>.</param>
/// <param name="Root">The dataset folder.</param>
/// <param name="Pairs">The pairs.</param>
public sealed record SemanticDatasetIndex(string Name, string Root, IReadOnlyList<SemanticPair> Pairs) : IReadOnlyList<SemanticPair>
{
    public int Count => Pairs.Count;

    public SemanticPair this[int index] => Pairs[index];

    public IEnumerator<SemanticPair> GetEnumerator() => Pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The categories present, sorted (ordinal).</summary>
    public IReadOnlyList<string> Categories => Pairs.Select(p => p.Category).Distinct().Order(StringComparer.Ordinal).ToList();

    public override string ToString() => $"{Name}: {Count} pairs in {Root}";
}
