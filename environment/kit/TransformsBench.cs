using System.Diagnostics;
using DistillKit.Data.Synthetic;
using DistillKit.Models.Pwc;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;
using DistillKit.Transforms;
using TorchSharp;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench transforms</c>: what the challenging transformations cost. SLIC (OpenCV ximgproc, ~200 segments) on one
/// frame at the <c>mini</c> size and at 384×512; the student's transformation pipeline (<c>mini</c> preset: crop,
/// superpixel noise) in pairs per second; and, measured in the same run, the pairs per second a <c>mini</c> student
/// step consumes (PWC-Net mini, both directions, forward and backward on the cropped batch, padded to the network's multiple as in training). Medians of repeated runs.
/// </summary>
static class TransformsBench
{
    public static int Run(int repeats)
    {
        var config = new DistillFlowStudentRecipe().ForPreset(Preset.Mini);
        var generator = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini, 0);
        using var batch = generator.GenerateBatch(0, config.Data.BatchSize);
        foreach (var (h, w) in new[] { (batch.Height, batch.Width), (384L, 512L) })
        {
            using var frame = h == batch.Height ? batch.Image2[0].clone() : torch.nn.functional.interpolate(batch.Image2.narrow(0, 0, 1), size: [h, w], mode: torch.InterpolationMode.Bilinear, align_corners: true)[0];
            var ms = Median(repeats, () => Slic.Segment(frame, 200));
            Console.WriteLine($"SLIC {h}×{w}, ~200 segments: {ms:F2} ms per frame");
        }
        var pipeline = new TransformPipeline([.. config.Challenge.Geometry().Steps, .. config.Challenge.Corruption().Steps]);
        var withTeacher = batch with { TeacherFlowFw = batch.FlowFw, TeacherFlowBw = batch.FlowBw, TeacherOccFw = batch.OccFw, TeacherOccBw = batch.OccBw };
        int step = 0;
        double pipeMs = Median(repeats, () => { using var x = pipeline.Apply(withTeacher, SampleRandom.For(0, step++)); });
        double pipePairs = config.Data.BatchSize / (pipeMs / 1000);
        Console.WriteLine($"pipeline ({pipeline.Name}) on a batch of {config.Data.BatchSize}: {pipeMs:F1} ms = {pipePairs:F0} pairs/s");

        using var model = new PwcNet(PwcNetConfig.Mini);
        using var cropped = pipeline.Apply(withTeacher, SampleRandom.For(0, 0));
        double stepMs = Median(Math.Max(3, repeats / 2), () =>
        {
            using var scope = torch.NewDisposeScope();
            model.zero_grad();
            var (fw, bw) = DistillKit.Models.FlowInference.ForwardBothPadded(model, cropped.Image1, cropped.Image2);
            (fw.abs().mean() + bw.abs().mean()).backward();
        });
        double stepPairs = config.Data.BatchSize / (stepMs / 1000);
        Console.WriteLine($"student step (PWC-Net mini, both directions, fwd+bwd) on {cropped.Height}×{cropped.Width}: {stepMs:F1} ms = {stepPairs:F0} pairs/s");
        Console.WriteLine($"ratio pipeline time / step time: {pipeMs / stepMs:F3} (the pipeline supplies {pipePairs / stepPairs:F1}× what a step consumes)");
        return 0;
    }

    static double Median(int repeats, Action action)
    {
        action();   // warm-up
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
