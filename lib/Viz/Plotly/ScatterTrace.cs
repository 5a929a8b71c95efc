namespace DistillKit.Viz.Plotly;

/// <summary>A line and/or marker plot. <see cref="Mode"/>: "lines", "markers", "lines+markers", "text".</summary>
public sealed record ScatterTrace : Trace
{
    public override string Type => "scatter";
    public IReadOnlyList<double>? X { get; init; }
    public IReadOnlyList<double>? Y { get; init; }
    public string? Mode { get; init; }
    public LineStyle? Line { get; init; }
    public MarkerStyle? Marker { get; init; }
    public IReadOnlyList<string>? Text { get; init; }

    /// <summary>A line through (x[i], y[i]).</summary>
    public static ScatterTrace Lines(IReadOnlyList<double> x, IReadOnlyList<double> y, string? name = null) =>
        new() { X = x, Y = y, Mode = "lines", Name = name };

    /// <summary>Markers at (x[i], y[i]).</summary>
    public static ScatterTrace Markers(IReadOnlyList<double> x, IReadOnlyList<double> y, string? name = null) =>
        new() { X = x, Y = y, Mode = "markers", Name = name };
}
