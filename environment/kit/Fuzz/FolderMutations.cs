using DistillKit.Imaging;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Corruptions of a dataset folder: files and folders deleted, emptied, damaged, renamed, swapped or turned into each
/// other; stray files (other sizes, other formats, empty, dangling symbolic links); symbolic-link loops.
/// </summary>
public static class FolderMutations
{
    /// <summary>Recursive listing that does not follow symbolic links (a crafted loop must not hang the fuzz itself).</summary>
    public static readonly EnumerationOptions NoLinks = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };

    /// <summary>One or two corruptions of the folder tree under <paramref name="root"/>: what was done, and the paths touched.</summary>
    public static (string What, List<string> Touched) Apply(string root, Random rng)
    {
        var what = new List<string>();
        var touched = new List<string>();
        for (int n = rng.Next(3) == 0 ? 2 : 1; n > 0; n--) what.Add(Once(root, rng, touched));
        return (string.Join("; ", what), touched);
    }

    static string Once(string root, Random rng, List<string> touched)
    {
        var files = Directory.EnumerateFiles(root, "*", NoLinks).Order(StringComparer.Ordinal).ToList();
        var dirs = Directory.EnumerateDirectories(root, "*", NoLinks).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0 || dirs.Count == 0) return "nothing left to corrupt";
        var f = files[rng.Next(files.Count)];
        var d = dirs[rng.Next(dirs.Count)];
        string Rel(string p) => Path.GetRelativePath(root, p);
        switch (rng.Next(10))
        {
            case 0: File.Delete(f); touched.Add(f); return $"{Rel(f)} deleted";
            case 1: Directory.Delete(d, true); touched.Add(d); return $"folder {Rel(d)} deleted";
            case 2: File.WriteAllBytes(f, []); touched.Add(f); return $"{Rel(f)} emptied";
            case 3:
            {
                var m = ByteMutations.Any(File.ReadAllBytes(f), rng);
                File.WriteAllBytes(f, m.Bytes);
                touched.Add(f);
                return $"{Rel(f)}: {m.What}";
            }
            case 4: File.Delete(f); Directory.CreateDirectory(f); touched.Add(f); return $"{Rel(f)} replaced by a folder";
            case 5: Directory.Delete(d, true); File.WriteAllBytes(d, [1, 2, 3]); touched.Add(d); return $"folder {Rel(d)} replaced by a file";
            case 6:
            {
                var to = Path.Combine(Path.GetDirectoryName(f)!, Renamed(Path.GetFileName(f), rng));
                if (File.Exists(to) || Directory.Exists(to)) return $"{Rel(f)} kept (rename target exists)";
                File.Move(f, to);
                touched.AddRange([f, to]);
                return $"{Rel(f)} renamed {Path.GetFileName(to)}";
            }
            case 7: return Stray(root, f, rng, touched);
            case 8:
            {
                var g = files[rng.Next(files.Count)];
                var (a, b) = (File.ReadAllBytes(f), File.ReadAllBytes(g));
                File.WriteAllBytes(f, b);
                File.WriteAllBytes(g, a);
                touched.AddRange([f, g]);
                return $"{Rel(f)} and {Rel(g)} swapped";
            }
            default:
            {
                var link = Path.Combine(d, "loop");
                while (Path.Exists(link)) link += "+";
                Directory.CreateSymbolicLink(link, rng.Next(2) == 0 ? root : Path.GetDirectoryName(d)!);
                touched.Add(link);
                return $"symbolic-link loop {Rel(link)}";
            }
        }
    }

    /// <summary>Another name modelled on <paramref name="name"/>: its number changed (also to 10 digits), its extension's case, a suffix.</summary>
    static string Renamed(string name, Random rng)
    {
        int i = name.IndexOfAny("0123456789".ToCharArray()), j = i;
        while (j >= 0 && j < name.Length && char.IsAsciiDigit(name[j])) j++;
        var digits = i < 0 ? "" : name[i..j];
        string Number(string n) => i < 0 ? n + name : name[..i] + n + name[j..];
        return rng.Next(6) switch
        {
            0 when digits.Length > 0 => Number((long.Parse(digits) + 7).ToString().PadLeft(digits.Length, '0')),
            1 when digits.Length > 0 => Number("9999999999"),
            2 when digits.Length > 0 => Number("0" + digits),
            3 => Path.ChangeExtension(name, Path.GetExtension(name).ToUpperInvariant()),
            4 => name + ".bak",
            _ => " " + name,
        };
    }

    /// <summary>A stray entry beside <paramref name="like"/>, named as the next number of it.</summary>
    static string Stray(string root, string like, Random rng, List<string> touched)
    {
        var dir = Path.GetDirectoryName(like)!;
        var name = Path.GetFileName(like);
        int i = name.IndexOfAny("0123456789".ToCharArray()), j = i;
        while (j >= 0 && j < name.Length && char.IsAsciiDigit(name[j])) j++;
        var next = i < 0 ? "9" + name : name[..i] + (long.Parse(name[i..j]) + 1).ToString().PadLeft(j - i, '0') + name[j..];
        var path = Path.Combine(dir, next);
        if (File.Exists(path) || Directory.Exists(path)) path = Path.Combine(dir, "x" + next);
        touched.Add(path);
        var rel = Path.GetRelativePath(root, path);
        switch (rng.Next(5))
        {
            case 0: File.WriteAllBytes(path, []); return $"empty {rel} added";
            case 1: Png.Write(path, Image.Blank(5, 2, 3)); return $"5×2 PNG {rel} added";
            case 2: File.CreateSymbolicLink(path, Path.Combine(dir, "no-such-file")); return $"dangling symbolic link {rel} added";
            case 3: Directory.CreateDirectory(path); return $"folder {rel} added";
            default: var junk = new byte[rng.Next(1, 200)]; rng.NextBytes(junk); File.WriteAllBytes(path, junk); return $"{junk.Length} random bytes as {rel} added";
        }
    }

    /// <summary>Copies a folder tree (symbolic links are not followed).</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", NoLinks))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        foreach (var dir in Directory.EnumerateDirectories(from, "*", NoLinks)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
    }
}
