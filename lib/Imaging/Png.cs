namespace DistillKit.Imaging;

/// <summary>
/// PNG reading and writing through libpng (lib/Native/dkimage.c). Reads 1..16-bit gray, gray+alpha, RGB, RGBA and
/// palette files, interlaced or not: palettes expand to RGB (RGBA with transparency), gray below 8 bits to 8 bits,
/// tRNS to alpha; 16-bit files stay 16-bit. Bad files throw <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static unsafe class Png
{
    /// <summary>Reads a PNG file.</summary>
    public static Image Read(string path) => Read(path, out _);

    /// <summary>Reads a PNG file and what its header declares.</summary>
    public static Image Read(string path, out PngHeader header) => Decode(ImageFiles.ReadAll(path, "PNG"), path, out header);

    /// <summary>Decodes PNG bytes; <paramref name="source"/> names them in error messages.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string source = "<memory>") => Decode(data, source, out _);

    /// <summary>Decodes PNG bytes and returns what the header declares.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string source, out PngHeader header)
    {
        ImageNative.Init();
        int w, h, c, d, ct, il;
        void* px;
        int rc;
        fixed (byte* p = data)
            rc = ImageNative.dki_png_decode(p, (nuint)data.Length, &w, &h, &c, &d, &ct, &il, &px);
        if (rc != ImageNative.Ok) throw ImageNative.DecodeError(rc, source, "PNG");
        try
        {
            header = new PngHeader(w, h, (PngColorType)ct, il != 0);
            long n = (long)w * h * c;
            if (d == 8) return Image.FromBytes(w, h, c, new ReadOnlySpan<byte>(px, checked((int)n)).ToArray());
            return Image.FromUInt16(w, h, c, new ReadOnlySpan<ushort>(px, checked((int)n)).ToArray());
        }
        finally { ImageNative.dki_free(px); }
    }

    /// <summary>Writes <paramref name="image"/> as a PNG file (8- or 16-bit, its own channel count).</summary>
    public static void Write(string path, Image image, PngWriteOptions? options = null) =>
        ImageFiles.WriteAll(path, Encode(image, options));

    /// <summary>Encodes <paramref name="image"/> as PNG bytes.</summary>
    public static byte[] Encode(Image image, PngWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= PngWriteOptions.Default;
        ImageNative.Init();
        byte* output;
        nuint size;
        int rc;
        if (options.Palette)
        {
            var (indices, rgb, alpha, count) = BuildPalette(image);
            fixed (byte* ip = indices)
            fixed (byte* pr = rgb)
            fixed (byte* pa = alpha)
                rc = ImageNative.dki_png_encode(ip, image.Width, image.Height, 1, 8, pr, alpha is null ? null : pa, count,
                    options.Interlaced ? 1 : 0, options.CompressionLevel, &output, &size);
        }
        else if (image.Pixels8 is { } p8)
        {
            fixed (byte* pp = p8)
                rc = ImageNative.dki_png_encode(pp, image.Width, image.Height, image.Channels, 8, null, null, 0,
                    options.Interlaced ? 1 : 0, options.CompressionLevel, &output, &size);
        }
        else
        {
            fixed (ushort* pp = image.Pixels16!)
                rc = ImageNative.dki_png_encode(pp, image.Width, image.Height, image.Channels, 16, null, null, 0,
                    options.Interlaced ? 1 : 0, options.CompressionLevel, &output, &size);
        }
        if (rc != ImageNative.Ok) throw new InvalidOperationException($"PNG encoding of {image} failed: {ImageNative.LastError()}");
        return ImageNative.TakeBytes(output, size);
    }

    /// <summary>Palette indices, RGB triples, alphas (null when opaque) and colour count of an 8-bit image.</summary>
    static (byte[] Indices, byte[] Rgb, byte[]? Alpha, int Count) BuildPalette(Image image)
    {
        if (image.BitDepth != 8) throw new ArgumentException($"a palette PNG holds 8-bit colours; {image} is {image.BitDepth}-bit");
        var rgba = new Dictionary<uint, byte>();
        var rgb = new List<byte>();
        var alpha = new List<byte>();
        var indices = new byte[(long)image.Width * image.Height];
        var px = image.Pixels8!;
        int ch = image.Channels;
        bool anyAlpha = false;
        for (long p = 0; p < indices.LongLength; p++)
        {
            long o = p * ch;
            byte r = px[o], g = ch >= 3 ? px[o + 1] : r, b = ch >= 3 ? px[o + 2] : r;
            byte a = ch == 2 ? px[o + 1] : ch == 4 ? px[o + 3] : (byte)255;
            uint key = (uint)(r | g << 8 | b << 16 | a << 24);
            if (!rgba.TryGetValue(key, out var idx))
            {
                if (rgba.Count == 256) throw new ArgumentException($"a palette PNG holds at most 256 colours; {image} has more");
                idx = (byte)rgba.Count;
                rgba[key] = idx;
                rgb.AddRange([r, g, b]);
                alpha.Add(a);
                anyAlpha |= a != 255;
            }
            indices[p] = idx;
        }
        return (indices, rgb.ToArray(), anyAlpha ? alpha.ToArray() : null, rgba.Count);
    }
}
