using System.Text.RegularExpressions;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// The .NET Interactive magic commands a code cell may start with: <c>#!csharp</c> (stripped), <c>#!time</c>
/// (report the cell's wall time), <c>#!markdown</c> (the rest of the cell is markdown). Magic lines are blanked,
/// not removed, so compiler line numbers still match the cell. Any other magic is reported in <see cref="Unsupported"/>.
/// </summary>
public sealed record CellMagic(string Code, bool IsMarkdown, bool Time, string? Unsupported = null)
{
    static readonly Regex NuGetReference = new(@"^\s*#r\s+""nuget:\s*([^""]*)""", RegexOptions.Multiline);

    /// <summary>Splits the leading magic lines of <paramref name="source"/> from its code.</summary>
    public static CellMagic Parse(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        bool time = false;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            if (!line.StartsWith("#!")) break;
            switch (line)
            {
                case "#!markdown": return new CellMagic(string.Join("\n", lines[(i + 1)..]), IsMarkdown: true, Time: false);
                case "#!csharp" or "#!c#" or "#!C#": lines[i] = ""; break;
                case "#!time": time = true; lines[i] = ""; break;
                default: return new CellMagic(source, IsMarkdown: false, Time: false, Unsupported: line);
            }
        }
        return new CellMagic(string.Join("\n", lines), IsMarkdown: false, Time: time);
    }

    /// <summary>The package names of any <c>#r "nuget:..."</c> lines (packages cannot be downloaded when notebooks run here).</summary>
    public IReadOnlyList<string> NuGetPackages => NuGetReference.Matches(Code).Select(m => m.Groups[1].Value.Trim()).ToList();
}
