using DistillKit.Data.Semantic;
using DistillKit.Tests.Support;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets.Semantic;

public class PfPascalTests
{
    static string Jpg(string root, int n) => Path.GetFullPath(Path.Combine(root, "PF-dataset-PASCAL", "JPEGImages", $"2008_{n:D6}.jpg"));

    [Fact]
    public void ReadsTheTestPairsWithClassesAndKeypointsDroppingPadding()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildPascal(dir.Path);
        var index = PfPascal.Open(dir.Path, SemanticSplit.Test);
        Assert.Equal("pf-pascal-test", index.Name);
        Assert.Equal(new[] { "test-0001", "test-0002" }, index.Select(p => p.Id));
        var p = index[0];
        Assert.Equal((Jpg(dir.Path, 1), Jpg(dir.Path, 2)), (p.SourcePath, p.TargetPath));
        Assert.Equal(("car", SemanticSplit.Test), (p.Category, p.Split)); // class 7 of the VOC list
        // third correspondence (target −1, −1) dropped with its source partner
        Assert.Equal(new float[,] { { 1, 1 }, { 2.5f, 2 } }, p.SourceKeypoints);
        Assert.Equal(new float[,] { { 4, 0 }, { 5, 1 } }, p.TargetKeypoints);
        Assert.Equal(2, p.KeypointCount);
        Assert.Null(p.SourceBox);
        Assert.Equal(Path.Combine(dir.Path, "test_pairs_pf_pascal.csv") + ":2", p.ListedAt);
        Assert.Equal("person", index[1].Category);
        Assert.Equal(new float[,] { { 0.5f, 1.5f } }, index[1].SourceKeypoints);
        Assert.Equal(new[] { "car", "person" }, index.Categories);
    }

    [Fact]
    public void SplitsComeFromTheirOwnFilesAndTrainMayHaveNoKeypoints()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildPascal(dir.Path);
        var val = Assert.Single(PfPascal.Open(dir.Path, SemanticSplit.Val)); // quoted path and CRLF line ends
        Assert.Equal(("val-0001", "aeroplane", SemanticSplit.Val), (val.Id, val.Category, val.Split));
        Assert.Equal(Jpg(dir.Path, 3), val.TargetPath);
        Assert.Equal(new float[,] { { 2, 2 }, { 3, 1 } }, val.SourceKeypoints);
        var train = PfPascal.Open(dir.Path, SemanticSplit.Train); // found in image_pairs/, flip column ignored
        Assert.Equal(2, train.Count);
        Assert.All(train, t => Assert.Equal((0, "tvmonitor"), (t.KeypointCount, t.Category)));
        // an explicit file overrides the search
        var given = PfPascal.Open(dir.Path, SemanticSplit.Val, Path.Combine(dir.Path, "test_pairs_pf_pascal.csv"));
        Assert.Equal(2, given.Count);
    }

    [Fact]
    public void LoadsJpegImagesAndKeypointTensors()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildPascal(dir.Path);
        using var t = SemanticPairLoader.Load(PfPascal.Open(dir.Path, SemanticSplit.Test)[0]);
        Assert.Equal(new long[] { 3, 4, 6 }, t.Source.shape);
        Assert.Equal(new long[] { 3, 5, 5 }, t.Target.shape);
        Assert.Equal(new float[] { 1, 1, 2.5f, 2 }, t.SourceKeypoints.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 2 }, t.TargetKeypoints.shape);
    }

    static string Error<T>(string root, string csv, SemanticSplit split = SemanticSplit.Test) where T : Exception
    {
        SemanticFixtures.WriteText(Path.Combine(root, "test_pairs_pf_pascal.csv"), csv);
        return Assert.Throws<T>(() => PfPascal.Open(root, split)).Message;
    }

    [Fact]
    public void BadRowsNameTheFileAndLine()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildPascal(dir.Path);
        var file = Path.Combine(dir.Path, "test_pairs_pf_pascal.csv");
        var a = "PF-dataset-PASCAL/JPEGImages/2008_000001.jpg";
        var b = "PF-dataset-PASCAL/JPEGImages/2008_000002.jpg";
        var mismatch = Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n{a},{b},1,1;2,1;2,3;4;5,3;4;5\n");
        Assert.Contains($"{file}:2: keypoint count mismatch", mismatch);
        var fields = Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n\n{a},{b},1,1;2,1;2,3;4\n");
        Assert.Contains($"{file}:3: 6 fields, but the header (line 1) has 7", fields);
        Assert.Contains($"{file}:2: class \"21\"", Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n{a},{b},21,1,1,1,1\n"));
        Assert.Contains($"{file}:2: column XB holds \"x\"", Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n{a},{b},2,1,1,x,1\n"));
        Assert.Contains($"{file}:2: no valid keypoint", Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n{a},{b},2,-1,-1,1,1\n"));
        Assert.Contains($"{file}:2: quote not closed", Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n\"{a},{b},2,1,1,1,1\n"));
        Assert.Contains($"{file}:1: no column 'YB'", Error<InvalidDataException>(dir.Path, "source_image,target_image,class,XA,YA,XB\n"));
        Assert.Contains($"{file}: empty", Error<InvalidDataException>(dir.Path, "\n\n"));
        Assert.Contains($"{file}: lists no image pair", Error<InvalidDataException>(dir.Path, SemanticFixtures.PascalHeader + "\n"));
        var missing = Error<InvalidDataException>(dir.Path, $"{SemanticFixtures.PascalHeader}\n{a},{b},2,1,1,1,1\n{a},PF-dataset-PASCAL/JPEGImages/gone.jpg,2,1,1,1,1\n");
        Assert.Contains($"{file}:3: image PF-dataset-PASCAL/JPEGImages/gone.jpg not found", missing);
        Assert.Contains("data-scripts/get-pfpascal.sh", missing);
    }

    [Fact]
    public void MissingFoldersAndFilesNameThePlacesAndTheScript()
    {
        using var dir = new TempFolder();
        var none = Assert.Throws<DirectoryNotFoundException>(() => PfPascal.Open(Path.Combine(dir.Path, "pf"), SemanticSplit.Test));
        Assert.Contains(Path.Combine(dir.Path, "pf"), none.Message);
        Assert.Contains("data-scripts/get-pfpascal.sh", none.Message);
        var noFile = Assert.Throws<FileNotFoundException>(() => PfPascal.Open(dir.Path, SemanticSplit.Val));
        Assert.Contains(Path.Combine(dir.Path, "val_pairs_pf_pascal.csv"), noFile.Message);
        Assert.Contains(Path.Combine(dir.Path, "image_pairs", "val_pairs.csv"), noFile.Message);
        // a corrupt image is reported by the image reader, with the pair's place in the pair file
        SemanticFixtures.BuildPascal(dir.Path);
        File.WriteAllText(Jpg(dir.Path, 2), "not an image");
        var pair = PfPascal.Open(dir.Path, SemanticSplit.Test)[0];
        var bad = Assert.Throws<InvalidDataException>(() => SemanticPairLoader.Load(pair));
        Assert.Contains(Jpg(dir.Path, 2), bad.Message);
        Assert.Contains("test_pairs_pf_pascal.csv:2", bad.Message);
    }
}
