using DistillKit.Tests.Support;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class MpiSintelTests
{
    const int H = 3, W = 4;

    /// <summary>
    /// training/{clean,final}: alley_1 frames 1–3, bamboo_2 frames 1–2, cave_4 frames 1, 2, 4 (a gap); flow and occlusions
    /// for every frame with a successor; test/clean: market_1 frames 1–2.
    /// </summary>
    static void Build(TempFolder dir, bool occlusions = true)
    {
        var scenes = new (string Name, int[] Frames)[] { ("alley_1", [1, 2, 3]), ("bamboo_2", [1, 2]), ("cave_4", [1, 2, 4]) };
        int seed = 0;
        foreach (var (scene, frames) in scenes)
            foreach (var i in frames)
            {
                foreach (var pass in new[] { "clean", "final" })
                    FlowFixtures.WriteFrame(Path.Combine(dir.Path, "training", pass, scene, $"frame_{i:D4}.png"), H, W, seed++);
                if (!frames.Contains(i + 1)) continue;
                using var flow = FlowFixtures.AffineFlow(H, W, i, 0.25f, -i, 0.5f);
                FlowFixtures.WriteFlo(Path.Combine(dir.Path, "training", "flow", scene, $"frame_{i:D4}.flo"), flow);
                // occluded: the last column
                using var occ = FlowFixtures.Mask(H, W, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1);
                if (occlusions) FlowFixtures.WriteOcclusion(Path.Combine(dir.Path, "training", "occlusions", scene, $"frame_{i:D4}.png"), occ);
            }
        foreach (var i in new[] { 1, 2 })
            FlowFixtures.WriteFrame(Path.Combine(dir.Path, "test", "clean", "market_1", $"frame_{i:D4}.png"), H, W, 100 + i);
    }

    [Fact]
    public void PairsConsecutiveFramesWithinEachSceneOnly()
    {
        using var dir = new TempFolder();
        Build(dir);
        var index = MpiSintel.Open(dir.Path, SintelPass.Final);
        // not alley_1/frame_0003 → bamboo_2/frame_0001 (scenes), not cave_4 2 → 4 (gap)
        Assert.Equal(new[] { "alley_1/frame_0001", "alley_1/frame_0002", "bamboo_2/frame_0001", "cave_4/frame_0001" }, index.Select(p => p.Id));
        Assert.Equal("sintel-training-final", index.Name);
        var p = index[1];
        Assert.Equal(Path.Combine(dir.Path, "training", "final", "alley_1", "frame_0002.png"), p.Image1Path);
        Assert.Equal(Path.Combine(dir.Path, "training", "final", "alley_1", "frame_0003.png"), p.Image2Path);
        Assert.Equal(Path.Combine(dir.Path, "training", "flow", "alley_1", "frame_0002.flo"), p.FlowPath);
        Assert.Equal(Path.Combine(dir.Path, "training", "occlusions", "alley_1", "frame_0002.png"), p.OccPath);
        Assert.Null(p.FlowNocPath);
        Assert.Equal(Path.Combine(dir.Path, "training", "clean", "alley_1", "frame_0002.png"), MpiSintel.Open(dir.Path, SintelPass.Clean)[1].Image1Path);
    }

    [Fact]
    public void LoadsFlowAndWhiteAsOccluded()
    {
        using var dir = new TempFolder();
        Build(dir);
        using var scope = torch.NewDisposeScope();
        using var pair = FlowPairLoader.Load(MpiSintel.Open(dir.Path, SintelPass.Clean)[1]); // alley_1 frame 2
        Assert.Equal(new long[] { 3, H, W }, pair.Image2.shape);
        Assert.Equal(FlowFixtures.AffineFlow(H, W, 2, 0.25f, -2, 0.5f).data<float>().ToArray(), pair.Flow!.data<float>().ToArray());
        Assert.Equal(new long[] { 1, H, W }, pair.Occ!.shape);
        Assert.Equal(new float[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 }, pair.Occ.data<float>().ToArray());
        Assert.Equal(1.0, pair.Valid!.min().ToDouble());
    }

    [Fact]
    public void TestSplitHasPairsWithoutGroundTruth()
    {
        using var dir = new TempFolder();
        Build(dir);
        var index = MpiSintel.Open(dir.Path, SintelPass.Clean, SintelSplit.Test);
        var p = Assert.Single(index);
        Assert.Equal("market_1/frame_0001", p.Id);
        Assert.Null(p.FlowPath);
        Assert.Null(p.OccPath);
        Assert.False(index.HasGroundTruth);
        using var scope = torch.NewDisposeScope();
        using var t = FlowPairLoader.Load(p);
        Assert.Null(t.Flow);
        Assert.Null(t.Valid);
        var noFinal = Assert.Throws<DirectoryNotFoundException>(() => MpiSintel.Open(dir.Path, SintelPass.Final, SintelSplit.Test));
        Assert.Contains(Path.Combine(dir.Path, "test", "final"), noFinal.Message);
    }

    [Fact]
    public void OcclusionsAreRequiredUnlessSaidOtherwise()
    {
        using var dir = new TempFolder();
        Build(dir, occlusions: false);
        var e = Assert.Throws<DirectoryNotFoundException>(() => MpiSintel.Open(dir.Path, SintelPass.Clean));
        Assert.Contains(Path.Combine(dir.Path, "training", "occlusions"), e.Message);
        Assert.Contains("data-scripts/get-sintel.sh", e.Message);
        var index = MpiSintel.Open(dir.Path, SintelPass.Clean, requireOcclusions: false);
        Assert.Equal(4, index.Count);
        Assert.All(index, p => Assert.Null(p.OccPath));
    }

    [Fact]
    public void MissingRootFlowFolderOrFlowFileIsNamed()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<DirectoryNotFoundException>(() => MpiSintel.Open(Path.Combine(dir.Path, "nope"), SintelPass.Clean));
        Assert.Contains(Path.Combine(dir.Path, "nope"), e.Message);
        Assert.Contains("run data-scripts/get-sintel.sh DEST", e.Message);

        Build(dir);
        var flo = Path.Combine(dir.Path, "training", "flow", "bamboo_2", "frame_0001.flo");
        File.Delete(flo);
        var missingFile = Assert.Throws<InvalidDataException>(() => MpiSintel.Open(dir.Path, SintelPass.Clean));
        Assert.Contains(flo, missingFile.Message);
        Directory.Delete(Path.Combine(dir.Path, "training", "flow"), true);
        var missingFolder = Assert.Throws<DirectoryNotFoundException>(() => MpiSintel.Open(dir.Path, SintelPass.Clean));
        Assert.Contains(Path.Combine(dir.Path, "training", "flow"), missingFolder.Message);
    }

    [Fact]
    public void AScenelessPassIsAnErrorNamingTheFolder()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(Path.Combine(dir.Path, "test", "clean"));
        var e = Assert.Throws<InvalidDataException>(() => MpiSintel.Open(dir.Path, SintelPass.Clean, SintelSplit.Test));
        Assert.Contains(Path.Combine(dir.Path, "test", "clean"), e.Message);
    }
}
