using DistillKit.Tests.Support;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Imaging;

public class ImageTensorTests
{
    [Fact]
    public void RgbaBecomesThreeChannelsInUnitRange()
    {
        // 2x1 RGBA: pixel 0 = (255, 0, 51, 7), pixel 1 = (102, 204, 0, 255); alpha dropped, values / 255
        var img = Image.FromBytes(2, 1, 4, [255, 0, 51, 7, 102, 204, 0, 255]);
        using var t = img.ToTensor();
        Assert.Equal(new long[] { 3, 1, 2 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        var v = t.data<float>().ToArray();
        float[] expected = [1f, 0.4f, 0f, 0.8f, 0.2f, 0f]; // R plane, G plane, B plane
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], v[i], 6);
    }

    [Fact]
    public void GrayIsReplicatedAnd16BitDividesBy65535()
    {
        var img = Image.FromUInt16(1, 2, 1, [65535, 13107]); // 13107 = 65535 / 5
        using var t = img.ToTensor();
        Assert.Equal(new long[] { 3, 2, 1 }, t.shape);
        var v = t.data<float>().ToArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(1f, v[2 * c], 6);
            Assert.Equal(0.2f, v[2 * c + 1], 6);
        }
    }

    [Fact]
    public void RawTensorKeepsExactSixteenBitValuesAndAllChannels()
    {
        var img = Image.FromUInt16(1, 1, 3, [65535, 32768, 1]);
        using var t = img.ToRawTensor();
        Assert.Equal(new long[] { 3, 1, 1 }, t.shape);
        Assert.Equal(new float[] { 65535, 32768, 1 }, t.data<float>().ToArray());
    }

    [Fact]
    public void FromTensorClampsAndRounds()
    {
        // values: -0.5 → 0, 0.5 → 127.5 → 128 (half away from zero), 1.7 → 255, 0.2 → 51
        using var t = torch.tensor([-0.5f, 0.5f, 1.7f, 0.2f], 1, 2, 2);
        var img = ImageTensor.FromTensor(t);
        Assert.Equal((2, 2, 1, 8), (img.Width, img.Height, img.Channels, img.BitDepth));
        Assert.Equal(new byte[] { 0, 128, 255, 51 }, img.Pixels8);
    }

    [Fact]
    public void TensorPngRoundTripIsWithinQuantisation()
    {
        using var dir = new TempFolder();
        torch.manual_seed(11);
        using var t = torch.rand(3, 5, 7);
        var path = dir.File("t.png");
        ImageIO.WriteTensor(path, t);
        using var back = ImageIO.ReadTensor(path);
        using var err = (back - t).abs().max();
        Assert.True(err.ToDouble() <= 0.5 / 255 + 1e-6, $"max error {err.ToDouble()}");
    }

    [Fact]
    public void BatchOfOneIsAccepted()
    {
        using var t = torch.ones(1, 3, 2, 2);
        var img = ImageTensor.FromTensor(t);
        Assert.Equal((2, 2, 3), (img.Width, img.Height, img.Channels));
        Assert.All(img.Pixels8!, b => Assert.Equal(255, b));
        using var bad = torch.ones(2, 3, 2, 2);
        Assert.Throws<ArgumentException>(() => ImageTensor.FromTensor(bad));
    }
}
