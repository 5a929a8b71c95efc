using DistillKit.Data.Semantic;
using DistillKit.Imaging;
using DistillKit.Metrics;
using DistillKit.Tests.Support;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets.Semantic;

public class TssTests
{
    [Fact]
    public void ListsPairFoldersByGroupWithTheirSixFiles()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildTss(dir.Path);
        var pairs = Tss.Open(dir.Path);
        Assert.Equal(new[] { "FG3DCar/001", "FG3DCar/002", "JODS/001" }, pairs.Select(p => p.Id));
        var p = pairs[2];
        var folder = Path.Combine(dir.Path, "TSS_CVPR2016", "JODS", "001");
        Assert.Equal(folder, p.Folder);
        Assert.Equal(new[] { "image1.png", "image2.png", "flow1.flo", "flow2.flo", "mask1.png", "mask2.png" }.Select(f => Path.Combine(folder, f)),
            new[] { p.Image1Path, p.Image2Path, p.Flow1Path, p.Flow2Path, p.Mask1Path, p.Mask2Path });
        Assert.Equal(3, Tss.Open(Path.Combine(dir.Path, "TSS_CVPR2016")).Count); // the inner folder works too
    }

    [Fact]
    public void LoadsBothFlowsWithUnknownPixelsAndMasksOnTheirImagesGrids()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildTss(dir.Path);
        using var t = Tss.Load(Tss.Open(dir.Path)[1]);
        Assert.Equal("FG3DCar/002", t.Id);
        Assert.Equal(new long[] { 3, 4, 5 }, t.Image1.shape);
        Assert.Equal(new long[] { 3, 3, 6 }, t.Image2.shape);
        Assert.Equal(new long[] { 2, 4, 5 }, t.Flow1.shape);
        Assert.Equal(new long[] { 2, 3, 6 }, t.Flow2.shape);
        var u1 = t.Flow1[0].flatten().data<float>().ToArray();
        Assert.Equal(0f, u1[0]); // unknown (1e10 in the file): zero flow, valid 0
        Assert.All(u1[1..], v => Assert.Equal(2f, v));
        Assert.Equal(19f, t.Valid1.sum().item<float>());
        Assert.Equal(0f, t.Valid1[0, 0, 0].item<float>());
        Assert.Equal(18f, t.Valid2.sum().item<float>());
        Assert.All(t.Flow2[1].flatten().data<float>().ToArray(), v => Assert.Equal(-0.5f, v));
        Assert.Equal(new float[] { 1, 1, 0, 0, 0 }, t.Mask1[0, 0].data<float>().ToArray());
        Assert.Equal(18f, t.Mask2.sum().item<float>());
        Assert.Equal(ImageIO.ReadTensor(Path.Combine(dir.Path, "TSS_CVPR2016", "FG3DCar", "002", "image1.png")).data<float>().ToArray(),
            t.Image1.data<float>().ToArray());
    }

    [Fact]
    public void DensePckOfBothDirectionsAgainstTheLoadedGroundTruth()
    {
        using var dir = new TempFolder();
        SemanticFixtures.BuildTss(dir.Path);
        using var t = Tss.Load(Tss.Open(dir.Path)[0]);
        // direction 1→2: the ground truth itself is right at every known foreground pixel (7 of the 8 in the two left
        // columns: the top-left is unknown); direction 2→1: a flow 1 px off everywhere, threshold 0.05·6 = 0.3 px: none
        using var off = t.Flow2 + torch.tensor(new float[] { 1, 0 }).reshape(2, 1, 1);
        var d1 = Pck.Dense(t.Flow1, t.Flow1, t.Mask1, [0.05], t.Valid1);
        var d2 = Pck.Dense(off, t.Flow2, t.Mask2, [0.05], t.Valid2);
        Assert.Equal((1.0, 0.0), (d1[0], d2[0]));
        Assert.Equal(0.5, Pck.Mean([d1, d2], [0.05], PckThreshold.Dense).Values[0]);
    }

    [Fact]
    public void MissingFilesAndMismatchedSizesNameTheFiles()
    {
        using var dir = new TempFolder();
        var none = Assert.Throws<DirectoryNotFoundException>(() => Tss.Open(Path.Combine(dir.Path, "tss")));
        Assert.Contains("data-scripts/get-tss.sh", none.Message);
        Assert.Contains("no TSS group folder", Assert.Throws<InvalidDataException>(() => Tss.Open(dir.Path)).Message);

        SemanticFixtures.BuildTss(dir.Path);
        var pair = Path.Combine(dir.Path, "TSS_CVPR2016", "FG3DCar", "002");
        File.Delete(Path.Combine(pair, "flow2.flo"));
        var missing = Assert.Throws<InvalidDataException>(() => Tss.Open(dir.Path)).Message;
        Assert.Contains($"{Path.Combine(pair, "flow2.flo")}: file missing for pair FG3DCar/002", missing);

        File.Copy(Path.Combine(pair, "flow1.flo"), Path.Combine(pair, "flow2.flo")); // a 5×4 flow for the 6×3 image 2
        var size = Assert.Throws<InvalidDataException>(() => Tss.Load(Tss.Open(dir.Path)[1])).Message;
        Assert.Contains($"{Path.Combine(pair, "flow2.flo")}: size 5x4 differs from its image {Path.Combine(pair, "image2.png")} (6x3)", size);

        Directory.CreateDirectory(Path.Combine(dir.Path, "TSS_CVPR2016", "PASCAL"));
        Assert.Contains("PASCAL: TSS group folder without pair folders", Assert.Throws<InvalidDataException>(() => Tss.Open(dir.Path)).Message);
    }
}
