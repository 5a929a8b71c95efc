using System.Runtime.InteropServices;

namespace DistillKit.Imaging;

/// <summary>
/// P/Invoke declarations of lib/Native/dkimage.c (libpng and libjpeg-turbo), built into libdkimage.so next to
/// Lib.dll. The library is found by the assembly's resolver in lib/Runtime/TorchRuntime.cs.
/// </summary>
internal static unsafe class ImageNative
{
    const string Lib = "dkimage";

    /// <summary>Return codes of the shim.</summary>
    internal const int Ok = 0, Corrupt = -1, Signature = -2, Unsupported = -3, NoMemory = -4, BadArgument = -5;

    /// <summary>Kept for callers that force initialisation; the resolver is installed when Lib loads.</summary>
    internal static void Init() { }

    [DllImport(Lib)] internal static extern IntPtr dki_last_error();
    [DllImport(Lib)] internal static extern void dki_free(void* p);

    // info: width, height, channels, depth, file colour type, file interlace method
    [DllImport(Lib)]
    internal static extern int dki_png_decode(byte* data, nuint size, int* width, int* height, int* channels, int* depth,
        int* fileColorType, int* fileInterlace, void** pixels);

    [DllImport(Lib)]
    internal static extern int dki_png_encode(void* pixels, int width, int height, int channels, int depth,
        byte* paletteRgb, byte* paletteAlpha, int npalette, int interlace, int compressionLevel, byte** output, nuint* outputSize);

    [DllImport(Lib)]
    internal static extern int dki_jpeg_decode(byte* data, nuint size, int strict, int* width, int* height, int* channels, byte** pixels);

    [DllImport(Lib)]
    internal static extern int dki_jpeg_encode(byte* pixels, int width, int height, int channels, int quality, int subsample420,
        byte** output, nuint* outputSize);

    internal static string LastError() => Marshal.PtrToStringUTF8(dki_last_error()) ?? "unknown error";

    /// <summary>The .NET exception for a failed decode of <paramref name="source"/>: NotSupportedException for unsupported variants, InvalidDataException otherwise.</summary>
    internal static Exception DecodeError(int rc, string source, string format) => rc switch
    {
        Unsupported => new NotSupportedException($"{source}: unsupported {format} variant: {LastError()}"),
        NoMemory => new InvalidDataException($"{source}: cannot decode {format}: {LastError()}"),
        _ => new InvalidDataException($"{source}: invalid {format} file: {LastError()}"),
    };

    /// <summary>Copies a native buffer into a managed array and frees it.</summary>
    internal static byte[] TakeBytes(byte* p, nuint n)
    {
        try { return new ReadOnlySpan<byte>(p, checked((int)n)).ToArray(); }
        finally { dki_free(p); }
    }
}
