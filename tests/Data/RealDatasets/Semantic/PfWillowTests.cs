using DistillKit.Data.Semantic;
using DistillKit.Metrics;
using DistillKit.Tests.Support;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets.Semantic;

public class PfWillowTests
{
    [Fact]
    public void ReadsPairsDroppingPaddedNanAndEmptyKeypoints()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildWillow(dir.Path);
        var index = PfWillow.Open(dir.Path);
        Assert.Equal("pf-willow", index.Name);
        Assert.Equal(new[] { "test-0001", "test-0002" }, index.Select(p => p.Id));
        var car = index[0];
        Assert.Equal(Path.GetFullPath(Path.Combine(dir.Path, "PF-dataset", "car(G)", "car_002.png")), car.TargetPath);
        Assert.Equal(("car(G)", SemanticSplit.Test), (car.Category, car.Split));
        Assert.Equal(new float[,] { { 100, 150 }, { 300, 200 }, { 250, 400 } }, car.SourceKeypoints); // the −1 fourth is gone
        Assert.Equal(3, car.KeypointCount);
        var duck = index[1];
        Assert.Equal("duck(S)", duck.Category);
        // keypoint 2 has a NaN source y, keypoint 4 an empty target x: both dropped with their partners
        Assert.Equal(new float[,] { { 1, 1 }, { 3, 3 } }, duck.SourceKeypoints);
        Assert.Equal(new float[,] { { 5, 5 }, { 7, 7 } }, duck.TargetKeypoints);
    }

    [Fact]
    public void PckUsesTheValidKeypointBoxNotThePaddedOne()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildWillow(dir.Path);
        var car = PfWillow.Open(dir.Path)[0];
        // predictions 0, 15 and 30 px off the three valid target keypoints
        using var predicted = torch.tensor(new float[] { 100, 150, 315, 200, 250, 430 }, [3, 2]);
        // the kit: L = max(300 − 100, 400 − 150) = 250, α 0.05 → 12.5 px: one of three
        Assert.Equal(new[] { 1.0 / 3 }, PckProtocols.PfWillow(predicted, car, [0.05]));
        // had the −1 padding row stayed in, L = max(300 + 1, 400 + 1) = 401 → 20.05 px: two of three, an inflated PCK
        var padded = new float[,] { { 100, 150 }, { 300, 200 }, { 250, 400 }, { -1, -1 } };
        float x0 = float.MaxValue, x1 = float.MinValue, y0 = float.MaxValue, y1 = float.MinValue;
        for (int i = 0; i < 4; i++) (x0, x1, y0, y1) = (Math.Min(x0, padded[i, 0]), Math.Max(x1, padded[i, 0]), Math.Min(y0, padded[i, 1]), Math.Max(y1, padded[i, 1]));
        Assert.Equal(401, Math.Max(x1 - x0, y1 - y0));
        Assert.Equal(new[] { 2.0 / 3 }, Pck.OfPair(Pck.ToArray(predicted), car.TargetKeypoints, 401, [0.05]));
        Assert.Throws<ArgumentException>(() => Pck.KeypointBoxLength(padded)); // and the kit refuses to measure padding
    }

    [Fact]
    public void BadHeadersAndRowsNameTheFileAndLine()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildWillow(dir.Path);
        var file = Path.Combine(dir.Path, "test_pairs_pf.csv");
        string Error(string csv)
        {
            File.WriteAllText(file, csv);
            return Assert.Throws<InvalidDataException>(() => PfWillow.Open(dir.Path)).Message;
        }
        const string row = "PF-dataset/car(G)/car_001.png,PF-dataset/car(G)/car_002.png";
        Assert.Contains($"{file}:1: the header has 3 YB columns", Error(SemanticFixtures.WillowHeader.Replace(",YB4", "") + $"\n{row},1,2,3,4,1,2,3,4,1,2,3,4,1,2,3\n"));
        Assert.Contains($"{file}:1: column XA2 appears twice", Error(SemanticFixtures.WillowHeader.Replace("XA3", "XA2") + "\n"));
        Assert.Contains($"{file}:1: no column 'imageB'", Error("imageA,XA1,YA1,XB1,YB1\n"));
        Assert.Contains($"{file}:2: column YA1 holds \"1e99\"", Error($"{SemanticFixtures.WillowHeader}\n{row},1,2,3,4,1e99,2,3,4,1,2,3,4,1,2,3,4\n"));
        Assert.Contains($"{file}:2: column XB1 holds \"Infinity\"", Error($"{SemanticFixtures.WillowHeader}\n{row},1,2,3,4,1,2,3,4,Infinity,2,3,4,1,2,3,4\n"));
        Assert.Contains($"{file}:2: no keypoint is valid in both images", Error($"{SemanticFixtures.WillowHeader}\n{row},-1,2,3,4,1,-1,3,4,1,2,-1,4,1,2,3,-1\n"));
        Assert.Contains($"{file}:2: 17 fields", Error($"{SemanticFixtures.WillowHeader}\n{row},1,2,3,4,1,2,3,4,1,2,3,4,1,2,3\n"));
        var noRoot = Assert.Throws<DirectoryNotFoundException>(() => PfWillow.Open(Path.Combine(dir.Path, "nothing")));
        Assert.Contains("data-scripts/get-pfwillow.sh", noRoot.Message);
        File.Delete(file);
        Assert.Contains(file, Assert.Throws<FileNotFoundException>(() => PfWillow.Open(dir.Path)).Message);
    }
}
