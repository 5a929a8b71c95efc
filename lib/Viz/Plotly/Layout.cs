using System.Text.Json.Serialization;

namespace DistillKit.Viz.Plotly;

/// <summary>
/// A figure's <c>layout</c>. The first axes are <see cref="XAxis"/>/<see cref="YAxis"/>; further subplot axes
/// ("xaxis2", "yaxis2", ...) live in <see cref="MoreAxes"/> and are written as top-level layout attributes.
/// </summary>
public sealed record Layout
{
    public Title? Title { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public bool? ShowLegend { get; init; }
    public Margin? Margin { get; init; }
    public LayoutGrid? Grid { get; init; }
    public Axis? XAxis { get; init; }
    public Axis? YAxis { get; init; }

    /// <summary>"group", "stack", "overlay" for bar traces.</summary>
    public string? BarMode { get; init; }

    public IReadOnlyList<Annotation>? Annotations { get; init; }

    /// <summary>Axes beyond the first, by layout key ("xaxis2", "yaxis3", ...).</summary>
    [JsonExtensionData]
    public Dictionary<string, object>? MoreAxes { get; init; }

    /// <summary>The axis stored under a layout key ("xaxis", "yaxis", "xaxis2", ...), or null.</summary>
    public Axis? GetAxis(string key) => key switch
    {
        "xaxis" => XAxis,
        "yaxis" => YAxis,
        _ => MoreAxes?.GetValueOrDefault(key) as Axis,
    };

    /// <summary>A copy with the axis under <paramref name="key"/> replaced.</summary>
    public Layout WithAxis(string key, Axis axis)
    {
        if (key == "xaxis") return this with { XAxis = axis };
        if (key == "yaxis") return this with { YAxis = axis };
        if (!System.Text.RegularExpressions.Regex.IsMatch(key, "^[xy]axis[0-9]+$"))
            throw new ArgumentException($"axis key must be xaxis, yaxis, xaxisN or yaxisN, got '{key}'");
        var more = MoreAxes is null ? new Dictionary<string, object>() : new Dictionary<string, object>(MoreAxes);
        more[key] = axis;
        return this with { MoreAxes = more };
    }
}

/// <summary>
/// An axis. <see cref="Domain"/> is its [start, end] fraction of the figure; <see cref="Anchor"/> the crossing axis
/// ("y2"); <see cref="AutoRange"/> true, false or "reversed"; <see cref="ScaleAnchor"/> ties its scale to another
/// axis (square pixels for images); <see cref="Type"/> "linear", "log", "category".
/// </summary>
public sealed record Axis
{
    public Title? Title { get; init; }
    public IReadOnlyList<double>? Domain { get; init; }
    public string? Anchor { get; init; }
    public IReadOnlyList<double>? Range { get; init; }
    public object? AutoRange { get; init; }
    public string? ScaleAnchor { get; init; }
    public string? Type { get; init; }
    public bool? ShowGrid { get; init; }
    public bool? ShowTickLabels { get; init; }
    public bool? ZeroLine { get; init; }
    public bool? Visible { get; init; }
}

/// <summary>plotly.js' layout grid: rows × columns of subplots; <see cref="Pattern"/> "independent" or "coupled".</summary>
public sealed record LayoutGrid(int Rows, int Columns)
{
    public string? Pattern { get; init; } = "independent";
}

/// <summary>Margins in pixels.</summary>
public sealed record Margin(int L, int R, int T, int B);

/// <summary>Text placed on the figure; with <see cref="XRef"/>/<see cref="YRef"/> "paper", x and y are figure fractions.</summary>
public sealed record Annotation(string Text, double X, double Y)
{
    public string? XRef { get; init; } = "paper";
    public string? YRef { get; init; } = "paper";
    public string? XAnchor { get; init; } = "center";
    public string? YAnchor { get; init; } = "bottom";
    public bool? ShowArrow { get; init; } = false;
    public Font? Font { get; init; }
}
