namespace DistillKit.Data.Flow;

/// <summary>Which KITTI flow benchmark.</summary>
public enum KittiVersion
{
    /// <summary>KITTI 2012 (stereo/flow): colour frames in <c>colored_0/</c>, 194 training pairs.</summary>
    Kitti2012,

    /// <summary>KITTI 2015 (scene flow): colour frames in <c>image_2/</c>, 200 training pairs.</summary>
    Kitti2015,
}

/// <summary>The KITTI part: <c>training/</c> (with ground truth) or <c>testing/</c> (images only).</summary>
public enum KittiSplit
{
    Training,
    Testing,
}

/// <summary>
/// KITTI 2012 and 2015 optical flow, as unpacked from <c>data_stereo_flow.zip</c> / <c>data_scene_flow.zip</c>:
/// <c>{training,testing}/&lt;images&gt;/NNNNNN_10.png</c> and <c>NNNNNN_11.png</c> (&lt;images&gt; = <c>colored_0</c> for 2012,
/// <c>image_2</c> for 2015), <c>training/flow_occ/NNNNNN_10.png</c> (forward flow frame 10 → 11 at every pixel with
/// ground truth, sparse) and <c>training/flow_noc/NNNNNN_10.png</c> (the same restricted to pixels visible in both
/// frames). Frame sizes vary (about 1242×375).
/// </summary>
public static class KittiFlow
{
    /// <summary>Training pairs of the real datasets.</summary>
    public const int OfficialTrainingPairs2012 = 194, OfficialTrainingPairs2015 = 200;

    /// <summary>The colour image folder of <paramref name="version"/>.</summary>
    public static string ImageFolderName(KittiVersion version) => version == KittiVersion.Kitti2012 ? "colored_0" : "image_2";

    internal static string Script(KittiVersion version) => version == KittiVersion.Kitti2012 ? "get-kitti2012.sh" : "get-kitti2015.sh";

    internal static string Year(KittiVersion version) => version == KittiVersion.Kitti2012 ? "2012" : "2015";

    internal static string Name(KittiVersion version) => "kitti" + Year(version);

    /// <summary>
    /// Lists the evaluation pairs (frame 10 → frame 11) of one part. <paramref name="root"/> is the folder holding
    /// <c>training/</c> and <c>testing/</c>. Every <c>NNNNNN_10.png</c> pairs with <c>NNNNNN_11.png</c>; ids are the six
    /// digits, ordered by number. Training pairs carry <c>flow_occ</c> as their flow and <c>flow_noc</c> as their noc
    /// file (both required). Errors: <see cref="DirectoryNotFoundException"/> naming a missing folder,
    /// <see cref="InvalidDataException"/> for a missing frame 11 or flow file, or when no pair is found.
    /// </summary>
    public static FlowDatasetIndex Open(string root, KittiVersion version, KittiSplit split = KittiSplit.Training)
    {
        var script = Script(version);
        DatasetFolders.Require(root, $"KITTI {Year(version)}", script);
        string part = split == KittiSplit.Training ? "training" : "testing";
        var images = DatasetFolders.Require(Path.Combine(root, part, ImageFolderName(version)), $"KITTI {Year(version)} {part} images", script);
        string? occ = null, noc = null;
        if (split == KittiSplit.Training)
        {
            occ = DatasetFolders.Require(Path.Combine(root, part, "flow_occ"), $"KITTI {Year(version)} flow_occ", script);
            noc = DatasetFolders.Require(Path.Combine(root, part, "flow_noc"), $"KITTI {Year(version)} flow_noc", script);
        }
        var pairs = new List<FlowPair>();
        foreach (var (_, digits, image1) in DatasetFolders.Numbered(images, "", "_10.png"))
        {
            var image2 = DatasetFolders.RequireFile(Path.Combine(images, $"{digits}_11.png"), digits, script, image1);
            string? flow = occ is null ? null : DatasetFolders.RequireFile(Path.Combine(occ, $"{digits}_10.png"), digits, script, image1);
            string? flowNoc = noc is null ? null : DatasetFolders.RequireFile(Path.Combine(noc, $"{digits}_10.png"), digits, script, image1);
            pairs.Add(new FlowPair(digits, image1, image2, flow, null, flowNoc));
        }
        return DatasetFolders.NonEmpty($"{Name(version)}-{part}", root, images, pairs, script);
    }
}
