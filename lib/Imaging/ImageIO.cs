using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Imaging;

/// <summary>
/// Reads PNG, JPEG and binary PPM/PGM files, recognised by their first bytes (not their extension), and writes by
/// extension (.png, .jpg/.jpeg, .ppm/.pgm). Tensor forms use the kit's image convention: <c>[3,H,W]</c> float32 RGB
/// in [0,1].
/// </summary>
public static class ImageIO
{
    /// <summary>Reads any supported image file.</summary>
    public static Image Read(string path)
    {
        var data = ImageFiles.ReadAll(path, "image");
        return Detect(data) switch
        {
            "png" => Png.Decode(data, path),
            "jpeg" => Jpeg.Decode(data, path),
            "ppm" => Ppm.Decode(data, path),
            _ => throw new InvalidDataException($"{path}: unknown image format (wrong magic number: not PNG, JPEG or PPM; " +
                $"first bytes {Convert.ToHexString(data.AsSpan(0, Math.Min(8, data.Length)))})"),
        };
    }

    /// <summary>Reads an image file as a <c>[3,H,W]</c> float32 RGB tensor in [0,1] (gray expanded, alpha dropped).</summary>
    public static Tensor ReadTensor(string path) => Read(path).ToTensor();

    /// <summary>Writes by extension: .png (lossless, any depth), .jpg/.jpeg (quality 95), .ppm/.pgm.</summary>
    public static void Write(string path, Image image)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".png": Png.Write(path, image); break;
            case ".jpg" or ".jpeg": Jpeg.Write(path, image, 95); break;
            case ".ppm" or ".pgm": Ppm.Write(path, image); break;
            default: throw new NotSupportedException($"{path}: cannot tell the image format from the extension (use .png, .jpg or .ppm)");
        }
    }

    /// <summary>Writes a <c>[3,H,W]</c> or <c>[1,H,W]</c> float tensor in [0,1] as an 8-bit PNG (values clamped).</summary>
    public static void WriteTensor(string path, Tensor image) => Png.Write(path, ImageTensor.FromTensor(image));

    /// <summary>"png", "jpeg", "ppm" or null, from the first bytes.</summary>
    public static string? Detect(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 8 && data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return "png";
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return "jpeg";
        if (data.Length >= 2 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'7') return "ppm";
        return null;
    }
}
