using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// A small, safe markdown-to-HTML conversion for notebook text: headings, paragraphs, flat lists, fenced code,
/// block quotes, rules, pipe tables, inline code, bold/italic, links and images. Raw HTML in the source is
/// escaped, and links only keep http(s), mailto, anchors and relative targets.
/// </summary>
public static class MarkdownHtml
{
    static readonly Regex Heading = new(@"^(#{1,6})\s+(.*?)\s*#*\s*$");
    static readonly Regex Bullet = new(@"^\s*[-*+]\s+(.*)$");
    static readonly Regex Numbered = new(@"^\s*\d+[.)]\s+(.*)$");
    static readonly Regex Rule = new(@"^\s*([-*_])(\s*\1){2,}\s*$");
    static readonly Regex TableSeparator = new(@"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$");

    /// <summary>Converts <paramref name="markdown"/> to an HTML fragment.</summary>
    public static string ToHtml(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var html = new StringBuilder();
        var paragraph = new List<string>();
        void Flush()
        {
            if (paragraph.Count > 0) html.Append("<p>").Append(Inline(string.Join("\n", paragraph))).Append("</p>\n");
            paragraph.Clear();
        }

        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("```"))
            {
                Flush();
                var lang = line.Trim().TrimStart('`').Trim();
                var code = new List<string>();
                for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```"); i++) code.Add(lines[i]);
                var cls = lang.Length > 0 ? $" class=\"language-{WebUtility.HtmlEncode(lang)}\"" : "";
                html.Append($"<pre><code{cls}>").Append(WebUtility.HtmlEncode(string.Join("\n", code))).Append("</code></pre>\n");
            }
            else if (string.IsNullOrWhiteSpace(line)) Flush();
            else if (Heading.Match(line) is { Success: true } h)
            {
                Flush();
                int level = h.Groups[1].Length;
                html.Append($"<h{level}>").Append(Inline(h.Groups[2].Value)).Append($"</h{level}>\n");
            }
            else if (Rule.IsMatch(line)) { Flush(); html.Append("<hr>\n"); }
            else if (Bullet.IsMatch(line) || Numbered.IsMatch(line))
            {
                Flush();
                var pattern = Bullet.IsMatch(line) ? Bullet : Numbered;
                var tag = pattern == Bullet ? "ul" : "ol";
                html.Append($"<{tag}>\n");
                for (; i < lines.Length && pattern.Match(lines[i]) is { Success: true } item; i++)
                    html.Append("<li>").Append(Inline(item.Groups[1].Value)).Append("</li>\n");
                i--;
                html.Append($"</{tag}>\n");
            }
            else if (line.TrimStart().StartsWith('>'))
            {
                Flush();
                var quote = new List<string>();
                for (; i < lines.Length && lines[i].TrimStart().StartsWith('>'); i++) quote.Add(lines[i].TrimStart()[1..].Trim());
                i--;
                html.Append("<blockquote>").Append(ToHtml(string.Join("\n", quote)).Trim()).Append("</blockquote>\n");
            }
            else if (line.TrimStart().StartsWith('|') && i + 1 < lines.Length && TableSeparator.IsMatch(lines[i + 1]))
            {
                Flush();
                html.Append("<table>\n<thead><tr>");
                foreach (var c in Row(line)) html.Append("<th>").Append(Inline(c)).Append("</th>");
                html.Append("</tr></thead>\n<tbody>\n");
                for (i += 2; i < lines.Length && lines[i].TrimStart().StartsWith('|'); i++)
                {
                    html.Append("<tr>");
                    foreach (var c in Row(lines[i])) html.Append("<td>").Append(Inline(c)).Append("</td>");
                    html.Append("</tr>\n");
                }
                i--;
                html.Append("</tbody>\n</table>\n");
            }
            else paragraph.Add(line);
        }
        Flush();
        return html.ToString();
    }

    static IEnumerable<string> Row(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim());

    static readonly Regex CodeSpan = new(@"`([^`]+)`");
    static readonly Regex Image = new(@"!\[([^\]]*)\]\(([^)\s]+)\)");
    static readonly Regex Link = new(@"\[([^\]]+)\]\(([^)\s]+)\)");
    static readonly Regex Bold = new(@"\*\*(.+?)\*\*|__(.+?)__");
    static readonly Regex Italic = new(@"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)");

    /// <summary>Inline markup of one block; the text is HTML-escaped first, code spans are kept verbatim.</summary>
    static string Inline(string text)
    {
        var codes = new List<string>();
        text = CodeSpan.Replace(text, m => { codes.Add(m.Groups[1].Value); return $"\u0000{codes.Count - 1}\u0000"; });
        text = WebUtility.HtmlEncode(text);
        text = Image.Replace(text, m => SafeUrl(m.Groups[2].Value) is { } url ? $"<img alt=\"{m.Groups[1].Value}\" src=\"{url}\">" : m.Groups[1].Value);
        text = Link.Replace(text, m => SafeUrl(m.Groups[2].Value) is { } url ? $"<a href=\"{url}\">{m.Groups[1].Value}</a>" : m.Groups[1].Value);
        text = Bold.Replace(text, m => $"<strong>{m.Groups[1].Value}{m.Groups[2].Value}</strong>");
        text = Italic.Replace(text, m => $"<em>{m.Groups[1].Value}{m.Groups[2].Value}</em>");
        text = text.Replace("\n", " ");
        return Regex.Replace(text, "\u0000(\\d+)\u0000", m => $"<code>{WebUtility.HtmlEncode(codes[int.Parse(m.Groups[1].Value)])}</code>");
    }

    /// <summary>The (already escaped) URL when its scheme is safe, else null.</summary>
    static string? SafeUrl(string url)
    {
        var decoded = WebUtility.HtmlDecode(url).Trim();
        int colon = decoded.IndexOf(':');
        if (colon < 0 || decoded.IndexOfAny(['/', '?', '#']) is var sep && sep >= 0 && sep < colon) return url;
        var scheme = decoded[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto" ? url : null;
    }
}
