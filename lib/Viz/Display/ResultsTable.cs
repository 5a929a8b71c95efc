using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace DistillKit.Viz.Display;

/// <summary>One row of a <see cref="ResultsTable"/>: a name and its values by column.</summary>
public sealed record ResultsRow(string Name, IReadOnlyDictionary<string, object?> Values);

/// <summary>
/// A metrics table for notebooks and reports: named rows (a model, a stage, a dataset) of named values (EPE, Fl,
/// PCK...). Columns appear in the order first seen. Shown as <c>text/html</c> and aligned <c>text/plain</c>; numbers
/// are written with <see cref="NumberFormat"/> (invariant culture), missing values as "–".
/// </summary>
[TypeFormatterSource(typeof(ResultsTableFormatterSource))]
public sealed class ResultsTable
{
    readonly List<ResultsRow> _rows = [];
    readonly List<string> _columns = [];

    public ResultsTable(string? title = null) => Title = title;

    public string? Title { get; }

    /// <summary>.NET format string for floating-point values (default "0.####").</summary>
    public string NumberFormat { get; set; } = "0.####";

    public IReadOnlyList<string> Columns => _columns;
    public IReadOnlyList<ResultsRow> Rows => _rows;

    /// <summary>Adds a row; returns this table for chaining.</summary>
    public ResultsTable Add(string name, params (string Column, object? Value)[] values)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var (column, value) in values)
        {
            if (!dict.TryAdd(column, value)) throw new ArgumentException($"column '{column}' given twice in row '{name}'");
            if (!_columns.Contains(column)) _columns.Add(column);
        }
        _rows.Add(new ResultsRow(name, dict));
        return this;
    }

    /// <summary>Adds a row from the public properties of a record (e.g. a metrics result); returns this table.</summary>
    public ResultsTable AddRecord(string name, object record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var props = record.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => (p.Name, p.GetValue(record)));
        return Add(name, props.ToArray());
    }

    /// <summary>The value in row <paramref name="row"/> and column <paramref name="column"/> (null when missing).</summary>
    public object? this[string row, string column] =>
        (_rows.FirstOrDefault(r => r.Name == row) ?? throw new KeyNotFoundException($"no row '{row}'")).Values.GetValueOrDefault(column);

    /// <summary>A value as shown in the table.</summary>
    public string FormatValue(object? value) => value switch
    {
        null => "–",
        double d => double.IsNaN(d) ? "nan" : d.ToString(NumberFormat, CultureInfo.InvariantCulture),
        float f => float.IsNaN(f) ? "nan" : f.ToString(NumberFormat, CultureInfo.InvariantCulture),
        IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>An HTML table (header row of column names, one row per entry).</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder("<table class=\"dk-results\">");
        if (Title is not null) sb.Append("<caption>").Append(WebUtility.HtmlEncode(Title)).Append("</caption>");
        sb.Append("<thead><tr><th></th>");
        foreach (var c in _columns) sb.Append("<th>").Append(WebUtility.HtmlEncode(c)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in _rows)
        {
            sb.Append("<tr><th style=\"text-align:left\">").Append(WebUtility.HtmlEncode(r.Name)).Append("</th>");
            foreach (var c in _columns)
                sb.Append("<td style=\"text-align:right\">").Append(WebUtility.HtmlEncode(FormatValue(r.Values.GetValueOrDefault(c)))).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>Plain text: names left-aligned, values right-aligned, columns separated by two spaces.</summary>
    public string ToText()
    {
        var header = new List<string> { "" };
        header.AddRange(_columns);
        var cells = new List<List<string>> { header };
        foreach (var r in _rows)
        {
            var line = new List<string> { r.Name };
            line.AddRange(_columns.Select(c => FormatValue(r.Values.GetValueOrDefault(c))));
            cells.Add(line);
        }
        var widths = Enumerable.Range(0, header.Count).Select(i => cells.Max(l => l[i].Length)).ToArray();
        var sb = new StringBuilder();
        if (Title is not null) sb.AppendLine(Title);
        foreach (var line in cells)
            sb.AppendLine(string.Join("  ", line.Select((s, i) => i == 0 ? s.PadRight(widths[i]) : s.PadLeft(widths[i]))).TrimEnd());
        return sb.ToString().TrimEnd('\n', '\r');
    }

    public override string ToString() => ToText();
}

/// <summary>Display formatters for <see cref="ResultsTable"/>: <c>text/html</c> and <c>text/plain</c>.</summary>
public sealed class ResultsTableFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new TypeFormatter(typeof(ResultsTable), "text/html", (o, w) => { w.Write(((ResultsTable)o).ToHtml()); return true; });
        yield return new TypeFormatter(typeof(ResultsTable), "text/plain", (o, w) => { w.Write(((ResultsTable)o).ToText()); return true; });
    }
}
