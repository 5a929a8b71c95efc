using DistillKit.Tests.Support;
using DistillKit.Imaging;
using Xunit;

namespace DistillKit.Tests.Imaging;

public class JpegPpmTests
{
    static Image Gradient(int w, int h, int c)
    {
        var img = Image.Blank(w, h, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) img[x, y, k] = 20 + 2 * x + 3 * y + 30 * k; // smooth, at most 227: no wrap-around edges
        return img;
    }

    static (double Max, double Mean) Diff(Image a, Image b)
    {
        Assert.Equal((a.Width, a.Height, a.Channels), (b.Width, b.Height, b.Channels));
        double max = 0, sum = 0;
        for (int i = 0; i < a.Pixels8!.Length; i++)
        {
            double d = Math.Abs(a.Pixels8[i] - b.Pixels8![i]);
            max = Math.Max(max, d);
            sum += d;
        }
        return (max, sum / a.Pixels8.Length);
    }

    [Theory]
    [InlineData(3, true)] [InlineData(3, false)] [InlineData(1, true)]
    public void JpegRoundTripIsCloseAtHighQuality(int channels, bool subsample)
    {
        using var dir = new TempFolder();
        var img = Gradient(40, 24, channels);
        var path = dir.File("g.jpg");
        Jpeg.Write(path, img, quality: 95, chromaSubsampling: subsample);
        var back = Jpeg.Read(path);
        var (max, mean) = Diff(img, back);
        Assert.True(mean < 2.0 && max <= 16, $"JPEG q95 error too large: max {max}, mean {mean}");
    }

    [Fact]
    public void LowerQualityGivesSmallerFilesAndLargerErrors()
    {
        var rng = new Random(3);
        var img = Image.Blank(64, 48, 3);
        for (int i = 0; i < img.Pixels8!.Length; i++) img.Pixels8[i] = (byte)(128 + rng.Next(-60, 60) * ((i / 3 / 8) % 2));
        var q95 = Jpeg.Encode(img, 95);
        var q20 = Jpeg.Encode(img, 20);
        Assert.True(q20.Length < q95.Length, $"q20 {q20.Length} bytes, q95 {q95.Length} bytes");
        Assert.True(Diff(img, Jpeg.Decode(q20)).Mean > Diff(img, Jpeg.Decode(q95)).Mean);
    }

    [Fact]
    public void JpegRefusesAlphaAnd16Bit()
    {
        Assert.Throws<ArgumentException>(() => Jpeg.Encode(Image.Blank(2, 2, 4)));
        Assert.Throws<ArgumentException>(() => Jpeg.Encode(Image.Blank(2, 2, 3, 16)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Jpeg.Encode(Image.Blank(2, 2, 3), quality: 0));
    }

    [Fact]
    public void PpmRoundTripIsExact()
    {
        using var dir = new TempFolder();
        var img = Gradient(5, 3, 3);
        var path = dir.File("frame.ppm");
        Ppm.Write(path, img);
        Assert.True(img.PixelsEqual(Ppm.Read(path)));
        Assert.True(img.PixelsEqual(ImageIO.Read(path)));
        var gray = Gradient(4, 2, 1);
        Assert.True(gray.PixelsEqual(Ppm.Decode(Ppm.Encode(gray))));
    }

    [Fact]
    public void PpmHeaderWithCommentsAndSmallMaxvalIsParsed()
    {
        // hand-written: 2x1 P6, maxval 15, a comment between fields; samples 15 → 255, 0 → 0, 5 → round(5*255/15) = 85
        byte[] data = [.. "P6\n# FlyingChairs-like comment\n2 1\n15\n"u8.ToArray(), 15, 0, 5, 0, 15, 15];
        var img = Ppm.Decode(data);
        Assert.Equal((2, 1, 3), (img.Width, img.Height, img.Channels));
        Assert.Equal(new byte[] { 255, 0, 85, 0, 255, 255 }, img.Pixels8);
    }
}
