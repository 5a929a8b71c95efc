using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>
/// A captioned grid of named panels for flow work: one row per sample, one column per panel (frames, flow colour,
/// EPE map, masks), built with <see cref="ImageGrid"/>, <see cref="FlowColors"/> and <see cref="ErrorMaps"/>, and shown in
/// a notebook as an enlarged <c>image/png</c> (<see cref="ToView"/>). Every panel takes a batch (<c>[B,C,H,W]</c>: its
/// first <see cref="Rows"/> samples) or one sample (<c>[C,H,W]</c>: one row). Pixels are copied when a panel is added,
/// so the tensors may be disposed afterwards; they may require gradients (a prediction straight from a model) or live
/// on a GPU. Conventions: images <c>[3,H,W]</c> RGB in [0,1]; flow <c>[2,H,W]</c> (u, v) in pixels; masks
/// <c>[1,H,W]</c> in {0,1} shown white where 1.
/// <code>new FlowGrid(rows: 3).Image("frame 1", b.Image1).Flow("truth", b.FlowFw).Flow("net", pred).Error("EPE", pred, b.FlowFw)</code>
/// </summary>
[TypeFormatterSource(typeof(ImageFormatterSource))]
public sealed class FlowGrid
{
    /// <summary>The grid's background: light gray, so that white (zero flow, a mask's 1) stands out from it.</summary>
    public static readonly Rgb Background = new(0.8f, 0.8f, 0.8f);

    readonly List<(string Name, Canvas[] Cells)> _columns = [];
    double[]? _flowScale; // per row: the colour-wheel rim of the row's first flow panel

    /// <summary>An empty grid of at most <paramref name="rows"/> samples, enlarged <paramref name="scale"/> times when shown.</summary>
    public FlowGrid(int rows = 3, int scale = 2)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), $"need at least one row, got {rows}");
        if (scale < 1 || scale > 64) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be 1..64, got {scale}");
        (MaxRows, Scale) = (rows, scale);
    }

    /// <summary>The most rows (samples) shown.</summary>
    public int MaxRows { get; }

    /// <summary>Pixel repetition when shown (<see cref="ImageView.Scale"/>).</summary>
    public int Scale { get; }

    /// <summary>Rows (samples) in the grid: set by the first panel, min(its batch size, <see cref="MaxRows"/>).</summary>
    public int Rows { get; private set; }

    /// <summary>Panel names, one per column, in order.</summary>
    public IReadOnlyList<string> Names => _columns.Select(c => c.Name).ToArray();

    /// <summary>The colour-wheel rim (pixels) that flow panels of row <paramref name="row"/> share; null before any flow panel.</summary>
    public double? FlowScale(int row) => _flowScale?[row];

    /// <summary>Frames 1 and 2, their flow (colour wheel) and, when given, the occlusion mask: the look at a batch of flow pairs.</summary>
    public static FlowGrid Pairs(Tensor image1, Tensor image2, Tensor flow, Tensor? occ = null, int rows = 3, int scale = 2)
    {
        var grid = new FlowGrid(rows, scale).Image("frame 1", image1).Image("frame 2", image2).Flow("flow", flow);
        return occ is null ? grid : grid.Mask("occluded", occ);
    }

    /// <summary>
    /// A prediction against ground truth: frame 1, the true flow ("truth"), the prediction <paramref name="flow"/> on the
    /// same colour scale, its EPE heatmap (0 black to <paramref name="maxError"/> white; each image's largest error by
    /// default), and, when given, the true occlusion and the estimated one.
    /// </summary>
    public static FlowGrid Predictions(Tensor image1, Tensor flowGt, Tensor flow, Tensor? occGt = null, Tensor? occ = null,
        Tensor? valid = null, string name = "estimate", double? maxError = null, int rows = 3, int scale = 2)
    {
        var grid = new FlowGrid(rows, scale).Image("frame 1", image1).Flow("truth", flowGt, valid).Flow(name, flow)
            .Error("EPE", flow, flowGt, valid, maxError);
        if (occGt is not null) grid.Mask("true occ", occGt);
        if (occ is not null) grid.Mask("est. occ", occ);
        return grid;
    }

    /// <summary>A column of images (<c>[3,H,W]</c> RGB or <c>[1,H,W]</c> gray in [0,1], or batches of them).</summary>
    public FlowGrid Image(string name, Tensor images) => Add(name, images, "images", 0, t => Canvas.FromTensor(t));

    /// <summary>A column of masks (<c>[1,H,W]</c>, 1 = white), e.g. occlusion or validity.</summary>
    public FlowGrid Mask(string name, Tensor masks) => Add(name, masks, "masks", 1, t => Canvas.FromTensor(t));

    /// <summary>
    /// A column of flows in the Middlebury colours (<see cref="FlowColors"/>); black where <paramref name="valid"/> is 0.
    /// The colour-wheel rim is <paramref name="maxMagnitude"/> when given, else the row's first flow panel sets it (its
    /// largest magnitude) and later flow panels of the row share it, so a prediction reads against the ground truth.
    /// </summary>
    public FlowGrid Flow(string name, Tensor flow, Tensor? valid = null, double? maxMagnitude = null)
    {
        var first = _flowScale is null;
        return Add(name, flow, "flows", 2, (f, row) =>
        {
            var v = Row(valid, row);
            double rim = maxMagnitude ?? (first ? FlowColors.LargestMagnitude(f, v) : _flowScale![row]);
            if (!(rim > 0)) rim = 1;
            if (first) (_flowScale ??= new double[Rows])[row] = rim;
            return Canvas.FromTensor(FlowColors.ToColor(f, rim, v));
        });
    }

    /// <summary>A column of end-point-error heatmaps of <paramref name="flow"/> against <paramref name="flowGt"/>
    /// (<see cref="ErrorMaps.EpeHeatmap"/>: 0 black to <paramref name="maxError"/> white; each image's largest error by default).</summary>
    public FlowGrid Error(string name, Tensor flow, Tensor flowGt, Tensor? valid = null, double? maxError = null)
    {
        CheckShape(name, flowGt, "flows", 2, ExpectedRows(flow));
        return Add(name, flow, "flows", 2,
            (f, row) => Canvas.FromTensor(ErrorMaps.EpeHeatmap(f, Row(flowGt, row)!, Row(valid, row), maxError)));
    }

    /// <summary>The grid as a <c>[3,H,W]</c> float32 image (not enlarged): rows of samples, each panel captioned.</summary>
    public Tensor ToTensor()
    {
        if (_columns.Count == 0) throw new InvalidOperationException("the grid has no panels yet");
        using var scope = torch.NewDisposeScope();
        var cells = new List<Tensor>();
        var captions = new List<string>();
        for (int r = 0; r < Rows; r++)
            foreach (var (name, column) in _columns)
            {
                cells.Add(column[r].ToTensor());
                captions.Add(name);
            }
        return ImageGrid.Make(cells, captions, columns: _columns.Count, background: Background).MoveToOuterDisposeScope();
    }

    /// <summary>The grid as an <see cref="ImageView"/> enlarged <see cref="Scale"/> times (what a notebook shows).</summary>
    public ImageView ToView()
    {
        using var image = ToTensor();
        return new ImageView(image, scale: Scale);
    }

    public override string ToString() => $"FlowGrid {Rows}x{_columns.Count}: {string.Join(", ", Names)}";

    FlowGrid Add(string name, Tensor values, string what, int channels, Func<Tensor, Canvas> cell) =>
        Add(name, values, what, channels, (t, _) => cell(t));

    FlowGrid Add(string name, Tensor values, string what, int channels, Func<Tensor, int, Canvas> cell)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckShape(name, values, what, channels, ExpectedRows(values));
        Rows = ExpectedRows(values);
        var cells = new Canvas[Rows];
        for (int r = 0; r < Rows; r++)
        {
            using var scope = torch.NewDisposeScope();   // the panel's tensors: samples, colours, maps
            cells[r] = cell(Row(values, r)!, r);
        }
        _columns.Add((name, cells));
        return this;
    }

    /// <summary>The grid's rows once a panel with these values is in: set by the first panel.</summary>
    int ExpectedRows(Tensor values) => _columns.Count == 0 ? Math.Min(MaxRows, Batch(values)) : Rows;

    /// <summary>Checks a panel's shape: [C,H,W] or [B,C,H,W] with C as <paramref name="channels"/> says (0: 1 or 3), and
    /// at least <paramref name="rows"/> samples.</summary>
    static void CheckShape(string name, Tensor values, string what, int channels, int rows)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = values.shape;
        long c = s.Length is 3 or 4 ? s[^3] : -1;
        bool ok = channels == 0 ? c is 1 or 3 : c == channels;
        string expected = channels == 0 ? "3 or 1" : channels.ToString();
        if (!ok) throw new ArgumentException($"panel '{name}': {what} must be [{expected},H,W] or batches of them, got [{string.Join(",", s)}]");
        if (Batch(values) < rows)
            throw new ArgumentException($"panel '{name}' has {Batch(values)} samples for a grid of {rows} rows");
    }

    static int Batch(Tensor t) => t.dim() == 4 ? (int)t.size(0) : 1;

    /// <summary>Sample <paramref name="row"/> of a batch (or the unbatched tensor) as [C,H,W], detached from autograd, on the CPU.</summary>
    static Tensor? Row(Tensor? t, int row) => t is null ? null : (t.dim() == 4 ? t.select(0, row) : t).detach().cpu();
}
