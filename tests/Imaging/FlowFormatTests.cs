using DistillKit.Tests.Support;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Imaging;

public class FlowFormatTests
{
    [Fact]
    public void FloRoundTripKeepsValuesAndUnknowns()
    {
        using var dir = new TempFolder();
        // 3x2 flow, u = x + 0.25, v = -y - 0.5; pixel (2,1) unknown through the mask
        var u = new float[] { 0.25f, 1.25f, 2.25f, 0.25f, 1.25f, 2.25f };
        var v = new float[] { -0.5f, -0.5f, -0.5f, -1.5f, -1.5f, -1.5f };
        using var flow = torch.tensor([.. u, .. v], [2, 2, 3]);
        using var valid = torch.tensor(new float[] { 1, 1, 1, 1, 1, 0 }, [1, 2, 3]);
        var path = dir.File("a.flo");
        MiddleburyFlo.Write(path, flow, valid);

        using var back = MiddleburyFlo.Read(path);
        Assert.Equal(new long[] { 2, 2, 3 }, back.Flow.shape);
        Assert.Equal(new long[] { 1, 2, 3 }, back.Valid.shape);
        Assert.Equal(new float[] { 0.25f, 1.25f, 2.25f, 0.25f, 1.25f, 0, -0.5f, -0.5f, -0.5f, -1.5f, -1.5f, 0 }, back.Flow.data<float>().ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 0 }, back.Valid.data<float>().ToArray());
    }

    [Fact]
    public void FloLayoutMatchesTheSpecification()
    {
        // 2x1 flow, (u,v) = (1.5, -2) then (3, 4): "PIEH", width 2, height 1, then u0 v0 u1 v1 (float32 little-endian)
        using var flow = torch.tensor(new float[] { 1.5f, 3f, -2f, 4f }, [2, 1, 2]);
        var bytes = MiddleburyFlo.Encode(flow);
        Assert.Equal("PIEH"u8.ToArray(), bytes[..4]);
        Assert.Equal(2, BitConverter.ToInt32(bytes, 4));
        Assert.Equal(1, BitConverter.ToInt32(bytes, 8));
        Assert.Equal(new[] { 1.5f, -2f, 3f, 4f }, Enumerable.Range(0, 4).Select(i => BitConverter.ToSingle(bytes, 12 + 4 * i)));
    }

    [Fact]
    public void FloValuesAboveOneBillionAreUnknown()
    {
        // hand-made file: pixel 0 = (1e10, 0) unknown, pixel 1 = (2, 3) known
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(202021.25f));
        bytes.AddRange(BitConverter.GetBytes(2));
        bytes.AddRange(BitConverter.GetBytes(1));
        foreach (var f in new[] { 1e10f, 0f, 2f, 3f }) bytes.AddRange(BitConverter.GetBytes(f));
        using var r = MiddleburyFlo.Decode(bytes.ToArray(), "hand.flo");
        Assert.Equal(new float[] { 0, 2, 0, 3 }, r.Flow.data<float>().ToArray());
        Assert.Equal(new float[] { 0, 1 }, r.Valid.data<float>().ToArray());
    }

    [Fact]
    public void KittiRoundTripKeepsSixtyFourthsAndValidity()
    {
        using var dir = new TempFolder();
        // multiples of 1/64 px are stored exactly; pixel 1 invalid
        using var flow = torch.tensor(new float[] { 10.015625f, -3.5f, 0f, -511.984375f, 100f, 0.5f }, [2, 1, 3]);
        using var valid = torch.tensor(new float[] { 1, 0, 1 }, [1, 1, 3]);
        var path = dir.File("000000_10.png");
        KittiFlowPng.Write(path, flow, valid);

        var raw = Png.Read(path);
        Assert.Equal((16, 3), (raw.BitDepth, raw.Channels));
        // pixel 0: R = 10.015625*64 + 32768 = 33409, G = -511.984375*64 + 32768 = 1, B = 1
        Assert.Equal(new ushort[] { 33409, 1, 1 }, raw.Pixels16![..3]);
        Assert.Equal(new ushort[] { 0, 0, 0 }, raw.Pixels16[3..6]);

        using var back = KittiFlowPng.Read(path);
        Assert.Equal(new float[] { 10.015625f, 0f, 0f, -511.984375f, 0f, 0.5f }, back.Flow.data<float>().ToArray());
        Assert.Equal(new float[] { 1, 0, 1 }, back.Valid.data<float>().ToArray());
    }

    [Fact]
    public void FlowFileDispatchesByExtension()
    {
        using var dir = new TempFolder();
        using var flow = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 1, 2]);
        foreach (var name in new[] { "f.flo", "f.png" })
        {
            FlowFile.Write(dir.File(name), flow);
            using var back = FlowFile.Read(dir.File(name));
            Assert.Equal(new float[] { 1, 2, 3, 4 }, back.Flow.data<float>().ToArray());
            Assert.Equal(new float[] { 1, 1 }, back.Valid.data<float>().ToArray());
        }
    }
}
