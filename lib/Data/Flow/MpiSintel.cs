namespace DistillKit.Data.Flow;

/// <summary>The MPI Sintel rendering pass.</summary>
public enum SintelPass
{
    /// <summary>Without motion blur, defocus and atmospheric effects.</summary>
    Clean,

    /// <summary>Fully rendered.</summary>
    Final,
}

/// <summary>The MPI Sintel part: <c>training/</c> (with ground truth) or <c>test/</c> (images only).</summary>
public enum SintelSplit
{
    Training,
    Test,
}

/// <summary>
/// MPI Sintel (Butler et al. 2012), as unpacked from <c>MPI-Sintel-complete.zip</c>: <c>{training,test}/{clean,final}/
/// &lt;scene&gt;/frame_%04d.png</c>, <c>training/flow/&lt;scene&gt;/frame_%04d.flo</c> (forward flow frame i → i+1, u/v in
/// pixels) and <c>training/occlusions/&lt;scene&gt;/frame_%04d.png</c> (white = occluded: visible in frame i, not in i+1).
/// The real training set has 23 scenes, 1,041 pairs at 1024×436.
/// </summary>
public static class MpiSintel
{
    /// <summary>Training pairs of the real dataset (per pass).</summary>
    public const int OfficialTrainingPairs = 1041;

    const string Script = "get-sintel.sh";

    /// <summary>
    /// Lists the pairs of one pass. <paramref name="root"/> is the folder holding <c>training/</c> and <c>test/</c>.
    /// Pairing rule: within one scene, frame i with frame i+1 when both files exist; pairs never cross scenes. Scenes are
    /// ordered by name, pairs by i; ids are <c>&lt;scene&gt;/frame_%04d</c> (frame i). Training pairs carry
    /// <c>flow/&lt;scene&gt;/frame_i.flo</c> (required) and <c>occlusions/&lt;scene&gt;/frame_i.png</c>; when
    /// <paramref name="requireOcclusions"/> is false a missing <c>occlusions/</c> folder gives pairs without occlusion
    /// masks (EPE noc/occ then undefined). Errors: <see cref="DirectoryNotFoundException"/> naming the missing folder,
    /// <see cref="InvalidDataException"/> for a missing flow/occlusion file or when no pair is found.
    /// </summary>
    public static FlowDatasetIndex Open(string root, SintelPass pass, SintelSplit split = SintelSplit.Training, bool requireOcclusions = true)
    {
        DatasetFolders.Require(root, "MPI Sintel", Script);
        string part = split == SintelSplit.Training ? "training" : "test";
        string passName = pass == SintelPass.Clean ? "clean" : "final";
        var images = DatasetFolders.Require(Path.Combine(root, part, passName), $"MPI Sintel {part} {passName}", Script);
        string? flows = null, occlusions = null;
        if (split == SintelSplit.Training)
        {
            flows = DatasetFolders.Require(Path.Combine(root, part, "flow"), "MPI Sintel training flow", Script);
            occlusions = Path.Combine(root, part, "occlusions");
            if (!Directory.Exists(occlusions))
            {
                if (requireOcclusions)
                    throw new DirectoryNotFoundException($"MPI Sintel occlusions folder not found: {occlusions} (it is part of " +
                        $"MPI-Sintel-complete.zip: {DatasetFolders.Advice(Script)}; or open with requireOcclusions: false)");
                occlusions = null;
            }
        }

        var pairs = new List<FlowPair>();
        foreach (var sceneDir in DatasetFolders.Subfolders(images))
        {
            var scene = Path.GetFileName(sceneDir);
            var frames = DatasetFolders.Numbered(sceneDir, "frame_", ".png");
            for (int k = 0; k + 1 < frames.Count; k++)
            {
                var (i, digits, image1) = frames[k];
                if (frames[k + 1].Number != i + 1) continue;
                var id = $"{scene}/frame_{digits}";
                var pairFrames = $"{image1} and {frames[k + 1].Path}";
                string? flow = flows is null ? null : DatasetFolders.RequireFile(Path.Combine(flows, scene, $"frame_{digits}.flo"), id, Script, pairFrames);
                string? occ = occlusions is null ? null : DatasetFolders.RequireFile(Path.Combine(occlusions, scene, $"frame_{digits}.png"), id, Script, pairFrames);
                pairs.Add(new FlowPair(id, image1, frames[k + 1].Path, flow, occ, null));
            }
        }
        return DatasetFolders.NonEmpty($"sintel-{part}-{passName}", root, images, pairs, Script);
    }
}
