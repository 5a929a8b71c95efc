using DistillKit.Metrics;
using DistillKit.Data.Flow;
using DistillKit.Models;
using DistillKit.Training.Stages;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit eval --checkpoint C --dataset NAME --root DIR [--size HxW | --size pad]</c>: the MDFlow protocol on a real
/// benchmark (resize to the given size, predict, resize the flow back with scaling, EPE/Fl per image then averaged).
/// Default sizes: Sintel 448×1024, KITTI 384×1280, FlyingChairs val padded.
/// </summary>
public static class EvalCommand
{
    public static int Run(string[] args)
    {
        Console.WriteLine(Evaluate(args).summary);
        return 0;
    }

    /// <summary>Runs the evaluation the arguments describe; returns the result and the lines <see cref="Run"/> prints.</summary>
    public static (FlowBenchmarkResult result, string summary) Evaluate(string[] args)
    {
        var o = CliArgs.Parse(args);
        var checkpoint = o.Required("checkpoint");
        var dataset = o.Required("dataset");
        var root = o.Required("root");
        var (pairs, size) = dataset switch
        {
            "sintel-clean" => (MpiSintel.Open(root, SintelPass.Clean), ((int, int)?)FlowBenchmark.SintelSize),
            "sintel-final" => (MpiSintel.Open(root, SintelPass.Final), FlowBenchmark.SintelSize),
            "kitti2012" => (KittiFlow.Open(root, KittiVersion.Kitti2012), FlowBenchmark.KittiSize),
            "kitti2015" => (KittiFlow.Open(root, KittiVersion.Kitti2015), FlowBenchmark.KittiSize),
            "chairs-val" => (FlyingChairs.Open(root, FlyingChairsSplit.Val), null),
            _ => throw new ArgumentException($"unknown --dataset '{dataset}': sintel-clean, sintel-final, kitti2012, kitti2015, chairs-val"),
        };
        if (o.Str("size") is { } s)
        {
            var parts = s.Split('x');
            size = s == "pad" ? null
                : parts.Length == 2 && int.TryParse(parts[0], out var h) && int.TryParse(parts[1], out var w) ? (h, w)
                : throw new ArgumentException($"--size expects HxW (e.g. 448x1024) or pad, got '{s}'");
        }
        using var model = FlowModels.Load(checkpoint);
        var r = FlowBenchmark.Evaluate(model, pairs, resizeHeight: size?.Item1, resizeWidth: size?.Item2);
        return (r, $"{dataset}: {r.Pairs} pairs at {(size is null ? "padded original size" : $"{size.Value.Item1}×{size.Value.Item2}")}\n" +
                   $"EPE all {r.EpeAll:F3}   noc {r.EpeNoc:F3}   occ {r.EpeOcc:F3}   Fl-all {r.FlAll * 100:F2}%   Fl-noc {r.FlNoc * 100:F2}%");
    }
}
