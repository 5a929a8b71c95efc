using DistillKit.Data.Flow;
using DistillKit.Data.Synthetic;
using DistillKit.Data.Video;
using DistillKit.Imaging;
using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Tests.Data;
using DistillKit.Tests.Support;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Training;

/// <summary>Stage 1 on real footage mixed with real-texture synthetic pairs (the laptop preset's data path, at smoke size).</summary>
public class Stage1FootageTests
{
    static readonly Stage1Recipe Recipe = new();

    /// <summary>data/Footage (two clips of 48×64 frames) and data/Photos under <paramref name="dir"/>.</summary>
    internal static void BuildData(TempFolder dir)
    {
        for (int clip = 0; clip < 2; clip++)
        {
            var folder = Path.Combine(dir.Path, "data", "Footage", $"clip{clip}");
            Directory.CreateDirectory(folder);
            for (int k = 0; k < 10; k++)
            {
                using var frame = FootageTests.Scene(48, 64, 3 * k + 40 * clip, k);
                ImageIO.WriteTensor(Path.Combine(folder, $"{k:D4}.png"), frame);
            }
        }
        var photos = Path.Combine(dir.Path, "data", "Photos");
        Directory.CreateDirectory(photos);
        for (int k = 0; k < 2; k++)
        {
            using var photo = FootageTests.Scene(50, 70, 9 * k, 0, k);
            ImageIO.WriteTensor(Path.Combine(photos, $"photo{k}.png"), photo);
        }
    }

    internal static Stage1Config SmokeFootage() =>
        Recipe.ForPreset(Preset.Smoke) with
        {
            Data = Recipe.ForPreset(Preset.Smoke).Data with
            {
                Source = Stage1Source.Footage, BatchSize = 3, SyntheticPerBatch = 1, CropHeight = 32, CropWidth = 48,
                Synthetic = SyntheticFlowConfig.Laptop with { Height = 32, Width = 48, MaxTranslation = 6, BackgroundMaxTranslation = 4 },
                Footage = new FootageOptions { Height = 48, FrameGaps = [1, 2], HeldOutFraction = 0.3 },
            },
            // the smoke phases with the laptop preset's supervision of the synthetic rows
            Phases = Recipe.ForPreset(Preset.Smoke).Phases
                .Select(p => p with { Weights = new(p.Weights) { [Stage1Recipe.Supervised] = 1 } }).ToList(),
        };

    static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void TheLaptopPresetMixesFootageAndRealTextureSyntheticPairs()
    {
        var c = Recipe.ForPreset(Preset.Laptop);
        Assert.Equal(Stage1Source.Footage, c.Data.Source);
        Assert.InRange(c.Data.SyntheticPerBatch, 1, c.Data.BatchSize - 1);
        Assert.True(c.Data.Synthetic.PhotoProbability > 0);
        Assert.Equal((c.Data.Synthetic.Height, c.Data.Synthetic.Width), (c.Data.CropHeight, c.Data.CropWidth));
        Assert.True(c.Data.Synthetic.MaxTranslation >= 16, "laptop motions reach tens of pixels");
        Assert.Equal(Stage1Recipe.LaptopPsiSteps + Stage1Recipe.LaptopCensusSteps, c.TotalSteps);
        Assert.All(c.Phases, p => Assert.True(p.Weight(Stage1Recipe.Supervised) > 0, $"{p.Name}: the synthetic rows are supervised"));
    }

    [Fact]
    public void AMixedBatchIsRealCropsThenSyntheticPairsFromTheStepAlone()
    {
        using var dir = new TempFolder();
        BuildData(dir);
        var roots = new DataRoots(searchFrom: dir.Path); // finds data/Footage and data/Photos by themselves
        var config = SmokeFootage();
        var source = Stage1Recipe.BatchSource(config, roots);
        using var batch = source(5);
        using var again = source(5);
        Assert.Equal(new long[] { 3, 3, 32, 48 }, batch.Image1.shape);
        Assert.True(Same(batch.Image1, again.Image1) && Same(batch.Image2, again.Image2));
        var footage = Stage1Recipe.OpenFootage(config, roots);
        using var real = new CropSampler(footage.Train, 32, 48, config.Run.Seed).Batch(5, 2);
        Assert.True(Same(batch.Image1.narrow(0, 0, 2), real.Image1));
        using var synthetic = Stage1Recipe.Generator(config, config.Run.Seed, roots).GenerateBatch(5, 1);
        Assert.True(Same(batch.Image2.narrow(0, 2, 1), synthetic.Image2));
        // exact flow only where it is known: the synthetic row; the real rows carry zeros and Valid 0
        Assert.True(Same(batch.FlowFw!.narrow(0, 2, 1), synthetic.FlowFw!) && Same(batch.FlowBw!.narrow(0, 2, 1), synthetic.FlowBw!));
        Assert.Equal(0, batch.FlowFw!.narrow(0, 0, 2).abs().sum().item<float>());
        Assert.Equal(new float[] { 0, 0, 1 }, batch.Valid!.amax([1, 2, 3]).data<float>().ToArray());
        Assert.Equal(new float[] { 0, 0, 1 }, batch.Valid!.amin([1, 2, 3]).data<float>().ToArray());

        var tooMany = config with { Data = config.Data with { SyntheticPerBatch = 3 } };
        Assert.Contains("SyntheticPerBatch", Assert.Throws<ArgumentException>(() => Stage1Recipe.BatchSource(tooMany, roots)).Message);
        var mismatch = config with { Data = config.Data with { CropWidth = 40 } };
        Assert.Contains("one size", Assert.Throws<ArgumentException>(() => Stage1Recipe.BatchSource(mismatch, roots)).Message);
        var noFootage = new DataRoots(searchFrom: Path.GetTempPath());
        Assert.Contains("get-footage.sh", Assert.Throws<DirectoryNotFoundException>(() => Stage1Recipe.BatchSource(config, noFootage)).Message);
    }

    [Fact]
    public void Stage1TrainsOnFootageAndItsTeacherIsEvaluatedOnHeldOutFrames()
    {
        using var dir = new TempFolder();
        BuildData(dir);
        var roots = new DataRoots(new Dictionary<string, string> { ["Footage"] = Path.Combine(dir.Path, "data", "Footage", "clip1") }, searchFrom: dir.Path);
        var config = SmokeFootage();
        using var run = Recipe.Train(config, new RunOptions { OutDir = Path.Combine(dir.Path, "run"), Progress = null, Data = roots });
        Assert.True(run.Result.Completed);
        Assert.True(double.IsFinite(((FlowEvaluation)run.Evaluation).Model.EpeAll)); // on held-out real-texture synthetic pairs
        Assert.DoesNotContain(dir.Path, File.ReadAllText(Path.Combine(dir.Path, "run", "config.json")));

        var footage = Stage1Recipe.OpenFootage(config, roots);
        Assert.Equal(["clip1"], footage.Sequences.Select(s => s.Name));
        Assert.Equal(2, footage.HeldOut.Count); // frames 7, 8, 9 of 10
        using var teacher = FlowModels.Load(Path.Combine(dir.Path, "run", "teacher.safetensors"));
        var m = FootageEvaluation.Of(teacher, footage.HeldOut);
        Assert.Equal(footage.HeldOut.Count, m.Pairs);
        Assert.True(double.IsFinite(m.Census) && m.Photometric >= 0 && m.Consistent is >= 0 and <= 1);

        // the DistillFlow student learns from that teacher on the same kind of batches (footage crops + real-texture
        // synthetic pairs, ground truth unused), as the student's laptop preset does at 128×160
        var students = new DistillFlowStudentRecipe();
        var laptop = students.ForPreset(Preset.Laptop);
        var smoke = students.ForPreset(Preset.Smoke);
        var teacherFile = Path.Combine(dir.Path, "run", "teacher.safetensors");
        var studentConfig = smoke with
        {
            Data = laptop.Data with { BatchSize = 3, SyntheticPerBatch = 1, CropHeight = 32, CropWidth = 48, Synthetic = config.Data.Synthetic, Footage = config.Data.Footage, EvalPairs = 4 },
            Challenge = smoke.Challenge with { CropHeight = 24, CropWidth = 40 },
            Teacher = smoke.Teacher with { Checkpoints = [teacherFile] },
        };
        var teacherBytes = File.ReadAllBytes(teacherFile);
        using var studentRun = students.Train(studentConfig, new RunOptions { OutDir = Path.Combine(dir.Path, "student"), Progress = null, Data = roots });
        Assert.True(studentRun.Result.Completed);
        Assert.Equal(["census", "occlusion"], studentRun.Result.Log[^1].Terms.Keys.Order());
        var eval = Assert.IsType<DistillEvaluation>(studentRun.Evaluation);
        Assert.True(double.IsFinite(eval.Student.Model.EpeAll));
        Assert.Equal(teacherBytes, File.ReadAllBytes(teacherFile));
        using var student = FlowModels.Load(Path.Combine(dir.Path, "student", "student.safetensors"));
        Assert.True(double.IsFinite(FootageEvaluation.Of(student, footage.HeldOut).Census));
        // without the footage the student's batches cannot be drawn: the error names the data-script
        var noFootage = new DataRoots(searchFrom: Path.GetTempPath());
        Assert.Contains("get-footage.sh", Assert.ThrowsAny<Exception>(() =>
            students.Train(studentConfig, new RunOptions { OutDir = Path.Combine(dir.Path, "student-2"), Progress = null, Data = noFootage })).Message);
    }
}
