using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>
/// Lays images out in a grid, each with an optional caption drawn above it in the built-in 5×7
/// <see cref="BitmapFont"/> (capital letters, digits, punctuation; captions longer than the cell are cut with "..").
/// For titles in real fonts, use a Plotly.NET chart (<see cref="Charts.Images"/>) instead.
/// </summary>
public static class ImageGrid
{
    /// <summary>
    /// A <c>[3,H,W]</c> float32 image holding <paramref name="images"/> (each <c>[3,h,w]</c> or <c>[1,h,w]</c> in [0,1],
    /// sizes may differ) row by row, <paramref name="columns"/> per row (0 = all in one row). Every cell is as large as
    /// the largest image; images sit at the cell's top-left under their caption.
    /// </summary>
    public static Tensor Make(IReadOnlyList<Tensor> images, IReadOnlyList<string>? captions = null, int columns = 0,
        int padding = 4, int captionScale = 1, Rgb? background = null, Rgb? textColor = null)
    {
        if (images.Count == 0) throw new ArgumentException("an image grid needs at least one image");
        if (captions is not null && captions.Count != images.Count)
            throw new ArgumentException($"{captions.Count} captions for {images.Count} images");
        var canvases = images.Select(Canvas.FromTensor).ToList();
        int cols = columns <= 0 ? images.Count : Math.Min(columns, images.Count);
        int rows = (images.Count + cols - 1) / cols;
        int cellW = canvases.Max(c => c.Width), cellH = canvases.Max(c => c.Height);
        bool anyCaption = captions?.Any(c => !string.IsNullOrEmpty(c)) == true;
        int captionH = anyCaption ? BitmapFont.GlyphHeight * captionScale + 3 : 0;
        int width = padding + cols * (cellW + padding), height = padding + rows * (captionH + cellH + padding);
        var grid = new Canvas(width, height, background ?? Rgb.White);
        for (int i = 0; i < canvases.Count; i++)
        {
            int x = padding + (i % cols) * (cellW + padding), y = padding + (i / cols) * (captionH + cellH + padding);
            if (anyCaption && !string.IsNullOrEmpty(captions![i]))
                grid.DrawText(FitCaption(captions[i], cellW, captionScale), x, y, textColor ?? Rgb.Black, captionScale);
            grid.Paste(canvases[i], x, y + captionH);
        }
        return grid.ToTensor();
    }

    /// <summary>The caption on one line, cut with ".." to fit <paramref name="width"/> pixels.</summary>
    public static string FitCaption(string caption, int width, int scale)
    {
        caption = caption.Replace('\n', ' ');
        int fits = (width / scale + 1) / BitmapFont.Advance;
        if (caption.Length <= fits) return caption;
        return fits <= 2 ? caption[..Math.Max(0, fits)] : caption[..(fits - 2)] + "..";
    }
}
