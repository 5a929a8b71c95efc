using DistillKit.Viz.Plotly;

namespace DistillKit.Viz;

/// <summary>
/// Display formatters for <see cref="Figure"/>: <c>application/vnd.plotly.v1+json</c> (the figure JSON, which
/// Jupyter and VS Code draw natively), <c>text/html</c> (div + script loading a relative plotly.min.js) and
/// <c>text/plain</c>.
/// </summary>
public sealed class FigureFormatterSource
{
    public const string PlotlyMimeType = "application/vnd.plotly.v1+json";

    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new TypeFormatter(typeof(Figure), PlotlyMimeType, (o, w) => { w.Write(((Figure)o).ToJson()); return true; });
        yield return new TypeFormatter(typeof(Figure), "text/html", (o, w) => { w.Write(((Figure)o).ToHtml()); return true; });
        yield return new TypeFormatter(typeof(Figure), "text/plain", (o, w) => { w.Write(o.ToString()); return true; });
    }
}
