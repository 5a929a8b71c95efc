namespace DistillKit.Data.Semantic;

/// <summary>Which of SPair-71k's split lists: <c>Layout/large</c> (the benchmark) or <c>Layout/small</c>.</summary>
public enum SpairLayout
{
    Large,
    Small,
}

/// <summary>
/// SPair-71k (Min et al. 2019): 70,958 pairs of 18 categories with keypoints, object boxes and difficulty labels; 53,340
/// train / 5,384 val / 12,234 test pairs in the large layout (METHODS.md §7). Layout read, under ROOT or
/// <c>ROOT/SPair-71k</c>: <c>JPEGImages/&lt;category&gt;/&lt;image&gt;.jpg</c>, <c>PairAnnotation/{trn,val,test}/NAME.json</c>
/// (one per pair, read by <see cref="SpairAnnotation.Read"/>) and <c>Layout/{large,small}/{trn,val,test}.txt</c>, one
/// pair NAME per line (e.g. <c>000001-2008_000585-2008_002221:aeroplane</c>), which fixes the split and its order.
/// Assumption (not checked against the official files here): the JSON of line NAME is <c>NAME.json</c>.
/// </summary>
public static class Spair71k
{
    /// <summary>Pairs of the large layout's splits.</summary>
    public const int OfficialTrainPairs = 53340, OfficialValPairs = 5384, OfficialTestPairs = 12234;

    const string Script = "get-spair71k.sh";

    /// <summary>The folder name SPair-71k uses for <paramref name="split"/>: <c>trn</c>, <c>val</c> or <c>test</c>.</summary>
    public static string SplitFolder(SemanticSplit split) => split == SemanticSplit.Train ? "trn" : SemanticFiles.SplitName(split);

    /// <summary>The dataset folder: <c>ROOT/SPair-71k</c> when it exists, else ROOT.</summary>
    public static string DatasetFolder(string root)
    {
        SemanticFiles.Require(root, "SPair-71k", Script);
        var inner = Path.Combine(root, "SPair-71k");
        return Directory.Exists(inner) ? inner : root;
    }

    /// <summary>
    /// Lists the pairs of <paramref name="split"/> in the order of its layout file; ids are the pair names. Every pair
    /// carries keypoints, both boxes and its <see cref="SpairDifficulty"/>. Errors: <see cref="DirectoryNotFoundException"/>
    /// naming a missing folder and the data-script, <see cref="FileNotFoundException"/> for a missing layout file,
    /// <see cref="InvalidDataException"/> naming the layout file and line (a bad or repeated name, a missing annotation),
    /// the annotation file (see <see cref="SpairAnnotation.Read"/>) or the missing image.
    /// </summary>
    public static SemanticDatasetIndex Open(string root, SemanticSplit split, SpairLayout layout = SpairLayout.Large)
    {
        var dir = DatasetFolder(root);
        var images = SemanticFiles.Require(Path.Combine(dir, "JPEGImages"), "SPair-71k JPEGImages", Script);
        var annotations = SemanticFiles.Require(Path.Combine(dir, "PairAnnotation", SplitFolder(split)), $"SPair-71k PairAnnotation/{SplitFolder(split)}", Script);
        var layoutName = layout == SpairLayout.Large ? "large" : "small";
        var list = Path.Combine(dir, "Layout", layoutName, SplitFolder(split) + ".txt");
        if (!File.Exists(list))
            throw new FileNotFoundException($"{list}: SPair-71k layout file not found" + (Directory.Exists(list) ? " (the path is a directory)" : "") +
                $" ({SemanticFiles.Advice(Script)})", list);
        var lines = File.ReadAllLines(list);
        var pairs = new List<SemanticPair>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            var name = lines[i].Trim();
            if (name.Length == 0) continue;
            var at = $"{list}:{i + 1}";
            if (name.Length > 200 || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0 || name.Any(char.IsControl))
                throw new InvalidDataException($"{at}: \"{CsvTable.Shorten(name)}\" is not a pair name");
            if (!seen.TryAdd(name, i + 1)) throw new InvalidDataException($"{at}: pair {name} is listed twice (also line {seen[name]})");
            var json = Path.Combine(annotations, name + ".json");
            if (!File.Exists(json))
                throw new InvalidDataException($"{at}: annotation {json} of pair {name} not found (incomplete dataset? {SemanticFiles.Advice(Script)})");
            var a = SpairAnnotation.Read(json);
            var source = SemanticFiles.Image(images, Path.Combine(a.Category, a.SourceImage), json, Script);
            var target = SemanticFiles.Image(images, Path.Combine(a.Category, a.TargetImage), json, Script);
            pairs.Add(new SemanticPair(name, source, target, a.Category, split, a.SourceKeypoints, a.TargetKeypoints, a.SourceBox, a.TargetBox,
                a.Difficulty, json));
        }
        return SemanticFiles.NonEmpty($"spair71k-{SplitFolder(split)}{(layout == SpairLayout.Small ? "-small" : "")}", dir, list, pairs);
    }
}
