using DistillKit.Tests.Support;
using DistillKit.Metrics;
using DistillKit.Models.Pwc;
using DistillKit.Cli;
using DistillKit.Data.Flow;
using DistillKit.Tests.Imaging;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Data.RealDatasets;

public class Stage1RealDataTests
{
    static readonly Stage1Recipe Recipe = new();

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
        var (a1, b1) = (sampler.Batch(7, 2).Image1, sampler.Batch(7, 2).Image2);
        var (a2, b2) = (sampler.Batch(7, 2).Image1, sampler.Batch(7, 2).Image2);
        var a3 = sampler.Batch(8, 2).Image1;
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
        var config = Recipe.ForPreset(Preset.Smoke);
        config = config with { Data = config.Data with { Source = Stage1Source.FlyingChairs, CropHeight = 32, CropWidth = 48 } };
        var roots = new DataRoots(new Dictionary<string, string> { ["FlyingChairs"] = root });
        using var run = Recipe.Train(config, new RunOptions { OutDir = Path.Combine(dir.Path, "run"), Progress = null, Data = roots });
        Assert.True(run.Result.Completed);
        Assert.True(double.IsFinite(((FlowEvaluation)run.Evaluation).Model.EpeAll));
        Assert.DoesNotContain(root, File.ReadAllText(Path.Combine(dir.Path, "run", "config.json"))); // machine paths stay out of configs
    }

    [Fact]
    public void ThePaperPresetWithoutDataSaysWhatToDownload()
    {
        using var dir = new TempFolder();
        var config = Recipe.ForPreset(Preset.Paper);
        using var net = new DistillKit.Models.Pwc.PwcNet(DistillKit.Models.Pwc.PwcNetConfig.Smoke);
        var missing = new DataRoots(new Dictionary<string, string> { ["FlyingChairs"] = Path.Combine(dir.Path, "nowhere") }, searchFrom: dir.Path);
        Assert.Contains("nowhere", Assert.Throws<DirectoryNotFoundException>(() => Stage1Recipe.StepFunction(config, net, missing)).Message);
        var none = Assert.Throws<DirectoryNotFoundException>(() => Stage1Recipe.StepFunction(config, net, new DataRoots(searchFrom: dir.Path)));
        Assert.Contains("--data FlyingChairs=DIR", none.Message);
        Assert.Contains("get-flyingchairs.sh", none.Message);
        Assert.Contains(DataRoots.SettingsFileName, none.Message);
    }

    [Fact]
    public void EvalCommandRunsTheProtocolOnFlyingChairsVal()
    {
        using var dir = new TempFolder();
        var root = BuildChairs(dir);
        Recipe.Train(Recipe.ForPreset(Preset.Smoke), new RunOptions { OutDir = Path.Combine(dir.Path, "run"), Progress = null }).Dispose();
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
        var recipe = new Stage1Recipe();
        using var a = recipe.Train(recipe.ForPreset(Preset.Smoke, seed: 1), new RunOptions { OutDir = Path.Combine(dir.Path, "a"), Progress = null });
        var init = Path.Combine(dir.Path, "a", "teacher.safetensors");
        // zero steps of training after the init: the weights must be the initial teacher's exactly
        var second = recipe.ForPreset(Preset.Smoke, seed: 9) with { Run = new RunSettings { Preset = Preset.Smoke, Seed = 9, Init = init }, Phases = Stage1Recipe.DDFlowPhases(0, 0) };
        using var b = recipe.Train(second, new RunOptions { OutDir = Path.Combine(dir.Path, "b"), Progress = null });
        Assert.Equal(a.Models["model"].parameters().SelectMany(p => p.data<float>().ToArray()), b.Models["model"].parameters().SelectMany(p => p.data<float>().ToArray()));
    }
}
