using System.Text.RegularExpressions;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// What the runner itself reads from a code cell before handing it to the kernel: a leading <c>#!markdown</c>
/// (the cell is markdown, shown but not run, as VS Code treats it) and <c>#r "nuget:..."</c> lines (packages cannot
/// be restored offline, so the runner fails the cell with a clear message instead of the kernel's CS0006).
/// Every other magic (<c>#!csharp</c>, <c>#!time</c>, <c>#!who</c>, ...) is the kernel's business.
/// </summary>
/// <param name="Code">The cell's source; for a markdown cell, the text after the <c>#!markdown</c> line.</param>
/// <param name="IsMarkdown">True when the first non-blank line is <c>#!markdown</c>.</param>
public sealed record CellMagic(string Code, bool IsMarkdown)
{
    static readonly Regex NuGetReference = new(@"^\s*#r\s+""nuget:\s*([^""]*)""", RegexOptions.Multiline);

    /// <summary>Reads the leading magic of <paramref name="source"/>.</summary>
    public static CellMagic Parse(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        int first = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (first >= 0 && lines[first].Trim() == "#!markdown")
            return new CellMagic(string.Join("\n", lines[(first + 1)..]), IsMarkdown: true);
        return new CellMagic(source, IsMarkdown: false);
    }

    /// <summary>The package names of any <c>#r "nuget:..."</c> lines.</summary>
    public IReadOnlyList<string> NuGetPackages => NuGetReference.Matches(Code).Select(m => m.Groups[1].Value.Trim()).ToList();
}
