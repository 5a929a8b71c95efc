namespace DistillKit.Data.Flow;

/// <summary>Which FlyingChairs samples an index lists.</summary>
public enum FlyingChairsSplit
{
    /// <summary>Every sample found (no split file needed).</summary>
    All,

    /// <summary>Samples marked 1 in <c>FlyingChairs_train_val.txt</c> (22,232 in the official file).</summary>
    Train,

    /// <summary>Samples marked 2 in <c>FlyingChairs_train_val.txt</c> (640 in the official file).</summary>
    Val,
}

/// <summary>
/// FlyingChairs (Dosovitskiy et al. 2015): 22,872 pairs at 512×384 in <c>FlyingChairs_release/data/</c> as
/// <c>NNNNN_img1.ppm</c>, <c>NNNNN_img2.ppm</c> and <c>NNNNN_flow.flo</c> (forward flow img1 → img2, u/v in pixels,
/// all pixels valid). Pair ids are the five digits; pairs are ordered by number. No occlusion ground truth.
/// </summary>
public static class FlyingChairs
{
    /// <summary>The split file's name.</summary>
    public const string SplitFileName = "FlyingChairs_train_val.txt";

    /// <summary>Where the dataset's authors publish the split file.</summary>
    public const string SplitFileUrl = "https://lmb.informatik.uni-freiburg.de/resources/datasets/FlyingChairs/FlyingChairs_train_val.txt";

    /// <summary>Pair counts of the real dataset (all, train, validation).</summary>
    public const int OfficialPairs = 22872, OfficialTrainPairs = 22232, OfficialValPairs = 640;

    const string Script = "get-flyingchairs.sh";

    /// <summary>
    /// Lists the pairs of <paramref name="split"/>. <paramref name="root"/> may be the folder holding
    /// <c>FlyingChairs_release/</c>, the <c>FlyingChairs_release</c> folder (holding <c>data/</c>) or the <c>data</c>
    /// folder itself. For <see cref="FlyingChairsSplit.Train"/>/<see cref="FlyingChairsSplit.Val"/> the split file is
    /// <paramref name="splitFile"/> when given, else the first <see cref="SplitFileName"/> found in the data folder, its
    /// parent or its grandparent; line n decides sample n. Errors: <see cref="DirectoryNotFoundException"/> (no such
    /// root or data folder), <see cref="FileNotFoundException"/> (split file needed but absent),
    /// <see cref="InvalidDataException"/> (no pairs, a missing img2/flow file, a split file shorter than the highest
    /// sample number, or no pair in the split: then naming the split file).
    /// </summary>
    public static FlowDatasetIndex Open(string root, FlyingChairsSplit split = FlyingChairsSplit.All, string? splitFile = null)
    {
        var data = DataFolder(root);
        var pairs = new List<FlowPair>();
        foreach (var (number, digits, img1) in DatasetFolders.Numbered(data, "", "_img1.ppm"))
        {
            var img2 = DatasetFolders.RequireFile(Path.Combine(data, $"{digits}_img2.ppm"), digits, Script, img1);
            var flow = DatasetFolders.RequireFile(Path.Combine(data, $"{digits}_flow.flo"), digits, Script, img1);
            pairs.Add(new FlowPair(digits, img1, img2, flow, null, null));
        }
        if (pairs.Count == 0 || split == FlyingChairsSplit.All)
            return DatasetFolders.NonEmpty("flyingchairs", data, data, pairs, Script);

        var file = splitFile ?? FindSplitFile(data)
            ?? throw new FileNotFoundException($"{SplitFileName} not found in {data}, {Path.GetDirectoryName(data)} or their parent: the " +
                $"{split} split needs the official split file; download it from {SplitFileUrl} into the FlyingChairs_release folder " +
                $"(data-scripts/{Script} does), or pass its path", SplitFileName);
        var values = FlyingChairsSplitFile.Read(file);
        int want = split == FlyingChairsSplit.Train ? FlyingChairsSplitFile.Train : FlyingChairsSplitFile.Val;
        var chosen = new List<FlowPair>();
        foreach (var pair in pairs)
        {
            int n = int.Parse(pair.Id);
            if (n < 1 || n > values.Length)
                throw new InvalidDataException($"{file}: has {values.Length} lines, but {data} holds sample {pair.Id} (line n decides sample n)");
            if (values[n - 1] == want) chosen.Add(pair);
        }
        if (chosen.Count == 0) // a split file marking no present sample for this split: its fault, not a missing download
            throw new InvalidDataException($"{file}: marks none of the {pairs.Count} samples of {data} as {want} ({split})");
        return DatasetFolders.NonEmpty($"flyingchairs-{split.ToString().ToLowerInvariant()}", data, data, chosen, Script);
    }

    /// <summary>The folder holding the <c>NNNNN_*</c> files, resolved from <paramref name="root"/> as <see cref="Open"/> says.</summary>
    public static string DataFolder(string root)
    {
        DatasetFolders.Require(root, "FlyingChairs", Script);
        foreach (var candidate in new[] { Path.Combine(root, "FlyingChairs_release", "data"), Path.Combine(root, "data") })
            if (Directory.Exists(candidate)) return candidate;
        if (Directory.EnumerateFiles(root, "*_flow.flo").Any()) return root;
        throw new DirectoryNotFoundException($"FlyingChairs data folder not found: neither {Path.Combine(root, "data")} nor " +
            $"{Path.Combine(root, "FlyingChairs_release", "data")} exists and {root} holds no *_flow.flo files ({DatasetFolders.Advice(Script)})");
    }

    /// <summary>The first <see cref="SplitFileName"/> in <paramref name="dataFolder"/>, its parent or its grandparent, or null.</summary>
    public static string? FindSplitFile(string dataFolder)
    {
        var data = Path.GetFullPath(dataFolder);
        var parent = Path.GetDirectoryName(data);
        var grandparent = parent is null ? null : Path.GetDirectoryName(parent);
        foreach (var dir in new[] { data, parent, grandparent })
            if (dir is not null && File.Exists(Path.Combine(dir, SplitFileName))) return Path.Combine(dir, SplitFileName);
        return null;
    }
}
