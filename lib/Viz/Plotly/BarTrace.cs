namespace DistillKit.Viz.Plotly;

/// <summary>Vertical bars: one bar per category in <see cref="X"/> with height <see cref="Y"/>.</summary>
public sealed record BarTrace : Trace
{
    public override string Type => "bar";
    public IReadOnlyList<string>? X { get; init; }
    public IReadOnlyList<double>? Y { get; init; }
    public MarkerStyle? Marker { get; init; }

    /// <summary>Labels on the bars.</summary>
    public IReadOnlyList<string>? Text { get; init; }
}
