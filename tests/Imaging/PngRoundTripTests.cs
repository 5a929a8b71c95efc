using DistillKit.Tests.Support;
using DistillKit.Imaging;
using Xunit;

namespace DistillKit.Tests.Imaging;

public class PngRoundTripTests
{
    static Image Pattern8(int w, int h, int c)
    {
        var px = new byte[w * h * c];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 37 + i / 7);
        return Image.FromBytes(w, h, c, px);
    }

    static Image Pattern16(int w, int h, int c)
    {
        var px = new ushort[w * h * c];
        for (int i = 0; i < px.Length; i++) px[i] = (ushort)(i * 4099 + 1); // uses both bytes of every sample
        return Image.FromUInt16(w, h, c, px);
    }

    [Theory]
    [InlineData(1, false)] [InlineData(2, false)] [InlineData(3, false)] [InlineData(4, false)]
    [InlineData(3, true)] [InlineData(2, true)]
    public void EightBitRoundTripIsExact(int channels, bool interlaced)
    {
        using var dir = new TempFolder();
        var img = Pattern8(13, 9, channels);
        var path = dir.File("a.png");
        Png.Write(path, img, new PngWriteOptions { Interlaced = interlaced });
        var back = Png.Read(path, out var header);
        Assert.True(img.PixelsEqual(back), $"{img} changed in a PNG round trip");
        Assert.Equal(interlaced, header.Interlaced);
        Assert.Equal(channels switch { 1 => PngColorType.Gray, 2 => PngColorType.GrayAlpha, 3 => PngColorType.Rgb, _ => PngColorType.Rgba }, header.ColorType);
    }

    [Theory]
    [InlineData(1, false)] [InlineData(2, false)] [InlineData(3, false)] [InlineData(4, false)] [InlineData(1, true)]
    public void SixteenBitRoundTripIsExact(int channels, bool interlaced)
    {
        var img = Pattern16(10, 7, channels);
        var back = Png.Decode(Png.Encode(img, new PngWriteOptions { Interlaced = interlaced }));
        Assert.Equal(16, back.BitDepth);
        Assert.True(img.PixelsEqual(back), $"{img} changed in a PNG round trip");
    }

    [Fact]
    public void PaletteRoundTripKeepsColoursAndWritesAPaletteFile()
    {
        var img = Image.Blank(9, 6, 3);
        (byte, byte, byte)[] colours = [(255, 0, 0), (0, 128, 255), (20, 200, 60)];
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 9; x++)
            {
                var (r, g, b) = colours[(x + y) % 3];
                img[x, y, 0] = r; img[x, y, 1] = g; img[x, y, 2] = b;
            }
        var back = Png.Decode(Png.Encode(img, new PngWriteOptions { Palette = true }), "<palette>", out var header);
        Assert.Equal(PngColorType.Palette, header.ColorType);
        Assert.True(img.PixelsEqual(back));
    }

    [Fact]
    public void PaletteWithTransparencyReadsBackAsRgba()
    {
        var img = Image.FromBytes(2, 1, 4, [10, 20, 30, 255, 40, 50, 60, 0]);
        var back = Png.Decode(Png.Encode(img, new PngWriteOptions { Palette = true }), "<p>", out var header);
        Assert.Equal(PngColorType.Palette, header.ColorType);
        Assert.True(img.PixelsEqual(back), $"got {string.Join(",", back.Pixels8!)}");
    }

    [Fact]
    public void PaletteWithTooManyColoursIsRefused()
    {
        var img = Image.Blank(300, 1, 1);
        for (int x = 0; x < 256; x++) img[x, 0, 0] = x;
        Png.Encode(img, new PngWriteOptions { Palette = true }); // 256 distinct grays fit
        var rgb = Image.Blank(300, 1, 3);
        for (int x = 0; x < 300; x++) { rgb[x, 0, 0] = x % 256; rgb[x, 0, 1] = x / 256; }
        var e = Assert.Throws<ArgumentException>(() => Png.Encode(rgb, new PngWriteOptions { Palette = true }));
        Assert.Contains("256", e.Message);
    }

    [Fact]
    public void ImageIoDetectsFormatByContent()
    {
        using var dir = new TempFolder();
        var path = dir.File("really-a-png.jpg.bin");
        File.WriteAllBytes(path, Png.Encode(Pattern8(3, 2, 3)));
        var back = ImageIO.Read(path);
        Assert.True(Pattern8(3, 2, 3).PixelsEqual(back));
    }
}
