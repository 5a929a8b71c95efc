using System.Net;
using System.Text;
using System.Text.Json;

namespace DistillKit.Viz.Plotly;

/// <summary>
/// A plotly.js figure built in C#: <see cref="Data"/> (traces) and <see cref="Layout"/>, serialised with
/// System.Text.Json to the <c>{data, layout}</c> JSON plotly.js draws. In notebooks it shows as
/// <c>application/vnd.plotly.v1+json</c> with a <c>text/html</c> fallback that loads plotly.js from a relative
/// <c>plotly.min.js</c> (the pinned npm package <c>plotly.js-dist-min</c>, in node_modules/plotly.js-dist-min/).
/// </summary>
[TypeFormatterSource(typeof(FigureFormatterSource))]
public sealed class Figure
{
    public Figure(Layout? layout = null) => Layout = layout ?? new Layout();

    /// <summary>The traces, drawn in order.</summary>
    public List<Trace> Data { get; } = [];

    public Layout Layout { get; set; }

    /// <summary>Subplot grid size (1×1 unless made by <see cref="Subplots"/>).</summary>
    public int Rows { get; private set; } = 1;
    public int Columns { get; private set; } = 1;

    /// <summary>Adds a trace to the first (or only) subplot; returns this figure.</summary>
    public Figure Add(Trace trace)
    {
        Data.Add(trace ?? throw new ArgumentNullException(nameof(trace)));
        return this;
    }

    /// <summary>Adds a trace to subplot (<paramref name="row"/>, <paramref name="column"/>), both from 1; returns this figure.</summary>
    public Figure Add(Trace trace, int row, int column)
    {
        if (row < 1 || row > Rows || column < 1 || column > Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"subplot ({row},{column}) outside a {Rows}x{Columns} grid");
        int k = (row - 1) * Columns + column;
        return Add(trace with { XAxis = k == 1 ? "x" : $"x{k}", YAxis = k == 1 ? "y" : $"y{k}" });
    }

    /// <summary>
    /// A figure with <paramref name="rows"/> × <paramref name="columns"/> subplots: subplot k (row-major, from 1) has
    /// axes "x{k}"/"y{k}" ("x"/"y" for k = 1) whose domains tile the figure with the given gaps (figure fractions);
    /// <paramref name="titles"/> become annotations above each subplot. The layout also records plotly.js' grid.
    /// </summary>
    public static Figure Subplots(int rows, int columns, IReadOnlyList<string>? titles = null, string? title = null,
        double horizontalGap = 0.06, double verticalGap = 0.12)
    {
        if (rows < 1 || columns < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"need at least one subplot, got {rows}x{columns}");
        if (titles is not null && titles.Count > rows * columns) throw new ArgumentException($"{titles.Count} titles for {rows * columns} subplots");
        var layout = new Layout { Title = title is null ? null : new Title(title), Grid = new LayoutGrid(rows, columns) };
        double cw = (1 - horizontalGap * (columns - 1)) / columns, rh = (1 - verticalGap * (rows - 1)) / rows;
        var notes = new List<Annotation>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                int k = r * columns + c + 1;
                string s = k == 1 ? "" : k.ToString();
                double x0 = c * (cw + horizontalGap), y1 = 1 - r * (rh + verticalGap);
                layout = layout
                    .WithAxis("xaxis" + s, new Axis { Domain = [x0, Math.Min(1, x0 + cw)], Anchor = "y" + s })
                    .WithAxis("yaxis" + s, new Axis { Domain = [Math.Max(0, y1 - rh), y1], Anchor = "x" + s });
                if (titles is not null && k <= titles.Count && !string.IsNullOrEmpty(titles[k - 1]))
                    notes.Add(new Annotation(titles[k - 1], x0 + cw / 2, y1));
            }
        if (notes.Count > 0) layout = layout with { Annotations = notes };
        return new Figure(layout) { Rows = rows, Columns = columns };
    }

    /// <summary>The <c>{"data": [...], "layout": {...}}</c> JSON.</summary>
    public string ToJson(bool indented = false)
    {
        var options = indented ? PlotlyJson.IndentedOptions : PlotlyJson.Options;
        var sb = new StringBuilder("{\"data\":[");
        for (int i = 0; i < Data.Count; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(JsonSerializer.Serialize((object)Data[i], options));
        }
        sb.Append("],\"layout\":").Append(JsonSerializer.Serialize(Layout, options)).Append('}');
        return sb.ToString();
    }

    /// <summary>
    /// An HTML fragment: a div and a script that draws the figure with <c>Plotly.newPlot</c>, first loading plotly.js
    /// from <paramref name="plotlyJsSource"/> (default: <c>plotly.min.js</c> beside the page) unless
    /// <c>window.Plotly</c> already exists; when it cannot be loaded the div says so.
    /// </summary>
    public string ToHtml(string? divId = null, string plotlyJsSource = "plotly.min.js")
    {
        var id = divId ?? "dk-plot-" + Guid.NewGuid().ToString("N")[..12];
        var idJs = JsonSerializer.Serialize(id);
        var srcJs = JsonSerializer.Serialize(plotlyJsSource);
        int height = Layout.Height ?? 450;
        return $$"""
            <div id="{{WebUtility.HtmlEncode(id)}}" class="dk-plotly" style="width:100%;height:{{height}}px;"></div>
            <script type="text/javascript">
            (function () {
              var id = {{idJs}}, figure = {{ToJson()}};
              function draw() { Plotly.newPlot(id, figure.data, figure.layout, { responsive: true }); }
              if (window.Plotly) { draw(); return; }
              var s = document.createElement('script');
              s.src = {{srcJs}};
              s.onload = draw;
              s.onerror = function () {
                document.getElementById(id).textContent = 'plotly.js could not be loaded from ' + s.src +
                  ': copy node_modules/plotly.js-dist-min/plotly.min.js next to this page.';
              };
              document.head.appendChild(s);
            })();
            </script>
            """;
    }

    /// <summary>A standalone HTML page loading plotly.js from <paramref name="plotlyJsPath"/> (a relative or absolute URL or path).</summary>
    public string ToHtmlPage(string plotlyJsPath, string? pageTitle = null)
    {
        var title = WebUtility.HtmlEncode(pageTitle ?? Layout.Title?.Text ?? "DistillKit figure");
        return $"""
            <!DOCTYPE html>
            <html>
            <head>
            <meta charset="utf-8">
            <title>{title}</title>
            <script src="{WebUtility.HtmlEncode(plotlyJsPath)}"></script>
            </head>
            <body>
            {ToHtml(plotlyJsSource: plotlyJsPath)}
            </body>
            </html>
            """;
    }

    /// <summary>Writes <see cref="ToHtmlPage"/> to <paramref name="path"/>.</summary>
    public void SaveHtml(string path, string plotlyJsPath = "plotly.min.js") => File.WriteAllText(path, ToHtmlPage(plotlyJsPath));

    public override string ToString() =>
        $"Figure{(Layout.Title is null ? "" : " '" + Layout.Title.Text + "'")}: {Data.Count} trace(s) [{string.Join(", ", Data.Select(t => t.Type))}]" +
        (Rows * Columns > 1 ? $", {Rows}x{Columns} subplots" : "");
}
