using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz;

/// <summary>
/// A mutable RGB raster in managed memory (channels-first, components in [0,1]) for composing figures: pasting
/// images, lines, markers and text. Drawing outside the canvas is clipped. Converts to and from the kit's
/// <c>[3,H,W]</c> float32 image tensors.
/// </summary>
public sealed class Canvas
{
    readonly float[] _px;

    public Canvas(int width, int height, Rgb background)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"canvas size must be positive, got {width}x{height}");
        Width = width;
        Height = height;
        _px = new float[3L * width * height];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>A canvas holding <paramref name="image"/> (<c>[3,H,W]</c>, <c>[1,H,W]</c> gray or <c>[H,W]</c>; batch of 1 allowed).</summary>
    public static Canvas FromTensor(Tensor image)
    {
        var rgb = ReadRgb(image, out int w, out int h);
        var canvas = new Canvas(w, h, Rgb.Black);
        rgb.CopyTo(canvas._px, 0);
        return canvas;
    }

    /// <summary>The canvas as a <c>[3,H,W]</c> float32 tensor.</summary>
    public Tensor ToTensor() => torch.tensor((float[])_px.Clone(), [3, Height, Width]);

    /// <summary>Colour of pixel (x, y).</summary>
    public Rgb this[int x, int y]
    {
        get
        {
            long hw = (long)Width * Height, p = (long)y * Width + x;
            if ((uint)x >= Width || (uint)y >= Height) throw new ArgumentOutOfRangeException($"({x},{y}) outside {Width}x{Height}");
            return new Rgb(_px[p], _px[hw + p], _px[2 * hw + p]);
        }
    }

    /// <summary>Sets pixel (x, y) when it lies on the canvas.</summary>
    public void SetPixel(int x, int y, Rgb c)
    {
        if ((uint)x >= Width || (uint)y >= Height) return;
        long hw = (long)Width * Height, p = (long)y * Width + x;
        _px[p] = c.R;
        _px[hw + p] = c.G;
        _px[2 * hw + p] = c.B;
    }

    /// <summary>Fills the rectangle with top-left (x, y), clipped.</summary>
    public void FillRect(int x, int y, int w, int h, Rgb c)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(Height, y + h); yy++)
            for (int xx = Math.Max(0, x); xx < Math.Min(Width, x + w); xx++) SetPixel(xx, yy, c);
    }

    /// <summary>Copies an image tensor with its top-left corner at (x, y), clipped (gray replicated to RGB).</summary>
    public Canvas Paste(Tensor image, int x, int y)
    {
        var v = ReadRgb(image, out int w, out int h);
        long hw = (long)w * h;
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++)
            {
                long p = (long)yy * w + xx;
                SetPixel(x + xx, y + yy, new Rgb(v[p], v[hw + p], v[2 * hw + p]));
            }
        return this;
    }

    /// <summary>Copies another canvas with its top-left corner at (x, y), clipped.</summary>
    public Canvas Paste(Canvas other, int x, int y)
    {
        for (int yy = 0; yy < other.Height; yy++)
            for (int xx = 0; xx < other.Width; xx++) SetPixel(x + xx, y + yy, other[xx, yy]);
        return this;
    }

    /// <summary>Channels-first RGB values of an image tensor (gray replicated).</summary>
    static float[] ReadRgb(Tensor image, out int w, out int h)
    {
        var v = TensorPixels.ReadChw(image, nameof(image), out int c, out h, out w, allow2d: true);
        if (c == 3) return v;
        if (c != 1) throw new ArgumentException($"image must have 1 or 3 channels, got [{string.Join(",", image.shape)}]");
        return [.. v, .. v, .. v];
    }

    /// <summary>A straight line from (x0, y0) to (x1, y1) (Bresenham), <paramref name="thickness"/> pixels wide.</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
        int lo = -(thickness - 1) / 2, hi = thickness / 2;
        while (true)
        {
            for (int oy = lo; oy <= hi; oy++)
                for (int ox = lo; ox <= hi; ox++) SetPixel(x0 + ox, y0 + oy, c);
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }

    /// <summary>A filled square marker of side 2·<paramref name="radius"/>+1 centred on (x, y).</summary>
    public void DrawMarker(int x, int y, Rgb c, int radius = 1) => FillRect(x - radius, y - radius, 2 * radius + 1, 2 * radius + 1, c);

    /// <summary>Text in the built-in 5×7 <see cref="BitmapFont"/> with its top-left corner at (x, y).</summary>
    public void DrawText(string text, int x, int y, Rgb c, int scale = 1) => BitmapFont.Draw(this, text, x, y, c, scale);
}
