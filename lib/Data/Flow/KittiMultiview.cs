namespace DistillKit.Data.Flow;

/// <summary>Which parts of a KITTI multiview archive an index lists.</summary>
public enum KittiMultiviewSubset
{
    Training,
    Testing,
    Both,
}

/// <summary>
/// KITTI multiview extensions (unlabelled sequences for unsupervised training), as unpacked from
/// <c>data_stereo_flow_multiview.zip</c> (2012) / <c>data_scene_flow_multiview.zip</c> (2015):
/// <c>{training,testing}/&lt;images&gt;/NNNNNN_XX.png</c>, XX = 00..20 (21 frames per sequence; &lt;images&gt; =
/// <c>colored_0</c> for 2012, <c>image_2</c> for 2015). Frames 10 and 11 are the benchmark's evaluation pair.
/// </summary>
public static class KittiMultiview
{
    /// <summary>First and last frame number that no training pair may touch: the evaluation frames 10, 11 and their
    /// neighbours 9 and 12 (DDFlow, MDFlow).</summary>
    public const int FirstExcludedFrame = 9, LastExcludedFrame = 12;

    /// <summary>
    /// Whether the pair (<paramref name="first"/>, <paramref name="first"/> + 1) touches a frame in 9..12, i.e.
    /// <paramref name="first"/> ∈ {8, 9, 10, 11, 12}. With frames 00..20 this keeps first = 0..7 and 13..19: 15 pairs per
    /// sequence.
    /// </summary>
    public static bool IsExcluded(int first) => first + 1 >= FirstExcludedFrame && first <= LastExcludedFrame;

    /// <summary>
    /// Lists consecutive pairs (XX, XX+1) of every sequence, both files present, except those <see cref="IsExcluded"/>.
    /// <paramref name="root"/> is the folder holding <c>training/</c> and <c>testing/</c> of the multiview archive, or a
    /// folder holding it as <c>multiview/</c> (where data-scripts put it). Ids are <c>{training|testing}/NNNNNN_XX</c>
    /// (frame XX), ordered by part, sequence, XX. Pairs have no ground truth. Errors:
    /// <see cref="DirectoryNotFoundException"/> naming a missing folder, <see cref="InvalidDataException"/> when no pair is found.
    /// </summary>
    public static FlowDatasetIndex Open(string root, KittiVersion version, KittiMultiviewSubset subset = KittiMultiviewSubset.Both)
    {
        var script = KittiFlow.Script(version);
        DatasetFolders.Require(root, $"KITTI {KittiFlow.Year(version)} multiview", script, "--multiview");
        var nested = Path.Combine(root, "multiview");
        if (!Directory.Exists(Path.Combine(root, "training")) && !Directory.Exists(Path.Combine(root, "testing")) && Directory.Exists(nested))
            root = nested;
        var parts = subset switch
        {
            KittiMultiviewSubset.Training => new[] { "training" },
            KittiMultiviewSubset.Testing => ["testing"],
            _ => ["training", "testing"],
        };
        var pairs = new List<FlowPair>();
        var folders = new List<string>();
        foreach (var part in parts)
        {
            var images = DatasetFolders.Require(Path.Combine(root, part, KittiFlow.ImageFolderName(version)),
                $"KITTI {KittiFlow.Year(version)} multiview {part} images", script, "--multiview");
            folders.Add(images);
            var bySequence = new SortedDictionary<string, SortedDictionary<int, (string Digits, string Path)>>(StringComparer.Ordinal);
            foreach (var path in Directory.EnumerateFiles(images, "*.png"))
            {
                var name = Path.GetFileNameWithoutExtension(path);
                int cut = name.LastIndexOf('_');
                if (cut <= 0 || !name[..cut].All(char.IsAsciiDigit) || name.Length - cut - 1 is < 1 or > 3 || !name[(cut + 1)..].All(char.IsAsciiDigit)) continue;
                if (!bySequence.TryGetValue(name[..cut], out var frames)) bySequence[name[..cut]] = frames = new();
                frames[int.Parse(name[(cut + 1)..])] = (name[(cut + 1)..], path);
            }
            foreach (var (sequence, frames) in bySequence)
                foreach (var (number, (digits, path)) in frames)
                    if (!IsExcluded(number) && frames.TryGetValue(number + 1, out var next))
                        pairs.Add(new FlowPair($"{part}/{sequence}_{digits}", path, next.Path, null, null, null));
        }
        return DatasetFolders.NonEmpty($"{KittiFlow.Name(version)}-multiview-{subset.ToString().ToLowerInvariant()}", root,
            string.Join(" and ", folders), pairs, script, "--multiview");
    }
}
