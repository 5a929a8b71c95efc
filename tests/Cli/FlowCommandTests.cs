using DistillKit.Cli;
using DistillKit.Data.Formats;
using DistillKit.Data.Synthetic;
using DistillKit.Imaging;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using Xunit;

namespace DistillKit.Tests.Cli;

public class FlowCommandTests
{
    [Fact]
    public void FlowCommandRunsATrainedTeacherOnImagesOfAnySize()
    {
        var dir = Directory.CreateTempSubdirectory("dk-flowcmd-").FullName;
        var recipe = new Stage1Recipe();
        recipe.Train(recipe.ForPreset(Preset.Smoke), new RunOptions { OutDir = Path.Combine(dir, "run"), Progress = null }).Dispose();
        // 37×53 frames: not a multiple of the network's 16, so the command must pad and crop back
        var data = SyntheticFlowConfig.Smoke with { Height = 37, Width = 53 };
        using var sample = new SyntheticFlowGenerator(data, 1).Generate(0);
        ImageIO.WriteTensor(Path.Combine(dir, "a.png"), sample.Image1);
        ImageIO.WriteTensor(Path.Combine(dir, "b.png"), sample.Image2);
        int rc = FlowCommand.Run([
            "--checkpoint", Path.Combine(dir, "run", "teacher.safetensors"), "--image1", Path.Combine(dir, "a.png"), "--image2", Path.Combine(dir, "b.png"),
            "--out", Path.Combine(dir, "f.flo"), "--png-viz", Path.Combine(dir, "f.png"), "--occlusion", Path.Combine(dir, "o.png")]);
        Assert.Equal(0, rc);
        var flow = MiddleburyFlo.Read(Path.Combine(dir, "f.flo"));
        Assert.Equal(new long[] { 2, 37, 53 }, flow.Flow.shape);
        Assert.Equal(53, ImageIO.Read(Path.Combine(dir, "f.png")).Width);
        Assert.Equal(37, ImageIO.Read(Path.Combine(dir, "o.png")).Height);
    }

    [Fact]
    public void AMissingCheckpointNamesTheFileAndTheCommandToRun()
    {
        var e = Assert.Throws<FileNotFoundException>(() => FlowCommand.Run(["--checkpoint", "/nonexistent/t.safetensors", "--image1", "a", "--image2", "b", "--out", "f.flo"]));
        Assert.Contains("/nonexistent/t.safetensors", e.Message);
        Assert.Contains("kit train stage1", e.Message);
    }
}
