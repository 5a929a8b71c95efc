using DistillKit.Viz.Display;
using DistillKit.Viz.Plots;
using DistillKit.Viz;

namespace DistillKit.Imaging;

/// <summary>
/// A decoded raster image: <see cref="Width"/> x <see cref="Height"/> pixels, row-major, channels interleaved
/// (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), 8-bit samples in <see cref="Pixels8"/> or 16-bit samples in
/// <see cref="Pixels16"/>. Sample (x, y, c) is at index <c>(y * Width + x) * Channels + c</c>.
/// Convert to a tensor with <see cref="ImageTensor.ToTensor(Image)"/> (<c>[3,H,W]</c> float32 RGB in [0,1]).
/// </summary>
[TypeFormatterSource(typeof(ImageFormatterSource))]
public sealed class Image
{
    Image(int width, int height, int channels, int bitDepth, byte[]? p8, ushort[]? p16)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size must be positive, got {width}x{height}");
        if (channels < 1 || channels > 4) throw new ArgumentException($"an image has 1 to 4 channels, got {channels}");
        long n = (long)width * height * channels;
        long have = p8?.LongLength ?? p16!.LongLength;
        if (have != n)
            throw new ArgumentException($"{width}x{height}x{channels} image needs {n} samples, got {have}");
        Width = width;
        Height = height;
        Channels = channels;
        BitDepth = bitDepth;
        Pixels8 = p8;
        Pixels16 = p16;
    }

    /// <summary>An 8-bit image over <paramref name="pixels"/> (not copied; row-major, channels interleaved).</summary>
    public static Image FromBytes(int width, int height, int channels, byte[] pixels) =>
        new(width, height, channels, 8, pixels ?? throw new ArgumentNullException(nameof(pixels)), null);

    /// <summary>A 16-bit image over <paramref name="pixels"/> (not copied; row-major, channels interleaved).</summary>
    public static Image FromUInt16(int width, int height, int channels, ushort[] pixels) =>
        new(width, height, channels, 16, null, pixels ?? throw new ArgumentNullException(nameof(pixels)));

    /// <summary>A blank (all-zero) image.</summary>
    public static Image Blank(int width, int height, int channels, int bitDepth = 8) => bitDepth switch
    {
        8 => FromBytes(width, height, channels, new byte[(long)width * height * channels]),
        16 => FromUInt16(width, height, channels, new ushort[(long)width * height * channels]),
        _ => throw new ArgumentException($"bit depth must be 8 or 16, got {bitDepth}"),
    };

    public int Width { get; }
    public int Height { get; }

    /// <summary>1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>8 or 16.</summary>
    public int BitDepth { get; }

    /// <summary>The samples of an 8-bit image (null for 16-bit).</summary>
    public byte[]? Pixels8 { get; }

    /// <summary>The samples of a 16-bit image (null for 8-bit).</summary>
    public ushort[]? Pixels16 { get; }

    /// <summary>255 or 65535.</summary>
    public int MaxValue => BitDepth == 8 ? 255 : 65535;

    /// <summary>True for gray+alpha and RGBA.</summary>
    public bool HasAlpha => Channels is 2 or 4;

    /// <summary>Sample <paramref name="c"/> of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public int this[int x, int y, int c]
    {
        get
        {
            long i = Index(x, y, c);
            return Pixels8 is not null ? Pixels8[i] : Pixels16![i];
        }
        set
        {
            long i = Index(x, y, c);
            if (value < 0 || value > MaxValue) throw new ArgumentOutOfRangeException(nameof(value), $"sample {value} outside [0, {MaxValue}]");
            if (Pixels8 is not null) Pixels8[i] = (byte)value;
            else Pixels16![i] = (ushort)value;
        }
    }

    long Index(int x, int y, int c)
    {
        if ((uint)x >= Width || (uint)y >= Height || (uint)c >= Channels)
            throw new ArgumentOutOfRangeException($"pixel ({x},{y}) channel {c} outside a {Width}x{Height}x{Channels} image");
        return ((long)y * Width + x) * Channels + c;
    }

    /// <summary>Sample <paramref name="i"/> of the flat sample array as an int.</summary>
    public int Sample(long i) => Pixels8 is not null ? Pixels8[i] : Pixels16![i];

    /// <summary>A copy with 8-bit samples (16-bit values mapped by round(v / 257), so 65535 → 255).</summary>
    public Image To8Bit()
    {
        if (BitDepth == 8) return FromBytes(Width, Height, Channels, (byte[])Pixels8!.Clone());
        var src = Pixels16!;
        var dst = new byte[src.LongLength];
        for (long i = 0; i < src.LongLength; i++) dst[i] = (byte)((src[i] + 128) / 257);
        return FromBytes(Width, Height, Channels, dst);
    }

    /// <summary>A copy without the alpha channel (gray+alpha → gray, RGBA → RGB); a plain copy otherwise.</summary>
    public Image WithoutAlpha() => SelectChannels(Channels switch { 2 => [0], 4 => [0, 1, 2], 1 => [0], _ => [0, 1, 2] });

    /// <summary>A copy as RGB (gray replicated to 3 channels, alpha dropped), same bit depth.</summary>
    public Image ToRgb() => SelectChannels(Channels <= 2 ? [0, 0, 0] : [0, 1, 2]);

    Image SelectChannels(int[] from)
    {
        long n = (long)Width * Height;
        int co = from.Length;
        if (Pixels8 is not null)
        {
            var dst = new byte[n * co];
            for (long p = 0; p < n; p++)
                for (int c = 0; c < co; c++) dst[p * co + c] = Pixels8[p * Channels + from[c]];
            return FromBytes(Width, Height, co, dst);
        }
        var d16 = new ushort[n * co];
        for (long p = 0; p < n; p++)
            for (int c = 0; c < co; c++) d16[p * co + c] = Pixels16![p * Channels + from[c]];
        return FromUInt16(Width, Height, co, d16);
    }

    /// <summary>True when both images have the same size, channels, depth and samples.</summary>
    public bool PixelsEqual(Image other) =>
        Width == other.Width && Height == other.Height && Channels == other.Channels && BitDepth == other.BitDepth &&
        (Pixels8 is not null ? Pixels8.AsSpan().SequenceEqual(other.Pixels8) : Pixels16!.AsSpan().SequenceEqual(other.Pixels16));

    public override string ToString() =>
        $"Image {Width}x{Height} {(Channels switch { 1 => "gray", 2 => "gray+alpha", 3 => "RGB", _ => "RGBA" })} {BitDepth}-bit";
}
