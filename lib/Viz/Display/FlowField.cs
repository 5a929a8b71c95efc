using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Display;

/// <summary>
/// A flow field to show in a notebook: its Middlebury colour coding (<see cref="FlowColors"/>) as <c>image/png</c>,
/// and in HTML with the colour-wheel legend and the magnitude that maps to full saturation. Flow is <c>[2,H,W]</c>
/// (channel 0 = u/x, 1 = v/y, pixels); an optional valid mask <c>[1,H,W]</c> marks known pixels (others are black).
/// The colours are computed at construction, so the tensors may be disposed afterwards.
/// </summary>
[TypeFormatterSource(typeof(ImageFormatterSource))]
public sealed class FlowField
{
    public FlowField(Tensor flow, Tensor? valid = null, double? maxMagnitude = null, string? caption = null, int scale = 1)
    {
        LargestMagnitude = FlowColors.LargestMagnitude(flow, valid);
        MaxMagnitude = maxMagnitude ?? (LargestMagnitude > 0 ? LargestMagnitude : 1);
        using var colours = FlowColors.ToColor(flow, MaxMagnitude, valid);
        View = new ImageView(colours, caption, scale);
        Caption = caption;
    }

    /// <summary>The magnitude (pixels) shown fully saturated.</summary>
    public double MaxMagnitude { get; }

    /// <summary>The largest known flow magnitude in the field (pixels).</summary>
    public double LargestMagnitude { get; }

    public string? Caption { get; }

    /// <summary>The colour-coded image.</summary>
    public ImageView View { get; }

    public override string ToString() =>
        $"FlowField {View.Image.Width / View.Scale}x{View.Image.Height / View.Scale}, max |w| " +
        LargestMagnitude.ToString("0.###", CultureInfo.InvariantCulture) + " px, colour scale " +
        MaxMagnitude.ToString("0.###", CultureInfo.InvariantCulture) + " px" + (Caption is null ? "" : ": " + Caption);
}
