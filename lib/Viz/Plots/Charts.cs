using DistillKit.Imaging;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.CSharp;
using Plotly.NET.LayoutObjects;
using static TorchSharp.torch;
using Chart = Plotly.NET.CSharp.Chart;

namespace DistillKit.Viz.Plots;

/// <summary>
/// Ready-made Plotly.NET charts for the common notebook plots: curves, images, heatmaps and bars. Each returns a
/// Plotly.NET <see cref="GenericChart"/> to style further, return from a cell or pass to <c>display</c>; in a .NET
/// Interactive kernel it shows through the kit's offline-first HTML (<see cref="ChartHtml"/>).
/// </summary>
public static class Charts
{
    /// <summary>Pixels per image cell in <see cref="Images"/>.</summary>
    const int CellPixels = 260;

    /// <summary>
    /// One line per named series over shared x values (e.g. loss or EPE against training step), optionally on a
    /// logarithmic y axis. Every series must have as many values as <paramref name="x"/>; NaN values are gaps.
    /// </summary>
    public static GenericChart Lines(IReadOnlyList<double> x, IReadOnlyDictionary<string, IReadOnlyList<double>> series,
        string? title = null, string? xTitle = null, string? yTitle = null, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(series);
        return Lines(series.ToDictionary(kv => kv.Key, kv => (x, kv.Value)), title, xTitle, yTitle, logY);
    }

    /// <summary>
    /// One line per named series, each with its own x values (e.g. a training loss logged every step beside a held-out
    /// EPE evaluated every 50 steps), optionally on a logarithmic y axis. NaN values are gaps.
    /// </summary>
    public static GenericChart Lines(IReadOnlyDictionary<string, (IReadOnlyList<double> X, IReadOnlyList<double> Y)> series,
        string? title = null, string? xTitle = null, string? yTitle = null, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        var lines = new List<GenericChart>();
        foreach (var (name, (x, y)) in series)
        {
            if (y.Count != x.Count) throw new ArgumentException($"series '{name}' has {y.Count} values for {x.Count} x values", nameof(series));
            lines.Add(Chart.Line<double, double, string>(x, y, Name: name));
        }
        var chart = lines.Count == 0 ? Chart.Invisible() : Chart.Combine(lines);
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: Some(xTitle))
            .WithYAxisStyle<double, double, string>(TitleText: Some(yTitle), AxisType: logY ? StyleParam.AxisType.Log : default(Optional<StyleParam.AxisType>));
        return Titled(chart, title).WithSize(Width: 720, Height: 440);
    }

    /// <summary>
    /// Images (<c>[3,H,W]</c> or <c>[1,H,W]</c> float tensors in [0,1]) as subplots, <paramref name="columns"/> per row
    /// (0 = one row), each titled in the browser's font; axes hidden, pixels square.
    /// </summary>
    public static GenericChart Images(IReadOnlyList<Tensor> images, IReadOnlyList<string>? titles = null, int columns = 0, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("no images to show", nameof(images));
        int cols = columns <= 0 ? images.Count : Math.Min(columns, images.Count);
        int rows = (images.Count + cols - 1) / cols;
        if (titles is not null && titles.Count > rows * cols) throw new ArgumentException($"{titles.Count} titles for {rows * cols} subplots", nameof(titles));
        var cells = images.Select((image, i) => Chart.Image<string>(
            Source: "data:image/png;base64," + Convert.ToBase64String(ImageTensor.ToPng(image)),
            Name: Some(titles is not null && i < titles.Count ? titles[i] : null)));
        var chart = Chart.Grid(cells, rows, cols, SubPlotTitles: (titles ?? []).ToArray(), XGap: 0.02, YGap: 0.08);
        for (int k = 1; k <= images.Count; k++)
        {
            string n = k == 1 ? "" : k.ToString();   // plotly.js names the first axes xaxis/yaxis (x/y), then xaxis2/x2...
            chart = WithLayout(chart,
                ("xaxis" + n, Attributes(new LinearAxis(), ("visible", false))),
                ("yaxis" + n, Attributes(new LinearAxis(), ("visible", false), ("scaleanchor", "x" + n))));
        }
        chart = WithLayout(chart, ("showlegend", false));
        return Titled(chart, title).WithSize(Width: 40 + CellPixels * cols, Height: (title is null ? 40 : 80) + CellPixels * rows);
    }

    /// <summary>
    /// A heatmap of a <c>[H,W]</c> or <c>[1,H,W]</c> tensor with row 0 at the top (image orientation) and square cells;
    /// <paramref name="colorScale"/> names a plotly.js scale ("Viridis", "Hot", "RdBu"...); NaN values are gaps.
    /// </summary>
    public static GenericChart Heatmap(Tensor values, string? title = null, string colorScale = "Viridis", double? zMin = null, double? zMax = null)
    {
        var v = TensorPixels.ReadChw(values, nameof(values), out int c, out int h, out int w, allow2d: true);
        if (c != 1) throw new ArgumentException($"heatmap values must be [H,W] or [1,H,W], got [{string.Join(",", values.shape)}]", nameof(values));
        var z = new double[h][];
        for (int y = 0; y < h; y++) z[y] = Array.ConvertAll(v[(y * w)..((y + 1) * w)], f => (double)f);
        var chart = Chart.Heatmap<double, int, int, string>(z, ReverseYAxis: true);
        var trace = GenericChart.getTraces(chart).Single();
        Attributes(trace, ("colorscale", colorScale), ("zmin", zMin), ("zmax", zMax));
        chart = WithLayout(chart, ("yaxis", Attributes(new LinearAxis(), ("scaleanchor", "x"))));
        return Titled(chart, title);
    }

    /// <summary>Vertical bars, one per label (e.g. a metric per model).</summary>
    public static GenericChart Bars(IReadOnlyList<string> labels, IReadOnlyList<double> values, string? title = null, string? yTitle = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        if (labels.Count != values.Count) throw new ArgumentException($"{labels.Count} labels for {values.Count} values", nameof(values));
        var chart = Chart.Column<double, string, string>(values, Keys: Some<IEnumerable<string>>(labels))
            .WithYAxisStyle<double, double, string>(TitleText: Some(yTitle));
        return Titled(chart, title).WithSize(Width: 720, Height: 440);
    }

    /// <summary>
    /// Vertical bars with error bars, one per label (e.g. a metric's mean over seeds per variant, ± its standard
    /// deviation); a NaN error (a single seed) draws no error bar.
    /// </summary>
    public static GenericChart BarsWithErrors(IReadOnlyList<string> labels, IReadOnlyList<double> values, IReadOnlyList<double> errors,
        string? title = null, string? yTitle = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count != labels.Count) throw new ArgumentException($"{labels.Count} labels for {errors.Count} errors", nameof(errors));
        var chart = Bars(labels, values, title, yTitle);
        var bars = GenericChart.getTraces(chart).Single();
        var error = Attributes(new DynamicObj.DynamicObj(), ("type", "data"), ("visible", true),
            ("array", errors.Select(e => double.IsFinite(e) ? e : 0).ToArray()));
        Attributes(bars, ("error_y", error));
        return chart;
    }

    /// <summary>Charts side by side, <paramref name="columns"/> per row, each with its own axes and a title above it.</summary>
    public static GenericChart Panels(IReadOnlyList<GenericChart> charts, IReadOnlyList<string> titles, int columns = 2, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(charts);
        if (charts.Count == 0) throw new ArgumentException("no charts to show", nameof(charts));
        if (titles.Count != charts.Count) throw new ArgumentException($"{titles.Count} titles for {charts.Count} charts", nameof(titles));
        int cols = Math.Clamp(columns, 1, charts.Count), rows = (charts.Count + cols - 1) / cols;
        var grid = Chart.Grid(charts, rows, cols, SubPlotTitles: titles.ToArray(), XGap: 0.12, YGap: rows > 1 ? 0.25 : 0.1);
        grid = WithLayout(grid, ("showlegend", false));
        return Titled(grid, title).WithSize(Width: Math.Max(480, 380 * cols), Height: (title is null ? 60 : 100) + 340 * rows);
    }

    /// <summary>
    /// A histogram of <paramref name="values"/> (non-finite values left out): adjacent bars over the bins of
    /// <see cref="HistogramBins.Compute"/>, each as wide as its bin, at the bin centre, with its count. Give
    /// <paramref name="binWidth"/> for bins at multiples of that width (e.g. 0.5 px), else <paramref name="bins"/> equal
    /// bins span the values' range.
    /// </summary>
    public static GenericChart Histogram(IEnumerable<double> values, double? binWidth = null, int bins = 20,
        string? title = null, string? xTitle = null, string? yTitle = "count")
    {
        var h = HistogramBins.Compute(values, binWidth, bins);
        var centres = Enumerable.Range(0, h.Counts.Count).Select(h.Centre).ToArray();
        var counts = h.Counts.Select(c => (double)c).ToArray();
        var chart = Chart.Column<double, double, string>(counts, Keys: Some<IEnumerable<double>>(centres));
        Attributes(GenericChart.getTraces(chart).Single(), ("width", h.Width));
        chart = WithLayout(chart, ("bargap", 0))
            .WithXAxisStyle<double, double, string>(TitleText: Some(xTitle))
            .WithYAxisStyle<double, double, string>(TitleText: Some(yTitle));
        return Titled(chart, title).WithSize(Width: 720, Height: 440);
    }

    /// <summary>A histogram of an array of values (the array overload: arrays also convert to tensors); see
    /// <see cref="Histogram(IEnumerable{double}, double?, int, string?, string?, string?)"/>.</summary>
    public static GenericChart Histogram(double[] values, double? binWidth = null, int bins = 20,
        string? title = null, string? xTitle = null, string? yTitle = "count") =>
        Histogram((IEnumerable<double>)values, binWidth, bins, title, xTitle, yTitle);

    /// <summary>A histogram of the finite values of a tensor of any shape (e.g. a <c>[H,W]</c> flow-magnitude map); see
    /// <see cref="Histogram(IEnumerable{double}, double?, int, string?, string?, string?)"/>.</summary>
    public static GenericChart Histogram(Tensor values, double? binWidth = null, int bins = 20,
        string? title = null, string? xTitle = null, string? yTitle = "count")
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] v;
        using (NewDisposeScope())
            v = values.detach().cpu().to_type(ScalarType.Float64).flatten().data<double>().ToArray();
        return Histogram(v, binWidth, bins, title, xTitle, yTitle);
    }

    static GenericChart Titled(GenericChart chart, string? title) =>
        title is null ? chart : global::Plotly.NET.Chart.withTitle(title, FSharpOption<Font>.None).Invoke(chart);

    /// <summary>Merges plotly.js layout attributes (e.g. <c>showlegend</c>, <c>yaxis2</c>) into the chart's layout.</summary>
    static GenericChart WithLayout(GenericChart chart, params (string Name, object? Value)[] attributes) =>
        GenericChart.addLayout(Attributes(new Layout(), attributes), chart);

    /// <summary>Sets plotly.js attributes on a Plotly.NET object (a trace, axis or layout); null values are left out.</summary>
    static T Attributes<T>(T target, params (string Name, object? Value)[] attributes) where T : DynamicObj.DynamicObj
    {
        foreach (var (name, value) in attributes)
            if (value is not null) target.SetProperty(name, value);
        return target;
    }

    /// <summary>Plotly.NET.CSharp's "given" for a non-null value, "not given" for null.</summary>
    static Optional<T> Some<T>(T? value) where T : class => value is null ? default : new Optional<T>(value, true);
}
