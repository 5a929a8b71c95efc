using System.Text;
using DistillKit.Data.Semantic;
using DistillKit.Imaging;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// A semantic dataset's pair file (CSV) inside a valid tiny dataset tree: each case copies the tree and corrupts the
/// pair file; the readers open the index (the file found, and the file given) and load every pair's images. Corruptions:
/// format-blind bytes; lines removed, duplicated, swapped; a field replaced by odd text (empty, NaN, −1, infinities,
/// huge numbers, stray quotes, non-ASCII digits, paths to folders, to non-images or outside the tree, a 100,000-character
/// value); fields added or removed; keypoint lists lengthened or shortened; encodings (CRLF, CR, BOM, UTF-16, NUL); a
/// thousand extra rows or a megabyte-long line; the file missing, empty, a folder or a dangling link. The first cases are
/// crafted ones that prove a guard. An error must name the pair file (or, when it is gone, its folder).
/// </summary>
public abstract class PairFileTarget : FuzzTarget
{
    string? _template, _pairFile;

    /// <summary>Writes the valid tree under <paramref name="root"/>; the pair file's path relative to it.</summary>
    protected abstract string Build(string root);

    /// <summary>Fixed corruptions of the pair file's lines (proving a guard): (lines, what, text every error must contain).</summary>
    protected abstract IReadOnlyList<Func<List<string>, (List<string> Lines, string What, string Expect)>> Crafted { get; }

    static readonly string[] OddFields =
    [
        "", " ", "x", "nan", "NaN;1", "-1", "-1;-1", "1e400", "1e30", "-0", "1;2;3;4;5;6;7;8;9", ";", "1;;2", "\"", "\"a\"\"b\"", "١", "0x10", "+3",
        " 2 ", "2.0", "21", "0", "-5", "Infinity", ".", "/", "..", "../../no-such.jpg", "PF-dataset-PASCAL/JPEGImages", "test_pairs_pf_pascal.csv",
        "test_pairs_pf.csv", "PF-dataset", "a\tb", new string('7', 100_000),
    ];

    public override IReadOnlyList<string> WriteSeeds(string dir)
    {
        _template = Path.Combine(dir, "dataset");
        _pairFile = Build(_template);
        return [Path.Combine(_template, _pairFile)];
    }

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        if (_template is null) WriteSeeds(Directory.CreateTempSubdirectory("dk-fuzz-template-").FullName);
        var root = Path.Combine(dir, "dataset");
        FolderMutations.Copy(_template!, root);
        var path = Path.Combine(root, _pairFile!);
        var lines = File.ReadAllLines(path).ToList();
        string what;
        string? expect = null;
        if (index < Crafted.Count)
        {
            (lines, what, expect) = Crafted[index](lines);
            File.WriteAllText(path, string.Join("\n", lines) + "\n");
        }
        else what = Corrupt(path, lines, rng);
        var folder = Path.GetDirectoryName(path)!;
        return new FuzzCase(path, "pair file: " + what, expect is not null,
            message => message.Contains(path) || !File.Exists(path) && message.Contains(folder), expect);
    }

    static string Corrupt(string path, List<string> lines, Random rng)
    {
        void Save() => File.WriteAllText(path, string.Join("\n", lines) + "\n");
        int i = rng.Next(lines.Count), j = rng.Next(lines.Count);
        var fields = lines[i].Split(',').ToList();
        int f = rng.Next(fields.Count);
        switch (rng.Next(8))
        {
            case 0:
            {
                var m = ByteMutations.Any(File.ReadAllBytes(path), rng);
                File.WriteAllBytes(path, m.Bytes);
                return m.What;
            }
            case 1:
            {
                var what = rng.Next(3) switch { 0 => $"line {i + 1} removed", 1 => $"line {i + 1} duplicated", _ => $"lines {i + 1} and {j + 1} swapped" };
                if (what.EndsWith("removed")) lines.RemoveAt(i);
                else if (what.EndsWith("duplicated")) lines.Insert(i, lines[i]);
                else (lines[i], lines[j]) = (lines[j], lines[i]);
                Save();
                return what;
            }
            case 2:
            {
                var odd = OddFields[rng.Next(OddFields.Length)];
                fields[f] = odd;
                lines[i] = string.Join(",", fields);
                Save();
                return $"line {i + 1} field {f + 1} is '{(odd.Length > 40 ? $"{odd.Length} characters" : odd.Replace("\t", "\\t"))}'";
            }
            case 3:
            {
                bool add = rng.Next(2) == 0;
                if (add) fields.Insert(f, "1");
                else fields.RemoveAt(f);
                lines[i] = string.Join(",", fields);
                Save();
                return $"line {i + 1}: field {f + 1} {(add ? "inserted" : "removed")}";
            }
            case 4:
            {
                var items = fields[f].Split(';').ToList();
                bool add = rng.Next(2) == 0 || items.Count == 1;
                if (add) items.Add(rng.Next(2) == 0 ? "3" : "-1");
                else items.RemoveAt(items.Count - 1);
                fields[f] = string.Join(";", items);
                lines[i] = string.Join(",", fields);
                Save();
                return $"line {i + 1} field {f + 1}: a list item {(add ? "added" : "removed")}";
            }
            case 5:
            {
                var text = string.Join("\n", lines) + "\n";
                var (what, bytes) = rng.Next(6) switch
                {
                    0 => ("CRLF line ends", Encoding.ASCII.GetBytes(text.Replace("\n", "\r\n"))),
                    1 => ("CR line ends", Encoding.ASCII.GetBytes(text.Replace("\n", "\r"))),
                    2 => ("a UTF-8 byte-order mark", (byte[])[0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(text)]),
                    3 => ("UTF-16 with a byte-order mark", (byte[])[.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]),
                    4 => ("UTF-16 without a byte-order mark", Encoding.Unicode.GetBytes(text)),
                    _ => ("NUL bytes after the commas", Encoding.ASCII.GetBytes(text.Replace(",", ",\0"))),
                };
                File.WriteAllBytes(path, bytes);
                return what;
            }
            case 6:
            {
                bool many = rng.Next(2) == 0;
                File.AppendAllText(path, many ? string.Concat(Enumerable.Repeat(lines[^1] + "\n", 1000)) : new string('1', 1 << 20) + "\n");
                return many ? "the last row repeated 1000 times" : "a line of a million characters appended";
            }
            default:
                File.Delete(path);
                switch (rng.Next(4))
                {
                    case 0: return "missing";
                    case 1: File.WriteAllBytes(path, []); return "empty";
                    case 2: Directory.CreateDirectory(path); return "a folder";
                    default: File.CreateSymbolicLink(path, path + ".gone"); return "a dangling symbolic link";
                }
        }
    }

    /// <summary>A reader that opens an index with <paramref name="open"/> (given the pair file's path) and loads every pair.</summary>
    protected static ReaderCall OpenAndLoad(string name, Func<string, SemanticDatasetIndex> open) => new($"{name} + SemanticPairLoader.Load", path =>
    {
        foreach (var pair in open(path)) SemanticPairLoader.Load(pair).Dispose();
    });

    /// <summary>A w×h RGB image file (JPEG or PNG by extension), different for each <paramref name="seed"/>.</summary>
    protected static void WriteImage(string path, int w, int h, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ImageIO.Write(path, Image.FromBytes(w, h, 3, Enumerable.Range(0, w * h * 3).Select(i => (byte)(i * 29 + seed * 53)).ToArray()));
    }

    /// <summary>Writes <paramref name="text"/> at ROOT/<paramref name="relative"/>; returns <paramref name="relative"/>.</summary>
    protected static string WriteText(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return relative;
    }
}

/// <summary>PF-PASCAL's test pair file (<see cref="PfPascal.Open"/>), beside a val file and three JPEGs.</summary>
public sealed class PfPascalCsvTarget : PairFileTarget
{
    public override string Name => "pf-pascal-csv";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("PfPascal.Open(test), file found", p => PfPascal.Open(Path.GetDirectoryName(p)!, SemanticSplit.Test)),
        OpenAndLoad("PfPascal.Open(val), test file given", p => PfPascal.Open(Path.GetDirectoryName(p)!, SemanticSplit.Val, p)),
    ];

    static string Jpg(int n) => $"PF-dataset-PASCAL/JPEGImages/2008_{n:D6}.jpg";

    protected override string Build(string root)
    {
        WriteImage(Path.Combine(root, Jpg(1)), 6, 4, 1);
        WriteImage(Path.Combine(root, Jpg(2)), 5, 5, 2);
        WriteImage(Path.Combine(root, Jpg(3)), 4, 3, 3);
        WriteText(root, "val_pairs_pf_pascal.csv", $"source_image,target_image,class,XA,YA,XB,YB\n{Jpg(2)},{Jpg(3)},1,1;2,1;2,3;2,0;1\n");
        return WriteText(root, "test_pairs_pf_pascal.csv", "source_image,target_image,class,XA,YA,XB,YB\n" +
            $"{Jpg(1)},{Jpg(2)},7,1;2.5;3,1;2;3,4;5;-1,0;1;-1\n{Jpg(3)},{Jpg(1)},12,0.5,1.5,5,2\n\"{Jpg(2)}\",{Jpg(1)},20,1;2,3;4,5;1,2;3\n");
    }

    protected override IReadOnlyList<Func<List<string>, (List<string>, string, string)>> Crafted { get; } =
    [
        l => ([l[0], l[1].Replace(",4;5;-1,", ",4;5,")], "XB one value short", "keypoint count mismatch"),
        l => ([l[0], l[2].Replace(",12,", ",0,")], "class 0", "PASCAL VOC class"),
        l => ([l[0], l[2][..l[2].LastIndexOf(',')]], "a row one field short", "fields, but the header"),
        l => ([l[0], l[2].Replace(",0.5,", ",-1,")], "the only keypoint padded", "no valid keypoint"),
    ];
}

/// <summary>PF-WILLOW's pair file (<see cref="PfWillow.Open"/>) with 4 keypoint columns per set, beside four PNGs.</summary>
public sealed class PfWillowCsvTarget : PairFileTarget
{
    public override string Name => "pf-willow-csv";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("PfWillow.Open, file found", p => PfWillow.Open(Path.GetDirectoryName(p)!)),
        OpenAndLoad("PfWillow.Open, file given", p => PfWillow.Open(Path.GetDirectoryName(p)!, p)),
    ];

    const string Header = "imageA,imageB,XA1,XA2,XA3,XA4,YA1,YA2,YA3,YA4,XB1,XB2,XB3,XB4,YB1,YB2,YB3,YB4";

    protected override string Build(string root)
    {
        WriteImage(Path.Combine(root, "PF-dataset", "car(G)", "car_001.png"), 6, 4, 1);
        WriteImage(Path.Combine(root, "PF-dataset", "car(G)", "car_002.png"), 5, 4, 2);
        WriteImage(Path.Combine(root, "PF-dataset", "duck(S)", "duck_001.png"), 4, 4, 3);
        WriteImage(Path.Combine(root, "PF-dataset", "duck(S)", "duck_002.png"), 4, 5, 4);
        return WriteText(root, "test_pairs_pf.csv", $"{Header}\n" +
            "PF-dataset/car(G)/car_001.png,PF-dataset/car(G)/car_002.png,1,2,3,-1,1,2,3,-1,1,2,3,-1,1,2,3,-1\n" +
            "PF-dataset/duck(S)/duck_001.png,PF-dataset/duck(S)/duck_002.png,1,2,3,4,1,NaN,3,4,1,2,3,,1,2,3,4\n");
    }

    protected override IReadOnlyList<Func<List<string>, (List<string>, string, string)>> Crafted { get; } =
    [
        l => ([l[0].Replace(",YB2", ",YB5"), l[1]], "header YB2 renamed YB5", "YB columns"),
        l => ([l[0], l[1].Replace(",1,2,3,-1,1,2,3,-1,", ",-1,-1,-1,-1,-1,-1,-1,-1,")], "every source keypoint padded", "no keypoint is valid"),
        l => ([l[0], l[2].Replace(",NaN,", ",Infinity,")], "an infinite coordinate", "not a finite pixel coordinate"),
    ];
}
