using System.Text;

namespace DistillKit.Imaging;

/// <summary>
/// Binary Netpbm images, the format of FlyingChairs' frames: P6 (RGB) and P5 (gray) with maxval up to 255, read
/// into 8-bit images (maxval below 255 is rescaled to 0..255). ASCII variants (P1–P3), bitmaps (P4) and 16-bit
/// files (maxval above 255) throw <see cref="NotSupportedException"/>; a file whose pixel data does not match its
/// header size throws <see cref="InvalidDataException"/>.
/// </summary>
public static class Ppm
{
    /// <summary>Reads a P6 or P5 file.</summary>
    public static Image Read(string path) => Decode(ImageFiles.ReadAll(path, "PPM"), path);

    /// <summary>Decodes P6/P5 bytes; <paramref name="source"/> names them in error messages.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string source = "<memory>")
    {
        if (data.Length < 2 || data[0] != (byte)'P' || data[1] is < (byte)'1' or > (byte)'7')
            throw new InvalidDataException($"{source}: not a PPM/PGM file (wrong magic number: expected 'P6' or 'P5')");
        char kind = (char)data[1];
        if (kind is not ('5' or '6'))
            throw new NotSupportedException($"{source}: unsupported Netpbm variant P{kind} (only binary P6 RGB and P5 gray are read)");
        int pos = 2;
        int width = Header(data, ref pos, source, "width");
        int height = Header(data, ref pos, source, "height");
        int maxval = Header(data, ref pos, source, "maxval");
        if (width <= 0 || height <= 0 || maxval <= 0)
            throw new InvalidDataException($"{source}: bad PPM header (width {width}, height {height}, maxval {maxval})");
        if (maxval > 255)
            throw new NotSupportedException($"{source}: unsupported 16-bit PPM (maxval {maxval}); only 8-bit files are read");
        if (pos >= data.Length || !IsSpace(data[pos]))
            throw new InvalidDataException($"{source}: truncated PPM header (no whitespace after maxval)");
        pos++;
        int channels = kind == '6' ? 3 : 1;
        long need = (long)width * height * channels;
        long have = data.Length - pos;
        if (have != need)
            throw new InvalidDataException($"{source}: size mismatch: the header says {width}x{height}x{channels} = {need} bytes of pixels, " +
                $"the file holds {have}{(have < need ? " (truncated)" : "")}");
        var px = data.Slice(pos, (int)need).ToArray();
        if (maxval != 255)
            for (int i = 0; i < px.Length; i++)
            {
                if (px[i] > maxval) throw new InvalidDataException($"{source}: sample {px[i]} exceeds maxval {maxval}");
                px[i] = (byte)((px[i] * 255 + maxval / 2) / maxval);
            }
        return Image.FromBytes(width, height, channels, px);
    }

    /// <summary>Writes an 8-bit RGB image as P6 or a gray image as P5 (alpha is not allowed).</summary>
    public static void Write(string path, Image image) => ImageFiles.WriteAll(path, Encode(image));

    /// <summary>Encodes an 8-bit RGB image as P6 or a gray image as P5.</summary>
    public static byte[] Encode(Image image)
    {
        if (image.BitDepth != 8 || image.Channels is not (1 or 3))
            throw new ArgumentException($"PPM/PGM writing needs an 8-bit RGB or gray image, got {image}");
        var header = Encoding.ASCII.GetBytes($"P{(image.Channels == 3 ? 6 : 5)}\n{image.Width} {image.Height}\n255\n");
        return [.. header, .. image.Pixels8!];
    }

    static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    static int Header(ReadOnlySpan<byte> d, ref int pos, string source, string field)
    {
        while (pos < d.Length && (IsSpace(d[pos]) || d[pos] == (byte)'#'))
        {
            if (d[pos] == (byte)'#') while (pos < d.Length && d[pos] != (byte)'\n') pos++;
            else pos++;
        }
        long value = 0;
        int start = pos;
        while (pos < d.Length && d[pos] >= (byte)'0' && d[pos] <= (byte)'9' && value < int.MaxValue)
            value = value * 10 + (d[pos++] - (byte)'0');
        if (pos == start)
            throw new InvalidDataException($"{source}: truncated or malformed PPM header (no {field})");
        if (value > int.MaxValue) throw new InvalidDataException($"{source}: PPM {field} {value} too large");
        return (int)value;
    }
}
