namespace DistillKit.Imaging;

/// <summary>
/// JPEG reading and writing through libjpeg-turbo's TurboJPEG API (lib/Native/dkimage.c). Decodes to 8-bit RGB, or
/// 8-bit gray for grayscale files; CMYK files are not supported. By default libjpeg warnings (a truncated file
/// gives "premature end of JPEG file") are errors; pass <c>tolerateWarnings: true</c> to accept such images. A file
/// too small for the size its header declares (under one bit per 8×8 block, i.e. more than 1024 pixels per byte) is
/// refused as corrupt in both modes, before any pixel memory is taken.
/// </summary>
public static unsafe class Jpeg
{
    /// <summary>Reads a JPEG file.</summary>
    public static Image Read(string path, bool tolerateWarnings = false) =>
        Decode(ImageFiles.ReadAll(path, "JPEG"), path, tolerateWarnings);

    /// <summary>Decodes JPEG bytes; <paramref name="source"/> names them in error messages.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string source = "<memory>", bool tolerateWarnings = false)
    {
        ImageNative.Init();
        int w, h, c;
        byte* px;
        int rc;
        fixed (byte* p = data)
            rc = ImageNative.dki_jpeg_decode(p, (nuint)data.Length, tolerateWarnings ? 0 : 1, &w, &h, &c, &px);
        if (rc != ImageNative.Ok) throw ImageNative.DecodeError(rc, source, "JPEG");
        return Image.FromBytes(w, h, c, ImageNative.TakeBytes(px, (nuint)((long)w * h * c)));
    }

    /// <summary>
    /// Writes an 8-bit gray or RGB image as a baseline JPEG. <paramref name="quality"/> 1..100; 4:2:0 chroma
    /// subsampling unless <paramref name="chromaSubsampling"/> is false (then 4:4:4).
    /// </summary>
    public static void Write(string path, Image image, int quality = 90, bool chromaSubsampling = true) =>
        ImageFiles.WriteAll(path, Encode(image, quality, chromaSubsampling));

    /// <summary>Encodes an 8-bit gray or RGB image as JPEG bytes (see <see cref="Write"/>).</summary>
    public static byte[] Encode(Image image, int quality = 90, bool chromaSubsampling = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), $"JPEG quality must be 1..100, got {quality}");
        if (image.BitDepth != 8) throw new ArgumentException($"JPEG holds 8-bit samples: convert {image} with To8Bit() first");
        if (image.HasAlpha) throw new ArgumentException($"JPEG has no alpha channel: drop it from {image} with WithoutAlpha() first");
        ImageNative.Init();
        byte* output;
        nuint size;
        int rc;
        fixed (byte* p = image.Pixels8!)
            rc = ImageNative.dki_jpeg_encode(p, image.Width, image.Height, image.Channels, quality, chromaSubsampling ? 1 : 0, &output, &size);
        if (rc != ImageNative.Ok) throw new InvalidOperationException($"JPEG encoding of {image} failed: {ImageNative.LastError()}");
        return ImageNative.TakeBytes(output, size);
    }
}
