using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Plotly;

/// <summary>
/// An RGB image drawn in data coordinates (pixel (x, y) at x, y; plotly.js reverses the y axis for images itself).
/// Either <see cref="Source"/> (a <c>data:image/png;base64,...</c> URI, compact) or <see cref="Z"/> (<c>[H][W][3]</c>
/// values 0..255).
/// </summary>
public sealed record ImageTrace : Trace
{
    public override string Type => "image";
    public string? Source { get; init; }
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<int>>>? Z { get; init; }

    /// <summary>Colour model of <see cref="Z"/>: "rgb" or "rgba".</summary>
    public string? ColorModel { get; init; }

    public double? X0 { get; init; }
    public double? Y0 { get; init; }
    public double? DX { get; init; }
    public double? DY { get; init; }

    /// <summary>An image trace with a base64 PNG source from a <c>[3,H,W]</c> or <c>[1,H,W]</c> float tensor in [0,1].</summary>
    public static ImageTrace FromTensor(Tensor image) => FromImage(ImageTensor.FromTensor(image));

    /// <summary>An image trace with a base64 PNG source.</summary>
    public static ImageTrace FromImage(Image image) =>
        new() { Source = "data:image/png;base64," + Convert.ToBase64String(Png.Encode(image.BitDepth == 8 ? image : image.To8Bit())) };

    /// <summary>An image trace holding the pixel values in <see cref="Z"/> (8-bit RGB; gray replicated, alpha dropped).</summary>
    public static ImageTrace FromPixels(Image image)
    {
        var rgb = (image.BitDepth == 8 ? image : image.To8Bit()).ToRgb();
        var rows = new int[rgb.Height][][];
        for (int y = 0; y < rgb.Height; y++)
        {
            rows[y] = new int[rgb.Width][];
            for (int x = 0; x < rgb.Width; x++) rows[y][x] = [rgb[x, y, 0], rgb[x, y, 1], rgb[x, y, 2]];
        }
        return new ImageTrace { Z = rows, ColorModel = "rgb" };
    }
}
