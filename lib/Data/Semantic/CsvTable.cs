using System.Globalization;
using System.Text;

namespace DistillKit.Data.Semantic;

/// <summary>
/// A comma-separated table as the semantic datasets' pair files hold it: a header line, then one row per line. Fields may
/// be quoted (<c>"a,b"</c>, <c>""</c> for a quote) but never span lines; blank lines are skipped; CRLF line ends and a
/// UTF-8 byte-order mark are accepted. Every error is an <see cref="InvalidDataException"/> naming the file and line.
/// </summary>
internal sealed class CsvTable
{
    CsvTable(string path, string[] header, List<(int Line, string[] Fields)> rows) => (Path, Header, Rows) = (path, header, rows);

    public string Path { get; }

    /// <summary>The header's field names, trimmed.</summary>
    public string[] Header { get; }

    /// <summary>The data rows with their 1-based line numbers; each has exactly <see cref="Header"/>.Length fields.</summary>
    public List<(int Line, string[] Fields)> Rows { get; }

    /// <summary>Reads <paramref name="path"/>; <see cref="FileNotFoundException"/> when it is missing.</summary>
    public static CsvTable Read(string path, string what)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: {what} not found" + (Directory.Exists(path) ? " (the path is a directory)" : ""), path);
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path)); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{path}: {what} is not UTF-8 text ({e.Message})", e); }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        string[]? header = null;
        var rows = new List<(int, string[])>();
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = Split(line, path, i + 1);
            if (header is null)
            {
                header = fields.Select(f => f.Trim()).ToArray();
                continue;
            }
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{path}:{i + 1}: {fields.Length} fields, but the header (line 1) has {header.Length}");
            rows.Add((i + 1, fields));
        }
        if (header is null) throw new InvalidDataException($"{path}: empty {what} (no header line)");
        return new CsvTable(path, header, rows);
    }

    /// <summary>The index of column <paramref name="name"/> (case-insensitive), or −1.</summary>
    public int Find(string name) => Array.FindIndex(Header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The index of column <paramref name="name"/>; <see cref="InvalidDataException"/> naming the file when absent.</summary>
    public int Require(string name, string format)
    {
        int i = Find(name);
        if (i < 0) throw new InvalidDataException($"{Path}:1: no column '{name}' in the header ({string.Join(",", Header.Take(12))}{(Header.Length > 12 ? ",…" : "")}); expected {format}");
        if (Array.FindLastIndex(Header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase)) != i)
            throw new InvalidDataException($"{Path}:1: column '{name}' appears twice in the header");
        return i;
    }

    /// <summary>A number of field <paramref name="column"/> (invariant culture); NaN for an empty field or "NaN" when
    /// <paramref name="missingAsNaN"/>; an infinity or other text is an error naming the line.</summary>
    public static float Number(string field, string path, int line, string column, bool missingAsNaN)
    {
        var s = field.Trim();
        if (missingAsNaN && (s.Length == 0 || s.Equals("nan", StringComparison.OrdinalIgnoreCase))) return float.NaN;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || Math.Abs(v) > 1e7)
            throw new InvalidDataException($"{path}:{line}: column {column} holds \"{Shorten(s)}\", not a finite pixel coordinate");
        return (float)v;
    }

    /// <summary>A <c>;</c>-separated list of numbers (empty = no values).</summary>
    public static float[] Numbers(string field, string path, int line, string column)
    {
        var s = field.Trim();
        if (s.Length == 0) return [];
        return s.Split(';').Select(x => Number(x, path, line, column, missingAsNaN: false)).ToArray();
    }

    /// <summary>A path field: trimmed, 1 to 4,096 characters, without control characters.</summary>
    public static string PathField(string field, string path, int line, string column)
    {
        var s = field.Trim();
        if (s.Length == 0 || s.Length > 4096 || s.Any(char.IsControl))
            throw new InvalidDataException($"{path}:{line}: column {column} holds \"{Shorten(s)}\", not an image path");
        return s;
    }

    internal static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    static string[] Split(string line, string path, int number)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, wasQuoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); wasQuoted = false; }
            else if (c == '"' && field.ToString().Trim().Length == 0 && !wasQuoted) { field.Clear(); quoted = wasQuoted = true; }
            else if (c == '"') throw new InvalidDataException($"{path}:{number}: stray quote in field {fields.Count + 1}");
            else field.Append(c);
        }
        if (quoted) throw new InvalidDataException($"{path}:{number}: quote not closed before the end of the line");
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
