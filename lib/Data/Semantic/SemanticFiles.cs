namespace DistillKit.Data.Semantic;

/// <summary>Checks shared by the semantic dataset readers; every error names the file (and line) at fault.</summary>
internal static class SemanticFiles
{
    /// <summary>The advice every "not found" error ends with (these data-scripts say what to fetch by hand, then check it).</summary>
    internal static string Advice(string script) =>
        $"run data-scripts/{script} DEST: it says what to fetch and where to put it, then checks it; pass DEST (see data-scripts/README.md)";

    /// <summary><paramref name="path"/> itself; <see cref="DirectoryNotFoundException"/> naming it and the script when it is missing.</summary>
    internal static string Require(string path, string what, string script)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{what} folder not found: {path} ({Advice(script)})");
        return path;
    }

    /// <summary>True for a coordinate the datasets use to mark a missing keypoint: NaN or −1 (padding).</summary>
    internal static bool Missing(float v) => float.IsNaN(v) || v == -1;

    /// <summary>
    /// The correspondences (xa[i], ya[i]) ↔ (xb[i], yb[i]) whose four coordinates are all present, as two <c>float[N,2]</c>;
    /// a keypoint missing on either side drops the correspondence.
    /// </summary>
    internal static (float[,] Source, float[,] Target) Correspondences(float[] xa, float[] ya, float[] xb, float[] yb)
    {
        var keep = Enumerable.Range(0, xa.Length).Where(i => !Missing(xa[i]) && !Missing(ya[i]) && !Missing(xb[i]) && !Missing(yb[i])).ToList();
        var a = new float[keep.Count, 2];
        var b = new float[keep.Count, 2];
        for (int k = 0; k < keep.Count; k++)
        {
            int i = keep[k];
            (a[k, 0], a[k, 1], b[k, 0], b[k, 1]) = (xa[i], ya[i], xb[i], yb[i]);
        }
        return (a, b);
    }

    /// <summary>The image <paramref name="relative"/> (as written in the pair file) under <paramref name="root"/>;
    /// <see cref="InvalidDataException"/> naming the pair file's line and the path when the file does not exist.</summary>
    internal static string Image(string root, string relative, string listedAt, string script)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        if (!File.Exists(path))
            throw new InvalidDataException($"{listedAt}: image {relative} not found at {path}" +
                (Directory.Exists(path) ? " (the path is a directory)" : "") + $" (incomplete dataset? {Advice(script)})");
        return path;
    }

    /// <summary>The first of <paramref name="names"/> found in one of <paramref name="folders"/> (folders first), or
    /// <paramref name="given"/> when not null; <see cref="FileNotFoundException"/> listing every place tried.</summary>
    internal static string Find(string? given, IEnumerable<string> folders, IReadOnlyList<string> names, string what, string script)
    {
        if (given is not null) return given;
        var tried = new List<string>();
        foreach (var folder in folders)
            foreach (var name in names)
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path)) return path;
                tried.Add(path);
            }
        throw new FileNotFoundException($"{what} not found; looked for {string.Join(", ", tried)} ({Advice(script)})", tried[0]);
    }

    /// <summary>The index, or <see cref="InvalidDataException"/> naming <paramref name="listing"/> when it lists no pair.</summary>
    internal static SemanticDatasetIndex NonEmpty(string name, string root, string listing, List<SemanticPair> pairs)
    {
        if (pairs.Count == 0) throw new InvalidDataException($"{listing}: lists no image pair");
        return new SemanticDatasetIndex(name, Path.GetFullPath(root), pairs);
    }

    internal static string SplitName(SemanticSplit split) => split.ToString().ToLowerInvariant();
}
