using DistillKit.Tests.Support;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class FlyingChairsTests
{
    const int H = 4, W = 6;

    /// <summary>DEST/FlyingChairs_release/data with samples 00001..00005 (flow u = n, v = −n/2 for sample n).</summary>
    static string Build(TempFolder dir, int[]? split = null)
    {
        var data = Path.Combine(dir.Path, "FlyingChairs_release", "data");
        for (int n = 1; n <= 5; n++)
        {
            FlowFixtures.WriteFrame(Path.Combine(data, $"{n:D5}_img1.ppm"), H, W, 2 * n);
            FlowFixtures.WriteFrame(Path.Combine(data, $"{n:D5}_img2.ppm"), H, W, 2 * n + 1);
            using var flow = FlowFixtures.AffineFlow(H, W, n, 0, -n / 2f, 0);
            FlowFixtures.WriteFlo(Path.Combine(data, $"{n:D5}_flow.flo"), flow);
        }
        if (split is not null)
            FlyingChairsSplitFile.Write(Path.Combine(dir.Path, "FlyingChairs_release", FlyingChairs.SplitFileName), split);
        return data;
    }

    [Fact]
    public void ListsEveryPairInOrderFromAnyOfTheThreeRoots()
    {
        using var dir = new TempFolder();
        var data = Build(dir);
        foreach (var root in new[] { dir.Path, Path.Combine(dir.Path, "FlyingChairs_release"), data })
        {
            var index = FlyingChairs.Open(root);
            Assert.Equal(new[] { "00001", "00002", "00003", "00004", "00005" }, index.Select(p => p.Id));
            Assert.Equal(Path.Combine(data, "00003_img2.ppm"), index[2].Image2Path);
            Assert.Equal(Path.Combine(data, "00003_flow.flo"), index[2].FlowPath);
            Assert.Null(index[2].OccPath);
            Assert.True(index.HasGroundTruth);
        }
    }

    [Fact]
    public void LoadsPpmFramesAndFloFlowExactly()
    {
        using var dir = new TempFolder();
        Build(dir);
        using var scope = torch.NewDisposeScope();
        using var pair = FlowPairLoader.Load(FlyingChairs.Open(dir.Path)[1]); // sample 2
        Assert.Equal(new long[] { 3, H, W }, pair.Image1.shape);
        Assert.Equal(new long[] { 2, H, W }, pair.Flow!.shape);
        Assert.Equal(new long[] { 1, H, W }, pair.Valid!.shape);
        Assert.Equal(FlowFixtures.Image(H, W, 4).data<float>().ToArray(), pair.Image1.data<float>().ToArray());
        Assert.Equal(FlowFixtures.Image(H, W, 5).data<float>().ToArray(), pair.Image2.data<float>().ToArray());
        Assert.Equal(Enumerable.Repeat(2f, H * W).Concat(Enumerable.Repeat(-1f, H * W)), pair.Flow.data<float>().ToArray());
        Assert.Equal(1.0, pair.Valid.min().ToDouble());
        Assert.Null(pair.Occ);
        Assert.Null(pair.Noc);
    }

    [Fact]
    public void SplitFileLineNDecidesSampleN()
    {
        using var dir = new TempFolder();
        Build(dir, split: [1, 2, 1, 1, 2]);
        Assert.Equal(new[] { "00001", "00003", "00004" }, FlyingChairs.Open(dir.Path, FlyingChairsSplit.Train).Select(p => p.Id));
        var val = FlyingChairs.Open(Path.Combine(dir.Path, "FlyingChairs_release", "data"), FlyingChairsSplit.Val);
        Assert.Equal(new[] { "00002", "00005" }, val.Select(p => p.Id));
        Assert.Equal("flyingchairs-val", val.Name);
        // an explicit file wins over the one found beside the data
        var other = Path.Combine(dir.Path, "mine.txt");
        FlyingChairsSplitFile.Write(other, [2, 2, 2, 2, 1]);
        Assert.Equal(new[] { "00005" }, FlyingChairs.Open(dir.Path, FlyingChairsSplit.Train, other).Select(p => p.Id));
    }

    [Fact]
    public void SplitFileRoundTripsAndRejectsBadValues()
    {
        using var dir = new TempFolder();
        var path = dir.File("split.txt");
        FlyingChairsSplitFile.Write(path, [1, 2, 2, 1]);
        Assert.Equal("1\n2\n2\n1\n", File.ReadAllText(path));
        Assert.Equal(new[] { 1, 2, 2, 1 }, FlyingChairsSplitFile.Read(path));
        File.WriteAllText(path, "1\n3\n");
        var e = Assert.Throws<InvalidDataException>(() => FlyingChairsSplitFile.Read(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void SplitNeedsTheOfficialFileAndEnoughLines()
    {
        using var dir = new TempFolder();
        Build(dir);
        Assert.Equal(5, FlyingChairs.Open(dir.Path).Count); // the whole set needs no split file
        var missing = Assert.Throws<FileNotFoundException>(() => FlyingChairs.Open(dir.Path, FlyingChairsSplit.Val));
        Assert.Contains(FlyingChairs.SplitFileName, missing.Message);
        Assert.Contains(FlyingChairs.SplitFileUrl, missing.Message);
        FlyingChairsSplitFile.Write(Path.Combine(dir.Path, FlyingChairs.SplitFileName), [1, 1, 1]); // grandparent of data/
        var shortFile = Assert.Throws<InvalidDataException>(() => FlyingChairs.Open(dir.Path, FlyingChairsSplit.Train));
        Assert.Contains("3 lines", shortFile.Message);
        Assert.Contains("00004", shortFile.Message);
    }

    [Fact]
    public void MissingFoldersAndFilesAreNamed()
    {
        using var dir = new TempFolder();
        var nowhere = Path.Combine(dir.Path, "absent");
        var e = Assert.Throws<DirectoryNotFoundException>(() => FlyingChairs.Open(nowhere));
        Assert.Contains(nowhere, e.Message);
        Assert.Contains("data-scripts/get-flyingchairs.sh", e.Message);
        var noData = Assert.Throws<DirectoryNotFoundException>(() => FlyingChairs.Open(dir.Path));
        Assert.Contains(Path.Combine(dir.Path, "data"), noData.Message);

        var data = Path.Combine(dir.Path, "data");
        Directory.CreateDirectory(data);
        var empty = Assert.Throws<InvalidDataException>(() => FlyingChairs.Open(dir.Path));
        Assert.Contains(data, empty.Message);

        FlowFixtures.WriteFrame(Path.Combine(data, "00001_img1.ppm"), H, W, 1);
        var noImg2 = Assert.Throws<InvalidDataException>(() => FlyingChairs.Open(dir.Path));
        Assert.Contains(Path.Combine(data, "00001_img2.ppm"), noImg2.Message);
    }
}
