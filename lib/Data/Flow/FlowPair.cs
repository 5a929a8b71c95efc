using System.Collections;

namespace DistillKit.Data.Flow;

/// <summary>
/// One image pair of a real optical-flow dataset, as file paths (nothing is read until
/// <see cref="FlowPairLoader.Load"/>). The ground truth is forward flow: it maps pixel p of image 1 to p + w(p) in
/// image 2, u (x, right) and v (y, down) in pixels of the files' own resolution.
/// </summary>
/// <param name="Id">Identifier unique within its dataset index, e.g. <c>00042</c> (FlyingChairs), <c>alley_1/frame_0001</c>
/// (Sintel), <c>000000</c> (KITTI) or <c>training/000000_03</c> (KITTI multiview).</param>
/// <param name="Image1Path">Frame 1 (PNG or PPM).</param>
/// <param name="Image2Path">Frame 2, the next frame.</param>
/// <param name="FlowPath">Ground-truth forward flow, <c>.flo</c> or KITTI 16-bit PNG (KITTI: <c>flow_occ</c>, all pixels
/// with ground truth); null when the dataset has none (test sets, multiview).</param>
/// <param name="OccPath">Occlusion mask PNG, white (&gt; 0.5) = occluded in frame 2 (Sintel <c>occlusions/</c>); null when unknown.</param>
/// <param name="FlowNocPath">KITTI <c>flow_noc</c> PNG: its valid pixels are the non-occluded ones; null elsewhere.</param>
public sealed record FlowPair(string Id, string Image1Path, string Image2Path, string? FlowPath, string? OccPath, string? FlowNocPath);

/// <summary>
/// The pairs of one dataset (or one split of it) in a fixed, documented order: what each dataset's <c>Open</c>
/// returns. It is the list of its <see cref="Pairs"/>.
/// </summary>
/// <param name="Name">What was opened, e.g. <c>sintel-training-clean</c> or <c>kitti2015-training</c>.</param>
/// <param name="Root">The dataset folder the paths were found in.</param>
/// <param name="Pairs">The pairs, in the dataset's order.</param>
public sealed record FlowDatasetIndex(string Name, string Root, IReadOnlyList<FlowPair> Pairs) : IReadOnlyList<FlowPair>
{
    public int Count => Pairs.Count;

    public FlowPair this[int index] => Pairs[index];

    public IEnumerator<FlowPair> GetEnumerator() => Pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Whether every pair has ground-truth flow (training sets do; test sets and multiview do not).</summary>
    public bool HasGroundTruth => Pairs.All(p => p.FlowPath is not null);

    public override string ToString() => $"{Name}: {Count} pairs in {Root}";
}
