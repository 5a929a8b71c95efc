namespace DistillKit.Data.Flow;

/// <summary>Folder checks and file-name parsing shared by the real flow dataset indexes; errors name the path and the data-script.</summary>
internal static class DatasetFolders
{
    /// <summary>The advice every "not found" error ends with.</summary>
    internal static string Advice(string script, string? extra = null) =>
        $"run data-scripts/{script} {(extra is null ? "" : extra + " ")}DEST (needs internet) and pass DEST; see data-scripts/README.md";

    /// <summary><paramref name="path"/> itself; <see cref="DirectoryNotFoundException"/> naming it and the script when it is missing.</summary>
    internal static string Require(string path, string what, string script, string? scriptArgs = null)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{what} folder not found: {path} ({Advice(script, scriptArgs)})");
        return path;
    }

    /// <summary>
    /// <paramref name="path"/> itself; <see cref="InvalidDataException"/> naming it, and the frame files that made the
    /// pair (<paramref name="frames"/>), when the file a pair needs is missing.
    /// </summary>
    internal static string RequireFile(string path, string pairId, string script, string frames)
    {
        if (!File.Exists(path)) // the frames: a stray frame file makes a pair whose other files never existed
            throw new InvalidDataException($"{path}: file missing for pair {pairId} of {frames} (incomplete dataset? {Advice(script)})");
        return path;
    }

    /// <summary>The index, or <see cref="InvalidDataException"/> naming <paramref name="folder"/> when no pair was found.</summary>
    internal static FlowDatasetIndex NonEmpty(string name, string root, string folder, List<FlowPair> pairs, string script, string? scriptArgs = null)
    {
        if (pairs.Count == 0)
            throw new InvalidDataException($"{name}: no image pairs found in {folder} ({Advice(script, scriptArgs)})");
        return new FlowDatasetIndex(name, Path.GetFullPath(root), pairs);
    }

    /// <summary>
    /// Files in <paramref name="folder"/> named <c>{prefix}{digits}{suffix}</c> (ordinal, case-sensitive), as (number,
    /// digits as written, full path), sorted by number.
    /// </summary>
    internal static List<(int Number, string Digits, string Path)> Numbered(string folder, string prefix, string suffix)
    {
        var found = new List<(int, string, string)>();
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var file = Path.GetFileName(path);
            if (!file.StartsWith(prefix, StringComparison.Ordinal) || !file.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var digits = file[prefix.Length..^suffix.Length];
            if (digits.Length == 0 || digits.Length > 9 || !digits.All(char.IsAsciiDigit)) continue;
            found.Add((int.Parse(digits), digits, path));
        }
        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>Subfolders of <paramref name="folder"/>, sorted by name (ordinal).</summary>
    internal static List<string> Subfolders(string folder)
    {
        var dirs = Directory.EnumerateDirectories(folder).ToList();
        dirs.Sort(StringComparer.Ordinal);
        return dirs;
    }
}
