using DistillKit.Data.Formats;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data;

public class KeypointCsvTests
{
    [Fact]
    public void PointsAndExtraColumnsRoundTripExactly()
    {
        using var dir = new TempFolder();
        var path = dir.File("q.csv");
        using var scope = torch.NewDisposeScope();
        var points = torch.tensor(new float[] { 0.1f, -0.5f, 1234.5678f, 1e-7f, 3, 4 }, [3, 2]);
        var confidence = torch.tensor(new float[] { 1, 0.333333343f, 0 });
        KeypointCsv.Write(path, points, [("confidence", confidence)]);
        Assert.Equal("x,y,confidence", File.ReadAllLines(path)[0]);
        Assert.Equal("0.1,-0.5,1", File.ReadAllLines(path)[1]);
        using var back = KeypointCsv.Read(path);
        Assert.True(back.Points.eq(points).all().item<bool>(), "the points changed on the way through the file");
        Assert.Equal(new[] { 2, 3, 4 }, back.Lines);
        Assert.Throws<ArgumentException>(() => KeypointCsv.Write(path, points, [("confidence", torch.zeros(2))]));
        Assert.Throws<ArgumentException>(() => KeypointCsv.Write(path, torch.zeros(3, 3)));
    }

    [Fact]
    public void ByteOrderMarkCrlfQuotesBlankLinesAndColumnOrderAreAccepted()
    {
        using var dir = new TempFolder();
        var path = dir.File("p.csv");
        File.WriteAllText(path, "\uFEFFid, Y ,X\r\n\r\n\"a,b\",2,\"1.5\"\r\n7,1e1,-0.25\r\n");
        using var rows = KeypointCsv.Read(path);
        TensorAssert.Close(torch.tensor(new float[] { 1.5f, 2, -0.25f, 10 }, [2, 2]), rows.Points, rtol: 0, atol: 0);
        Assert.Equal(new[] { 3, 4 }, rows.Lines);
    }

    [Fact]
    public void CheckInsideTakesThePixelEdgesAsTheImageBorder()
    {
        using var dir = new TempFolder();
        var path = dir.File("p.csv");
        File.WriteAllText(path, "x,y\n-0.5,-0.5\n9.5,4.5\n");
        using (var rows = KeypointCsv.Read(path)) rows.CheckInside(10, 5, "img");
        File.WriteAllText(path, "x,y\n-0.5,-0.5\n9.5,4.51\n");
        using (var rows = KeypointCsv.Read(path))
        {
            var e = Assert.Throws<InvalidDataException>(() => rows.CheckInside(10, 5, "img.png"));
            Assert.Contains($"{path}:3: point (9.5, 4.51) lies outside img.png (10×5", e.Message);
        }
    }
}
