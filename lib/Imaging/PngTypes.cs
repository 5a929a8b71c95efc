namespace DistillKit.Imaging;

/// <summary>PNG colour types as stored in the IHDR chunk.</summary>
public enum PngColorType
{
    Gray = 0, Rgb = 2, Palette = 3, GrayAlpha = 4, Rgba = 6,
}

/// <summary>What a PNG file itself declares (before the reader expands palettes and low bit depths).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="ColorType">The stored colour type.</param>
/// <param name="Interlaced">True for Adam7 interlacing.</param>
public sealed record PngHeader(int Width, int Height, PngColorType ColorType, bool Interlaced);

/// <summary>How <see cref="Png.Encode"/> writes a file.</summary>
public sealed record PngWriteOptions
{
    /// <summary>Write Adam7-interlaced.</summary>
    public bool Interlaced { get; init; }

    /// <summary>
    /// Write a palette (indexed-colour) PNG: needs an 8-bit image with at most 256 distinct colours; gray is stored
    /// as gray palette entries and alpha as a tRNS chunk. Reading it back gives RGB (RGBA with alpha).
    /// </summary>
    public bool Palette { get; init; }

    /// <summary>zlib level 0 (none) .. 9 (smallest).</summary>
    public int CompressionLevel { get; init; } = 6;

    public static readonly PngWriteOptions Default = new();
}
