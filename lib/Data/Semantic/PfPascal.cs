namespace DistillKit.Data.Semantic;

/// <summary>
/// PF-PASCAL (Ham et al., Proposal Flow, TPAMI 2018): 1,351 image pairs of the 20 PASCAL VOC classes, split by the
/// pair files of the weakly-supervised alignment line of work (WeakAlign, NC-Net) into train / val (308) / test (299)
/// pairs. Layout read: <c>ROOT/PF-dataset-PASCAL/JPEGImages/*.jpg</c> (the dataset archive unpacked into ROOT) and one
/// pair file per split in ROOT or <c>ROOT/image_pairs/</c>, named <c>{split}_pairs_pf_pascal.csv</c>,
/// <c>bbox_{split}_pairs_pf_pascal.csv</c> or <c>{split}_pairs.csv</c> (split = train, val, test; the first found wins).
/// <para>
/// Pair file: a header line naming the columns (case-insensitive, any order): <c>source_image</c>, <c>target_image</c>
/// (paths relative to ROOT, e.g. <c>PF-dataset-PASCAL/JPEGImages/2009_002432.jpg</c>), <c>class</c> (1–20, the VOC
/// classes in <see cref="Classes"/> order) and the keypoints <c>XA</c>, <c>YA</c>, <c>XB</c>, <c>YB</c>: <c>;</c>-separated
/// x and y lists of the source (A) and target (B) keypoints, row i of A corresponding to row i of B. Other columns (the
/// train file's <c>flip</c>, L_pck or box columns of some versions) are ignored. Assumptions, not checked against the
/// official files here: coordinates are used as written (the annotations come from MATLAB and may be 1-based; PCK is
/// unaffected when predictions use the same convention); a keypoint written as −1 or NaN is missing and dropped with its
/// partner. The train file may lack the keypoint columns (pairs then have N = 0); val and test need them and at least one
/// valid keypoint per pair.
/// </para>
/// </summary>
public static class PfPascal
{
    /// <summary>The PASCAL VOC classes; <c>class</c> k in a pair file is <c>Classes[k − 1]</c>.</summary>
    public static IReadOnlyList<string> Classes { get; } =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>Pairs of the official val and test files (METHODS.md §7).</summary>
    public const int OfficialValPairs = 308, OfficialTestPairs = 299;

    /// <summary>The folder of the unpacked dataset archive under ROOT.</summary>
    public const string DatasetFolder = "PF-dataset-PASCAL";

    const string Script = "get-pfpascal.sh";
    const string Format = "source_image,target_image,class,XA,YA,XB,YB";

    /// <summary>The pair-file names tried for <paramref name="split"/>, in order.</summary>
    public static IReadOnlyList<string> PairFileNames(SemanticSplit split)
    {
        var s = SemanticFiles.SplitName(split);
        return [$"{s}_pairs_pf_pascal.csv", $"bbox_{s}_pairs_pf_pascal.csv", $"{s}_pairs.csv"];
    }

    /// <summary>
    /// Lists the pairs of <paramref name="split"/> in file order; ids are <c>{split}-{row:D4}</c> (row 1 = first data row).
    /// <paramref name="pairsFile"/> overrides the search for the pair file. Errors: <see cref="DirectoryNotFoundException"/>
    /// (no ROOT), <see cref="FileNotFoundException"/> (no pair file: every place tried is named),
    /// <see cref="InvalidDataException"/> naming the pair file and line (a malformed row, an unknown class, keypoint lists of
    /// different lengths, a missing image, no valid keypoint in a val/test pair, no pair at all).
    /// </summary>
    public static SemanticDatasetIndex Open(string root, SemanticSplit split, string? pairsFile = null)
    {
        SemanticFiles.Require(root, "PF-PASCAL", Script);
        var file = SemanticFiles.Find(pairsFile, [root, Path.Combine(root, "image_pairs")], PairFileNames(split), $"PF-PASCAL {split} pair file", Script);
        var table = CsvTable.Read(file, "PF-PASCAL pair file");
        int src = table.Require("source_image", Format), trg = table.Require("target_image", Format), cls = table.Require("class", Format);
        var kp = new[] { "XA", "YA", "XB", "YB" }.Select(table.Find).ToArray();
        bool hasKeypoints = kp.Any(i => i >= 0);
        if (hasKeypoints || split != SemanticSplit.Train)
            kp = new[] { "XA", "YA", "XB", "YB" }.Select(c => table.Require(c, Format)).ToArray();
        var pairs = new List<SemanticPair>();
        foreach (var (line, f) in table.Rows)
        {
            var at = $"{file}:{line}";
            var category = Class(f[cls], at);
            float[,] a = new float[0, 2], b = new float[0, 2];
            if (hasKeypoints)
            {
                var lists = kp.Select(c => CsvTable.Numbers(f[c], file, line, table.Header[c])).ToArray();
                if (lists[0].Length != lists[1].Length || lists[2].Length != lists[3].Length || lists[0].Length != lists[2].Length)
                    throw new InvalidDataException($"{at}: keypoint count mismatch: XA {lists[0].Length}, YA {lists[1].Length}, " +
                        $"XB {lists[2].Length}, YB {lists[3].Length} values (all four lists must have one value per keypoint)");
                (a, b) = SemanticFiles.Correspondences(lists[0], lists[1], lists[2], lists[3]);
            }
            if (split != SemanticSplit.Train && a.GetLength(0) == 0)
                throw new InvalidDataException($"{at}: no valid keypoint; a {SemanticFiles.SplitName(split)} pair needs keypoints for PCK");
            var source = SemanticFiles.Image(root, CsvTable.PathField(f[src], file, line, "source_image"), at, Script);
            var target = SemanticFiles.Image(root, CsvTable.PathField(f[trg], file, line, "target_image"), at, Script);
            pairs.Add(new SemanticPair($"{SemanticFiles.SplitName(split)}-{pairs.Count + 1:D4}", source, target, category, split, a, b,
                null, null, null, at));
        }
        return SemanticFiles.NonEmpty($"pf-pascal-{SemanticFiles.SplitName(split)}", root, file, pairs);
    }

    static string Class(string field, string at)
    {
        var s = field.Trim();
        // pandas may write the class as a float ("3.0")
        if (s.EndsWith(".0", StringComparison.Ordinal)) s = s[..^2];
        if (!int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k) || k < 1 || k > Classes.Count)
            throw new InvalidDataException($"{at}: class \"{CsvTable.Shorten(field)}\" is not a PASCAL VOC class number 1–{Classes.Count}");
        return Classes[k - 1];
    }
}
