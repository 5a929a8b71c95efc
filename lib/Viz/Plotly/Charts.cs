using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Plotly;

/// <summary>Ready-made figures for the common notebook plots: curves, images, heatmaps and bars.</summary>
public static class Charts
{
    /// <summary>One line per named series over shared x values (e.g. loss or EPE against training step).</summary>
    public static Figure Lines(IReadOnlyList<double> x, IReadOnlyDictionary<string, IReadOnlyList<double>> series,
        string? title = null, string? xTitle = null, string? yTitle = null, bool logY = false)
    {
        var fig = new Figure(new Layout
        {
            Title = title is null ? null : new Title(title),
            XAxis = new Axis { Title = xTitle is null ? null : new Title(xTitle) },
            YAxis = new Axis { Title = yTitle is null ? null : new Title(yTitle), Type = logY ? "log" : null },
        });
        foreach (var (name, y) in series)
        {
            if (y.Count != x.Count) throw new ArgumentException($"series '{name}' has {y.Count} values for {x.Count} x values");
            fig.Add(ScatterTrace.Lines(x, y, name));
        }
        return fig;
    }

    /// <summary>
    /// Images (<c>[3,H,W]</c> or <c>[1,H,W]</c> float tensors in [0,1]) as subplots, <paramref name="columns"/> per row
    /// (0 = one row), each titled in the browser's font; axes hidden, pixels square.
    /// </summary>
    public static Figure Images(IReadOnlyList<Tensor> images, IReadOnlyList<string>? titles = null, int columns = 0, string? title = null)
    {
        if (images.Count == 0) throw new ArgumentException("no images to show");
        int cols = columns <= 0 ? images.Count : Math.Min(columns, images.Count);
        int rows = (images.Count + cols - 1) / cols;
        var fig = Figure.Subplots(rows, cols, titles, title, 0.02, 0.08);
        for (int i = 0; i < images.Count; i++)
        {
            fig.Add(ImageTrace.FromTensor(images[i]) with { Name = titles is not null && i < titles.Count ? titles[i] : null }, i / cols + 1, i % cols + 1);
            string s = i == 0 ? "" : (i + 1).ToString();
            fig.Layout = fig.Layout
                .WithAxis("xaxis" + s, fig.Layout.GetAxis("xaxis" + s)! with { Visible = false })
                .WithAxis("yaxis" + s, fig.Layout.GetAxis("yaxis" + s)! with { Visible = false, ScaleAnchor = "x" + s });
        }
        fig.Layout = fig.Layout with { Height = 40 + 260 * rows, ShowLegend = false };
        return fig;
    }

    /// <summary>A heatmap of a <c>[H,W]</c> or <c>[1,H,W]</c> tensor with row 0 at the top (image orientation).</summary>
    public static Figure Heatmap(Tensor values, string? title = null, string colorScale = "Viridis", double? zMin = null, double? zMax = null)
    {
        var trace = HeatmapTrace.FromTensor(values, colorScale) with { ZMin = zMin, ZMax = zMax };
        return new Figure(new Layout
        {
            Title = title is null ? null : new Title(title),
            YAxis = new Axis { AutoRange = "reversed", ScaleAnchor = "x" },
        }).Add(trace);
    }

    /// <summary>Bars, one per label (e.g. a metric per model).</summary>
    public static Figure Bars(IReadOnlyList<string> labels, IReadOnlyList<double> values, string? title = null, string? yTitle = null)
    {
        if (labels.Count != values.Count) throw new ArgumentException($"{labels.Count} labels for {values.Count} values");
        return new Figure(new Layout
        {
            Title = title is null ? null : new Title(title),
            YAxis = new Axis { Title = yTitle is null ? null : new Title(yTitle) },
        }).Add(new BarTrace { X = labels, Y = values });
    }
}
