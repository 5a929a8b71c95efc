namespace DistillKit.Viz.Plotly;

/// <summary>
/// A plotly.js trace (one entry of a figure's <c>data</c>). Subclasses add the attributes of their trace type;
/// <see cref="XAxis"/>/<see cref="YAxis"/> ("x", "x2", ...) place it on a subplot (see <see cref="Figure.Subplots"/>).
/// </summary>
public abstract record Trace
{
    /// <summary>The plotly.js trace type ("scatter", "heatmap", "image", "bar").</summary>
    public abstract string Type { get; }

    public string? Name { get; init; }
    public string? XAxis { get; init; }
    public string? YAxis { get; init; }
    public bool? ShowLegend { get; init; }

    /// <summary>Hover template, e.g. <c>"%{x}: %{y:.3f}&lt;extra&gt;&lt;/extra&gt;"</c>.</summary>
    public string? HoverTemplate { get; init; }
}

/// <summary>A title: plotly.js 3 and later accept only the object form <c>{"text": ...}</c>.</summary>
public sealed record Title(string Text)
{
    public Font? Font { get; init; }
    public static implicit operator Title(string text) => new(text);
}

/// <summary>Font attributes.</summary>
public sealed record Font
{
    public double? Size { get; init; }
    public string? Color { get; init; }
    public string? Family { get; init; }
}

/// <summary>Line style of scatter traces. <see cref="Dash"/>: "solid", "dot", "dash", "dashdot".</summary>
public sealed record LineStyle
{
    public string? Color { get; init; }
    public double? Width { get; init; }
    public string? Dash { get; init; }
}

/// <summary>Marker style. <see cref="Color"/> is a CSS colour; <see cref="Symbol"/> e.g. "circle", "x".</summary>
public sealed record MarkerStyle
{
    public string? Color { get; init; }
    public double? Size { get; init; }
    public string? Symbol { get; init; }
}

/// <summary>A colour bar next to a heatmap.</summary>
public sealed record ColorBar
{
    public Title? Title { get; init; }
}
