using System.Text.RegularExpressions;

namespace DistillKit.Data.Semantic;

/// <summary>
/// PF-WILLOW (Ham et al., Proposal Flow, CVPR 2016): 900 test pairs of 10 object classes with up to 10 keypoints per
/// image. Layout read: the dataset archive unpacked into ROOT (images under <c>ROOT/PF-dataset/&lt;class&gt;/</c>, e.g.
/// <c>car(G)</c>) and the pair file <c>test_pairs_pf.csv</c> (or <c>test_pairs.csv</c>) in ROOT or
/// <c>ROOT/image_pairs/</c>.
/// <para>
/// Pair file: a header <c>imageA,imageB,XA1..XAn,YA1..YAn,XB1..XBn,YB1..YBn</c> (n = 10 in the official file; columns found
/// by name, any order), image paths relative to ROOT, one coordinate per column. A keypoint is missing when its x or y is
/// −1, NaN or empty; the correspondence is then dropped, so a pair lists only keypoints valid in both images (never the
/// −1 padding, which would inflate the keypoint bounding box PF-WILLOW's PCK uses). The category is the name of the
/// source image's folder. Coordinates are used as written (assumption, as for PF-PASCAL).
/// </para>
/// </summary>
public static partial class PfWillow
{
    /// <summary>Pairs of the official file (METHODS.md §7).</summary>
    public const int OfficialPairs = 900;

    /// <summary>The pair-file names tried, in order.</summary>
    public static IReadOnlyList<string> PairFileNames { get; } = ["test_pairs_pf.csv", "test_pairs.csv"];

    const string Script = "get-pfwillow.sh";
    const string Format = "imageA,imageB,XA1..XAn,YA1..YAn,XB1..XBn,YB1..YBn";

    [GeneratedRegex(@"^(XA|YA|XB|YB)([1-9][0-9]{0,3})$", RegexOptions.IgnoreCase)]
    private static partial Regex KeypointColumn();

    /// <summary>
    /// Lists the pairs (all <see cref="SemanticSplit.Test"/>) in file order; ids are <c>test-{row:D4}</c>.
    /// <paramref name="pairsFile"/> overrides the search for the pair file. Errors: <see cref="DirectoryNotFoundException"/>
    /// (no ROOT), <see cref="FileNotFoundException"/> (no pair file), <see cref="InvalidDataException"/> naming the file and
    /// line (header without matching XA/YA/XB/YB columns 1..n, a malformed number, a missing image, a pair with no valid
    /// keypoint, no pair).
    /// </summary>
    public static SemanticDatasetIndex Open(string root, string? pairsFile = null)
    {
        SemanticFiles.Require(root, "PF-WILLOW", Script);
        var file = SemanticFiles.Find(pairsFile, [root, Path.Combine(root, "image_pairs")], PairFileNames, "PF-WILLOW pair file", Script);
        var table = CsvTable.Read(file, "PF-WILLOW pair file");
        int a = table.Require("imageA", Format), b = table.Require("imageB", Format);
        var columns = Columns(table);
        var pairs = new List<SemanticPair>();
        foreach (var (line, f) in table.Rows)
        {
            var at = $"{file}:{line}";
            var values = columns.Select(set => set.Select(c => CsvTable.Number(f[c], file, line, table.Header[c], missingAsNaN: true)).ToArray()).ToArray();
            var (src, trg) = SemanticFiles.Correspondences(values[0], values[1], values[2], values[3]);
            if (src.GetLength(0) == 0) throw new InvalidDataException($"{at}: no keypoint is valid in both images");
            var source = SemanticFiles.Image(root, CsvTable.PathField(f[a], file, line, "imageA"), at, Script);
            var target = SemanticFiles.Image(root, CsvTable.PathField(f[b], file, line, "imageB"), at, Script);
            var category = Path.GetFileName(Path.GetDirectoryName(source)) ?? "";
            pairs.Add(new SemanticPair($"test-{pairs.Count + 1:D4}", source, target, category, SemanticSplit.Test, src, trg, null, null, null, at));
        }
        return SemanticFiles.NonEmpty("pf-willow", root, file, pairs);
    }

    /// <summary>The column indexes of XA1..XAn, YA1..YAn, XB1..XBn, YB1..YBn; an error naming the file when they do not
    /// form four complete sets 1..n.</summary>
    static int[][] Columns(CsvTable table)
    {
        var sets = new[] { "XA", "YA", "XB", "YB" };
        var found = sets.ToDictionary(s => s, _ => new SortedDictionary<int, int>());
        for (int i = 0; i < table.Header.Length; i++)
        {
            var m = KeypointColumn().Match(table.Header[i]);
            if (!m.Success) continue;
            if (!found[m.Groups[1].Value.ToUpperInvariant()].TryAdd(int.Parse(m.Groups[2].Value), i))
                throw new InvalidDataException($"{table.Path}:1: column {table.Header[i]} appears twice in the header");
        }
        int n = found["XA"].Count;
        if (n == 0) throw new InvalidDataException($"{table.Path}:1: the header has no keypoint columns XA1, XA2, …; expected {Format}");
        foreach (var s in sets)
            if (found[s].Count != n || found[s].Keys.Last() != n)
                throw new InvalidDataException($"{table.Path}:1: the header has {found[s].Count} {s} columns " +
                    $"(numbers {string.Join(",", found[s].Keys.Take(12))}) where {n} numbered 1..{n} were expected; expected {Format}");
        return sets.Select(s => found[s].Values.ToArray()).ToArray();
    }
}
