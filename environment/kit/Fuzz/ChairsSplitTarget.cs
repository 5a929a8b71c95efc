using System.Text;
using DistillKit.Data.Flow;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// The FlyingChairs split file <c>FlyingChairs_train_val.txt</c> beside a valid tiny FlyingChairs tree:
/// <see cref="FlyingChairsSplitFile.Read"/> and <see cref="FlyingChairs.Open"/> with the file found or given. Corruptions:
/// format-blind, lines missing, extra, duplicated or garbled (other digits, signs, blanks, non-ASCII digits, a
/// megabyte-long line), encodings (CRLF, BOM, UTF-16, NUL), one value everywhere, the file missing, empty or a folder.
/// </summary>
public sealed class ChairsSplitTarget : FuzzTarget
{
    string? _template;

    public override string Name => "chairs-split";

    static string Root(string splitFile) => Path.GetDirectoryName(Path.GetDirectoryName(splitFile))!;

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        new("FlyingChairsSplitFile.Read", p => FlyingChairsSplitFile.Read(p)),
        new("FlyingChairs.Open(train), file found", p => FlyingChairs.Open(Root(p), FlyingChairsSplit.Train)),
        new("FlyingChairs.Open(val), file given", p => FlyingChairs.Open(Root(p), FlyingChairsSplit.Val, p)),
    ];

    public override IReadOnlyList<string> WriteSeeds(string dir)
    {
        _template = Path.Combine(dir, "dataset");
        FlyingChairsTarget.BuildChairs(_template);
        return [Path.Combine(_template, "FlyingChairs_release", FlyingChairs.SplitFileName)];
    }

    static readonly string[] OddLines = ["3", "0", "", " 1 ", "1 2", "x", "١", "+1", "01", "1.0", "\t2", "2\r", "-1", "11"];

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        if (_template is null) WriteSeeds(Directory.CreateTempSubdirectory("dk-fuzz-template-").FullName);
        var root = Path.Combine(dir, "dataset");
        FolderMutations.Copy(_template!, root);
        var path = Path.Combine(root, "FlyingChairs_release", FlyingChairs.SplitFileName);
        var lines = File.ReadAllLines(path).ToList();
        string what;
        switch (rng.Next(6))
        {
            case 0:
                var m = ByteMutations.Any(File.ReadAllBytes(path), rng);
                File.WriteAllBytes(path, m.Bytes);
                what = m.What;
                break;
            case 1:
                int i = rng.Next(lines.Count);
                var odd = OddLines[rng.Next(OddLines.Length)];
                what = rng.Next(3) switch
                {
                    0 => $"line {i + 1} removed",
                    1 => $"line {i + 1} duplicated",
                    _ => $"line {i + 1} is '{odd.ReplaceLineEndings("\\n").Replace("\t", "\\t").Replace("\r", "\\r")}'",
                };
                if (what.EndsWith("removed")) lines.RemoveAt(i);
                else if (what.EndsWith("duplicated")) lines.Insert(i, lines[i]);
                else lines[i] = odd;
                File.WriteAllText(path, string.Join("\n", lines) + "\n");
                break;
            case 2:
                var extra = rng.Next(2) == 0 ? string.Concat(Enumerable.Repeat("1\n", 1000)) : new string('1', 1 << 20) + "\n";
                File.AppendAllText(path, extra);
                what = extra.Length > 2000 ? "a line of a million characters appended" : "1000 extra lines";
                break;
            case 3:
                var text = string.Join("\n", lines) + "\n";
                (what, var bytes) = rng.Next(5) switch
                {
                    0 => ("CRLF line ends", Encoding.ASCII.GetBytes(text.Replace("\n", "\r\n"))),
                    1 => ("a UTF-8 byte-order mark", (byte[])[0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(text)]),
                    2 => ("UTF-16 with a byte-order mark", (byte[])[.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]),
                    3 => ("UTF-16 without a byte-order mark", Encoding.Unicode.GetBytes(text)),
                    _ => ("NUL bytes between the lines", Encoding.ASCII.GetBytes(text.Replace("\n", "\n\0"))),
                };
                File.WriteAllBytes(path, bytes);
                break;
            case 4:
                int v = rng.Next(1, 3);
                File.WriteAllText(path, string.Concat(lines.Select(_ => $"{v}\n")));
                what = $"every sample marked {v}";
                break;
            default:
                File.Delete(path);
                switch (rng.Next(4))
                {
                    case 0: what = "missing"; break;
                    case 1: File.WriteAllBytes(path, []); what = "empty"; break;
                    case 2: Directory.CreateDirectory(path); what = "a folder"; break;
                    default: File.CreateSymbolicLink(path, path + ".gone"); what = "a dangling symbolic link"; break;
                }
                break;
        }
        var folder = Path.GetDirectoryName(path)!;
        return new FuzzCase(path, "split file: " + what, false, message => message.Contains(path) || !File.Exists(path) && message.Contains(folder));
    }
}
