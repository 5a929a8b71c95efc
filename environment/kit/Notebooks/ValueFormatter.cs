using System.Collections;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Turns a value into an nbformat mime bundle (<c>{"text/plain": ..., "image/png": ...}</c>).
/// Types carrying a <c>TypeFormatterSourceAttribute</c> (any namespace: the .NET Interactive convention,
/// matched by name so the library needs no package) format themselves; otherwise strings and
/// <see cref="HtmlString"/> map to text/plain and text/html, sequences of records or tuples to an HTML table,
/// anything else to <c>ToString()</c>.
/// </summary>
public static class ValueFormatter
{
    const int MaxRows = 100;

    /// <summary>A <c>display_data</c> output for <paramref name="value"/>.</summary>
    public static JsonObject DisplayData(object? value) => new()
    {
        ["output_type"] = "display_data",
        ["data"] = MimeBundle(value),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>An <c>execute_result</c> output (a cell's final expression) for <paramref name="value"/>.</summary>
    public static JsonObject ExecuteResult(object value, int executionCount) => new()
    {
        ["output_type"] = "execute_result",
        ["execution_count"] = executionCount,
        ["data"] = MimeBundle(value),
        ["metadata"] = new JsonObject(),
    };

    /// <summary>The mime bundle for <paramref name="value"/>; always holds <c>text/plain</c>.</summary>
    public static JsonObject MimeBundle(object? value)
    {
        var bundle = new JsonObject();
        switch (value)
        {
            case null: bundle["text/plain"] = "<null>"; break;
            case string s: bundle["text/plain"] = s; break;
            case HtmlString h: bundle["text/html"] = h.Html; break;
            default:
                if (!FromFormatterSource(value, bundle) && value is IEnumerable items && Table(items) is { } table)
                    bundle["text/html"] = table;
                break;
        }
        if (!bundle.ContainsKey("text/plain")) bundle["text/plain"] = PlainText(value);
        return bundle;
    }

    /// <summary>
    /// Applies the formatters of the first <c>TypeFormatterSourceAttribute</c> on the value's type or a base type:
    /// <c>FormatterSourceType</c> is instantiated, <c>CreateTypeFormatters()</c> called, and every formatter whose
    /// <c>bool Format(object, TextWriter)</c> returns true adds its <c>MimeType</c>.
    /// </summary>
    static bool FromFormatterSource(object value, JsonObject bundle)
    {
        var attribute = FindAttribute(value.GetType());
        if (attribute is null) return false;
        var sourceType = attribute.GetType().GetProperty("FormatterSourceType")?.GetValue(attribute) as Type
            ?? throw new InvalidOperationException($"{attribute.GetType().FullName} on {value.GetType()} has no FormatterSourceType");
        var source = Activator.CreateInstance(sourceType)!;
        var formatters = sourceType.GetMethod("CreateTypeFormatters", Type.EmptyTypes)?.Invoke(source, null) as IEnumerable
            ?? throw new InvalidOperationException($"{sourceType.FullName} has no CreateTypeFormatters() returning a sequence");
        foreach (var formatter in formatters)
        {
            var t = formatter.GetType();
            if (t.GetProperty("Type")?.GetValue(formatter) is Type applies && !applies.IsInstanceOfType(value)) continue;
            var mime = t.GetProperty("MimeType")?.GetValue(formatter) as string
                ?? throw new InvalidOperationException($"formatter {t.FullName} has no string MimeType");
            var format = t.GetMethod("Format", [typeof(object), typeof(TextWriter)])
                ?? throw new InvalidOperationException($"formatter {t.FullName} has no bool Format(object, TextWriter)");
            var writer = new StringWriter();
            bool done;
            try { done = format.Invoke(formatter, [value, writer]) is true; }
            catch (TargetInvocationException e) when (e.InnerException is not null) { ExceptionDispatchInfo.Throw(e.InnerException); throw; }
            if (done && !bundle.ContainsKey(mime)) bundle[mime] = MimeValue(mime, writer.ToString(), t);
        }
        return bundle.Count > 0;
    }

    /// <summary>The attribute on the type, else the nearest base type, else an interface.</summary>
    static Attribute? FindAttribute(Type type)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
            if (Declared(t) is { } a) return a;
        return type.GetInterfaces().Select(Declared).FirstOrDefault(a => a is not null);
    }

    static Attribute? Declared(Type t) =>
        t.GetCustomAttributes(inherit: false).OfType<Attribute>().FirstOrDefault(a => a.GetType().Name == "TypeFormatterSourceAttribute");

    /// <summary>JSON mime types are embedded as JSON; base64 images lose their line breaks; text stays text.</summary>
    static JsonNode MimeValue(string mime, string text, Type formatter)
    {
        if (mime == "application/json" || mime.EndsWith("+json", StringComparison.Ordinal))
        {
            try { return JsonNode.Parse(text) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new InvalidOperationException($"formatter {formatter.FullName} wrote invalid JSON for {mime}: {e.Message}"); }
        }
        if (mime.StartsWith("image/", StringComparison.Ordinal) && mime != "image/svg+xml")
            return string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        return text;
    }

    static string PlainText(object? value) => value switch
    {
        null => "<null>",
        string s => s,
        IEnumerable items => List(value.GetType(), items.Cast<object?>().Take(MaxRows + 1).ToList()),
        _ => value.ToString() ?? "",
    };

    static string List(Type type, List<object?> items)
    {
        var shown = string.Join(", ", items.Take(MaxRows).Select(i => i?.ToString() ?? "null"));
        return $"{Describe(type)} [{shown}{(items.Count > MaxRows ? ", ..." : "")}]";
    }

    static string Describe(Type t) => t.IsArray ? Describe(t.GetElementType()!) + "[]" : t.IsGenericType ? $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(Describe))}>" : t.Name;

    /// <summary>An HTML table for a sequence of records, classes or tuples (one column per public property or tuple field); null for scalars.</summary>
    static string? Table(IEnumerable items)
    {
        var rows = items.Cast<object?>().Take(MaxRows + 1).ToList();
        var first = rows.FirstOrDefault(r => r is not null);
        if (first is null || first is string || first.GetType().IsPrimitive || first is decimal or Enum) return null;
        var type = first.GetType();
        var columns = new List<(string Name, Func<object, object?> Get)>();
        if (type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
            foreach (var f in type.GetFields()) columns.Add((f.Name, o => f.GetValue(o)));
        else
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                if (p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract") columns.Add((p.Name, o => p.GetValue(o)));
        if (columns.Count == 0) return null;

        var html = new StringBuilder("<table><thead><tr>");
        foreach (var c in columns) html.Append("<th>").Append(WebUtility.HtmlEncode(c.Name)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in rows.Take(MaxRows))
        {
            html.Append("<tr>");
            foreach (var c in columns)
            {
                var cell = row is not null && type.IsInstanceOfType(row) ? c.Get(row) : null;
                html.Append("<td>").Append(WebUtility.HtmlEncode(cell?.ToString() ?? "")).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        if (rows.Count > MaxRows) html.Append($"<p>(first {MaxRows} rows)</p>");
        return html.ToString();
    }
}
