using DistillKit.Tests.Support;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class KittiTests
{
    const int H = 2, W = 3;

    // flow_occ: valid everywhere but pixel 5; flow_noc: pixels 0–3 (pixel 4 is occluded). Values are multiples of 1/64.
    static readonly float[] U = [3, 3, 3, 0, 6, 0], V = [4, 4, 4, 1, 8, 0];
    static readonly float[] OccValid = [1, 1, 1, 1, 1, 0], NocValid = [1, 1, 1, 1, 0, 0];

    /// <summary>training/{images}/00000{0,1}_1{0,1}.png with flow_occ/flow_noc; testing/{images}/000000_1{0,1}.png.</summary>
    internal static void Build(string root, KittiVersion version)
    {
        var images = KittiFlow.ImageFolderName(version);
        for (int n = 0; n < 2; n++)
        {
            FlowFixtures.WriteFrame(Path.Combine(root, "training", images, $"{n:D6}_10.png"), H, W, 10 * n);
            FlowFixtures.WriteFrame(Path.Combine(root, "training", images, $"{n:D6}_11.png"), H, W, 10 * n + 1);
            using var flow = torch.tensor([.. U, .. V], [2, H, W]);
            using var occ = FlowFixtures.Mask(H, W, OccValid);
            using var noc = FlowFixtures.Mask(H, W, NocValid);
            FlowFixtures.WriteKitti(Path.Combine(root, "training", "flow_occ", $"{n:D6}_10.png"), flow, occ);
            FlowFixtures.WriteKitti(Path.Combine(root, "training", "flow_noc", $"{n:D6}_10.png"), flow, noc);
        }
        FlowFixtures.WriteFrame(Path.Combine(root, "testing", images, "000000_10.png"), H, W, 50);
        FlowFixtures.WriteFrame(Path.Combine(root, "testing", images, "000000_11.png"), H, W, 51);
    }

    [Theory]
    [InlineData(KittiVersion.Kitti2015, "image_2", "kitti2015-training")]
    [InlineData(KittiVersion.Kitti2012, "colored_0", "kitti2012-training")]
    public void PairsFrame10WithFrame11AndBothFlowFiles(KittiVersion version, string images, string name)
    {
        using var dir = new TempFolder();
        Build(dir.Path, version);
        var index = KittiFlow.Open(dir.Path, version);
        Assert.Equal(name, index.Name);
        Assert.Equal(new[] { "000000", "000001" }, index.Select(p => p.Id));
        var p = index[1];
        Assert.Equal(Path.Combine(dir.Path, "training", images, "000001_10.png"), p.Image1Path);
        Assert.Equal(Path.Combine(dir.Path, "training", images, "000001_11.png"), p.Image2Path);
        Assert.Equal(Path.Combine(dir.Path, "training", "flow_occ", "000001_10.png"), p.FlowPath);
        Assert.Equal(Path.Combine(dir.Path, "training", "flow_noc", "000001_10.png"), p.FlowNocPath);
        Assert.Null(p.OccPath);
        var test = Assert.Single(KittiFlow.Open(dir.Path, version, KittiSplit.Testing));
        Assert.Null(test.FlowPath);
        Assert.Null(test.FlowNocPath);
    }

    [Fact]
    public void LoadsSparseFlowValidAndNocMasks()
    {
        using var dir = new TempFolder();
        Build(dir.Path, KittiVersion.Kitti2015);
        using var scope = torch.NewDisposeScope();
        using var t = FlowPairLoader.Load(KittiFlow.Open(dir.Path, KittiVersion.Kitti2015)[0]);
        Assert.Equal(new long[] { 3, H, W }, t.Image1.shape);
        Assert.Equal(FlowFixtures.Image(H, W, 1).data<float>().ToArray(), t.Image2.data<float>().ToArray());
        Assert.Equal(new float[] { 3, 3, 3, 0, 6, 0, 4, 4, 4, 1, 8, 0 }, t.Flow!.data<float>().ToArray());
        Assert.Equal(OccValid, t.Valid!.data<float>().ToArray());
        Assert.Equal(NocValid, t.Noc!.data<float>().ToArray());
        Assert.Null(t.Occ);
    }

    [Fact]
    public void MissingFoldersNameThePathAndTheScript()
    {
        using var dir = new TempFolder();
        var none = Assert.Throws<DirectoryNotFoundException>(() => KittiFlow.Open(Path.Combine(dir.Path, "kitti"), KittiVersion.Kitti2012));
        Assert.Contains(Path.Combine(dir.Path, "kitti"), none.Message);
        Assert.Contains("data-scripts/get-kitti2012.sh", none.Message);

        Build(dir.Path, KittiVersion.Kitti2015);
        var wrongVersion = Assert.Throws<DirectoryNotFoundException>(() => KittiFlow.Open(dir.Path, KittiVersion.Kitti2012));
        Assert.Contains(Path.Combine(dir.Path, "training", "colored_0"), wrongVersion.Message);
        Directory.Delete(Path.Combine(dir.Path, "training", "flow_noc"), true);
        var noNoc = Assert.Throws<DirectoryNotFoundException>(() => KittiFlow.Open(dir.Path, KittiVersion.Kitti2015));
        Assert.Contains(Path.Combine(dir.Path, "training", "flow_noc"), noNoc.Message);
        Assert.Contains("data-scripts/get-kitti2015.sh", noNoc.Message);
        // the test part does not need flow folders
        Assert.Single(KittiFlow.Open(dir.Path, KittiVersion.Kitti2015, KittiSplit.Testing));
        File.Delete(Path.Combine(dir.Path, "testing", "image_2", "000000_11.png"));
        var noFrame11 = Assert.Throws<InvalidDataException>(() => KittiFlow.Open(dir.Path, KittiVersion.Kitti2015, KittiSplit.Testing));
        Assert.Contains(Path.Combine(dir.Path, "testing", "image_2", "000000_11.png"), noFrame11.Message);
    }
}
