using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Plotly;

/// <summary>
/// A heatmap of <see cref="Z"/> (rows top to bottom as given; plotly.js draws row 0 at the bottom unless the y axis is
/// reversed). <see cref="ColorScale"/> names a plotly.js scale ("Viridis", "Hot", "RdBu"...). Non-finite values are gaps.
/// </summary>
public sealed record HeatmapTrace : Trace
{
    public override string Type => "heatmap";
    public IReadOnlyList<IReadOnlyList<double>>? Z { get; init; }
    public IReadOnlyList<double>? X { get; init; }
    public IReadOnlyList<double>? Y { get; init; }
    public string? ColorScale { get; init; }
    public double? ZMin { get; init; }
    public double? ZMax { get; init; }
    public bool? ShowScale { get; init; }
    public ColorBar? ColorBar { get; init; }

    /// <summary>A heatmap of a <c>[H,W]</c> or <c>[1,H,W]</c> tensor (row 0 = top row of the tensor, y axis reversed by the caller if wanted).</summary>
    public static HeatmapTrace FromTensor(Tensor values, string? colorScale = "Viridis")
    {
        var v = TensorPixels.ReadChw(values, nameof(values), out int c, out int h, out int w, allow2d: true);
        if (c != 1) throw new ArgumentException($"heatmap values must be [H,W] or [1,H,W], got [{string.Join(",", values.shape)}]");
        var rows = new double[h][];
        for (int y = 0; y < h; y++)
        {
            rows[y] = new double[w];
            for (int x = 0; x < w; x++) rows[y][x] = v[(long)y * w + x];
        }
        return new HeatmapTrace { Z = rows, ColorScale = colorScale };
    }
}
