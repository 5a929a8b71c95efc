using DistillKit.Cli;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class Stage1RealDataTests
{
    /// <summary>A FlyingChairs tree of 4 samples of 40×56 with a split file (1, 2 = train, 3 = val, 4 = train).</summary>
    static string BuildChairs(TempFolder dir)
    {
        var data = Path.Combine(dir.Path, "FlyingChairs_release", "data");
        for (int n = 1; n <= 4; n++)
        {
            FlowFixtures.WriteFrame(Path.Combine(data, $"{n:D5}_img1.ppm"), 40, 56, 2 * n);
            FlowFixtures.WriteFrame(Path.Combine(data, $"{n:D5}_img2.ppm"), 40, 56, 2 * n + 1);
            using var flow = FlowFixtures.AffineFlow(40, 56, n, 0, 0, 0);
            FlowFixtures.WriteFlo(Path.Combine(data, $"{n:D5}_flow.flo"), flow);
        }
        FlyingChairsSplitFile.Write(Path.Combine(dir.Path, "FlyingChairs_release", FlyingChairs.SplitFileName), [1, 1, 2, 1]);
        return dir.Path;
    }

    [Fact]
    public void CropSamplerIsDeterministicPerStepAndCropsBothFramesAlike()
    {
        using var dir = new TempFolder();
        var pairs = FlyingChairs.Open(BuildChairs(dir), FlyingChairsSplit.Train);
        var sampler = new CropSampler(pairs, 32, 48, seed: 3);
        var (a1, b1) = sampler.Batch(7, 2);
        var (a2, b2) = sampler.Batch(7, 2);
        var (a3, _) = sampler.Batch(8, 2);
        Assert.Equal(new long[] { 2, 3, 32, 48 }, a1.shape);
        Assert.True(a1.eq(a2).all().item<bool>() && b1.eq(b2).all().item<bool>());
        Assert.False(a1.eq(a3).all().item<bool>());
        var tooBig = new CropSampler(pairs, 64, 48, seed: 3);
        Assert.Contains("smaller than the 48×64 training crop", Assert.Throws<InvalidDataException>(() => tooBig.Batch(0, 1)).Message);
    }

    [Fact]
    public void Stage1TrainsOnFlyingChairsCrops()
    {
        using var dir = new TempFolder();
        var root = BuildChairs(dir);
        var config = Stage1Config.ForPreset("smoke", datasetRoot: root) with
        {
            TrainingData = Stage1Data.FlyingChairs, CropHeight = 32, CropWidth = 48,
        };
        var (model, result, eval) = Stage1Teacher.Train(config, Path.Combine(dir.Path, "run"), progress: TextWriter.Null);
        model.Dispose();
        Assert.True(result.Completed);
        Assert.True(double.IsFinite(eval.Model.EpeAll));
    }

    [Fact]
    public void ThePaperPresetWithoutDataSaysWhatToDownload()
    {
        using var dir = new TempFolder();
        var config = Stage1Config.ForPreset("paper", datasetRoot: Path.Combine(dir.Path, "nowhere"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => Stage1Teacher.StepFunction(config, new DistillKit.Models.PwcNet(DistillKit.Models.PwcNetConfig.Smoke)));
        Assert.Contains("get-flyingchairs.sh", e.Message);
        var none = Stage1Config.ForPreset("paper");
        Assert.Contains("--data", Assert.Throws<ArgumentException>(() => Stage1Teacher.StepFunction(none, new DistillKit.Models.PwcNet(DistillKit.Models.PwcNetConfig.Smoke))).Message);
    }

    [Fact]
    public void EvalCommandRunsTheProtocolOnFlyingChairsVal()
    {
        using var dir = new TempFolder();
        var root = BuildChairs(dir);
        var (model, _, _) = Stage1Teacher.Train(Stage1Config.ForPreset("smoke"), Path.Combine(dir.Path, "run"), progress: TextWriter.Null);
        model.Dispose();
        var (result, summary) = EvalCommand.Evaluate(["--checkpoint", Path.Combine(dir.Path, "run", "teacher.safetensors"), "--dataset", "chairs-val", "--root", root]);
        Assert.Equal(1, result.Pairs);
        Assert.True(double.IsFinite(result.EpeAll));
        Assert.Contains("chairs-val: 1 pairs", summary);
    }
}

public class Stage1InitTests
{
    [Fact]
    public void TrainingStartsFromTheGivenTeacherWeights()
    {
        using var dir = new TempFolder();
        var first = Stage1Config.ForPreset("smoke", seed: 1);
        var (a, _, _) = Stage1Teacher.Train(first, Path.Combine(dir.Path, "a"), progress: TextWriter.Null);
        var init = Path.Combine(dir.Path, "a", "teacher.safetensors");
        // zero steps of training after the init: the weights must be the initial teacher's exactly
        var second = Stage1Config.ForPreset("smoke", seed: 9) with
        {
            InitCheckpoint = init, PhaseASteps = 0, PhaseBSteps = 0,
            Trainer = first.Trainer with { Steps = 0 },
        };
        var (b, _, _) = Stage1Teacher.Train(second, Path.Combine(dir.Path, "b"), progress: TextWriter.Null);
        Assert.Equal(a.parameters().SelectMany(p => p.data<float>().ToArray()), b.parameters().SelectMany(p => p.data<float>().ToArray()));
        a.Dispose();
        b.Dispose();
    }
}
