namespace DistillKit.Data.Flow;

/// <summary>
/// The official FlyingChairs split file <c>FlyingChairs_train_val.txt</c> (published by the dataset's authors beside the
/// archive, <see cref="FlyingChairs.SplitFileUrl"/>): one line per sample, line n (1-based) for sample <c>n</c>
/// (<c>0000n_img1.ppm</c>), holding 1 = train or 2 = validation. The official file has 22,872 lines: 22,232 ones and
/// 640 twos. The kit does not embed it (it could not be obtained offline); it reads it from the dataset folder.
/// </summary>
public static class FlyingChairsSplitFile
{
    /// <summary>Value of a training sample.</summary>
    public const int Train = 1;

    /// <summary>Value of a validation sample.</summary>
    public const int Val = 2;

    /// <summary>The values in file order (index 0 = sample 1); <see cref="InvalidDataException"/> naming the file and line
    /// on anything but 1 or 2 (blank lines at the end are ignored).</summary>
    public static int[] Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: FlyingChairs split file not found", path);
        var lines = File.ReadAllLines(path);
        int n = lines.Length;
        while (n > 0 && string.IsNullOrWhiteSpace(lines[n - 1])) n--;
        var values = new int[n];
        for (int i = 0; i < n; i++)
        {
            var s = lines[i].Trim();
            if (s is not ("1" or "2"))
                throw new InvalidDataException($"{path}: line {i + 1} is \"{lines[i]}\"; every line must be 1 (train) or 2 (validation)");
            values[i] = s[0] - '0';
        }
        if (n == 0) throw new InvalidDataException($"{path}: empty FlyingChairs split file");
        return values;
    }

    /// <summary>Writes one value (1 or 2) per line.</summary>
    public static void Write(string path, IReadOnlyList<int> values)
    {
        if (values.Any(v => v is not (Train or Val)))
            throw new ArgumentException("FlyingChairs split values must be 1 (train) or 2 (validation)", nameof(values));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllText(path, string.Concat(values.Select(v => $"{v}\n")));
    }
}
