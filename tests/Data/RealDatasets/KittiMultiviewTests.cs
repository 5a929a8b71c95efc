using DistillKit.Tests.Support;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class KittiMultiviewTests
{
    /// <summary>training: sequence 000000 with frames 00–20, 000001 with 00–20 except 05; testing: 000000 with 00–03.</summary>
    static void Build(string root, string images)
    {
        for (int xx = 0; xx <= 20; xx++)
        {
            FlowFixtures.WriteFrame(Path.Combine(root, "training", images, $"000000_{xx:D2}.png"), 2, 2, xx);
            if (xx != 5) FlowFixtures.WriteFrame(Path.Combine(root, "training", images, $"000001_{xx:D2}.png"), 2, 2, xx);
        }
        for (int xx = 0; xx <= 3; xx++)
            FlowFixtures.WriteFrame(Path.Combine(root, "testing", images, $"000000_{xx:D2}.png"), 2, 2, xx);
    }

    [Fact]
    public void ExclusionRuleDropsEveryPairTouchingFrames9To12()
    {
        var kept = Enumerable.Range(0, 20).Where(xx => !KittiMultiview.IsExcluded(xx)).ToArray();
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6, 7, 13, 14, 15, 16, 17, 18, 19 }, kept);
        Assert.All(kept, xx => Assert.False(xx is >= 9 and <= 12 || xx + 1 is >= 9 and <= 12));
    }

    [Theory]
    [InlineData(KittiVersion.Kitti2015, "image_2")]
    [InlineData(KittiVersion.Kitti2012, "colored_0")]
    public void ListsConsecutivePairsOfBothPartsOutsideTheEvaluationFrames(KittiVersion version, string images)
    {
        using var dir = new TempFolder();
        Build(dir.Path, images);
        var index = KittiMultiview.Open(dir.Path, version);
        // 15 pairs for the full sequence, 13 for the one missing frame 05 ((4,5) and (5,6) gone), 3 in testing
        Assert.Equal(15 + 13 + 3, index.Count);
        Assert.Equal("training/000000_00", index[0].Id);
        Assert.Equal(new[] { "training/000000_07", "training/000000_13" }, index.Skip(7).Take(2).Select(p => p.Id));
        Assert.Equal(new[] { "testing/000000_00", "testing/000000_01", "testing/000000_02" }, index.TakeLast(3).Select(p => p.Id));
        Assert.DoesNotContain(index, p => p.Id is "training/000001_04" or "training/000001_05");
        foreach (var p in index)
        {
            int a = int.Parse(Path.GetFileNameWithoutExtension(p.Image1Path)[7..]);
            int b = int.Parse(Path.GetFileNameWithoutExtension(p.Image2Path)[7..]);
            Assert.Equal(a + 1, b);
            Assert.False(a is >= 9 and <= 12 || b is >= 9 and <= 12, p.Id);
            Assert.Equal(Path.GetFileNameWithoutExtension(p.Image1Path)[..6], Path.GetFileNameWithoutExtension(p.Image2Path)[..6]);
            Assert.Null(p.FlowPath);
        }
        Assert.Equal(Path.Combine(dir.Path, "training", images, "000000_14.png"), index[8].Image2Path);
        Assert.Equal(28, KittiMultiview.Open(dir.Path, version, KittiMultiviewSubset.Training).Count);
        Assert.Equal(3, KittiMultiview.Open(dir.Path, version, KittiMultiviewSubset.Testing).Count);
    }

    [Fact]
    public void AcceptsTheMultiviewSubfolderAndNamesMissingParts()
    {
        using var dir = new TempFolder();
        var nested = Path.Combine(dir.Path, "multiview");
        Build(nested, "image_2");
        Assert.Equal(31, KittiMultiview.Open(dir.Path, KittiVersion.Kitti2015).Count);
        Directory.Delete(Path.Combine(nested, "testing"), true);
        var e = Assert.Throws<DirectoryNotFoundException>(() => KittiMultiview.Open(nested, KittiVersion.Kitti2015));
        Assert.Contains(Path.Combine(nested, "testing", "image_2"), e.Message);
        Assert.Contains("data-scripts/get-kitti2015.sh --multiview DEST", e.Message);
        Assert.Equal(28, KittiMultiview.Open(nested, KittiVersion.Kitti2015, KittiMultiviewSubset.Training).Count);
    }
}
