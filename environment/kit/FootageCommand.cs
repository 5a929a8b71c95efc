using DistillKit.Data.Flow;
using DistillKit.Data.Video;
using DistillKit.Metrics;
using DistillKit.Models;
using DistillKit.Models.Classical;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit footage [PATH] [--height H] [--gaps 1,2] [--held-out F]</c>: decodes a video, a frame folder or a folder of
/// them into the frame cache (with progress) and prints its clips and pairs (PATH defaults to the Footage dataset:
/// data/Footage from data-scripts/get-footage.sh). With <c>--checkpoint C [--checkpoint C2 …] [--pairs N]
/// [--baselines]</c> it also evaluates on the held-out pairs without ground truth (census loss, photometric error,
/// forward-backward consistent rate; <see cref="FootageEvaluation"/>) beside zero flow and, with --baselines, OpenCV's
/// Farneback and TV-L1 (OpenCV's defaults; about 25 s per 320×240 pair on 2 cores). <c>--synthetic N</c> adds EPE
/// all/noc/occ on N held-out real-texture synthetic pairs of the laptop preset (photographs from data/Photos) for the
/// same flows.
/// </summary>
public static class FootageCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var path = o.Positional.Count > 0 ? o.Positional[0] : new DataRoots().Resolve("Footage", "data-scripts/get-footage.sh", allowFile: true);
        var options = new FootageOptions
        {
            Height = o.Int("height", 240),
            FrameGaps = o.Str("gaps", "1").Split(',').Select(g => int.TryParse(g, out var v) ? v : throw new ArgumentException($"--gaps {g}: expected frame gaps like 1,2")).ToArray(),
            HeldOutFraction = o.Double("held-out", 0.15),
        };
        var index = Footage.Open([path], options);
        foreach (var s in index.Sequences) Console.WriteLine(s);
        Console.WriteLine(index);
        foreach (var id in index.DroppedAtCuts.Take(10)) Console.WriteLine($"  dropped at a scene cut: {id}");
        var checkpoints = o.All("checkpoint");
        if (checkpoints.Count == 0 && !o.Has("baselines")) return 0;
        var rows = new List<(string Name, Func<IFlowModel?> Make)> { ("zero flow", () => null) };
        if (o.Has("baselines"))
        {
            rows.Add(("OpenCV Farneback", () => new FarnebackFlow()));
            rows.Add(("OpenCV TV-L1", () => new TvL1Flow()));
        }
        rows.AddRange(checkpoints.Select(c => (c, (Func<IFlowModel?>)(() => FlowModels.Load(c)))));

        if (o.Int("pairs", 24) > 0)
        {
            int count = Math.Min(o.Int("pairs", 24), index.HeldOut.Count);
            var pairs = Spread(index.HeldOut, count);
            Console.WriteLine($"\nheld-out evaluation on {pairs.Count} pairs (no ground truth; lower census and photometric error are better)");
            Console.WriteLine($"{"flow",-36} {"census",8} {"photo (8-bit)",14} {"fw-bw consistent",17} {"median |w|",11} {"s",6}");
            var byClip = new List<(string Name, IReadOnlyList<(string Clip, UnsupervisedFlowMetrics Metrics)> Clips)>();
            foreach (var (name, make) in rows)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                using var model = make();
                var (m, clips) = FootageEvaluation.ByClip(model, pairs);
                byClip.Add((name, clips));
                Console.WriteLine($"{Short(name),-36} {m.Census,8:F4} {m.Photometric,14:F2} {m.Consistent * 100,16:F1}% {m.MedianLength,11:F3} {watch.Elapsed.TotalSeconds,6:F0}");
            }
            if (byClip.Count > 0 && byClip[0].Clips.Count > 1)
            {
                foreach (var (title, value, format) in new (string, Func<UnsupervisedFlowMetrics, double>, string)[]
                         { ("photometric error (8-bit)", m => m.Photometric, "F2"), ("census", m => m.Census, "F4"), ("median |w| (px)", m => m.MedianLength, "F3") })
                {
                    Console.WriteLine($"\n{title} by clip (pairs)");
                    Console.WriteLine($"{"flow",-36}" + string.Concat(byClip[0].Clips.Select(c => $" {$"{c.Clip} ({c.Metrics.Pairs})",14}")));
                    foreach (var (name, clips) in byClip)
                        Console.WriteLine($"{Short(name),-36}" + string.Concat(clips.Select(c => $" {value(c.Metrics).ToString(format),14}")));
                }
            }
        }
        if (o.Int("synthetic", 0) is var n and > 0)
        {
            var recipe = new Stage1Recipe();
            using var synth = Stage1Recipe.HeldOut(recipe.ForPreset(Preset.Laptop), n);
            Console.WriteLine($"\n{n} held-out real-texture synthetic pairs ({synth.Width}×{synth.Height}, laptop distribution): end-point error");
            Console.WriteLine($"{"flow",-36} {"EPE all",8} {"noc",8} {"occ",8} {"Fl-all",8} {"s",6}");
            FlowEvaluation? last = null;
            foreach (var (name, make) in rows.Skip(1))
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                using var model = make()!;
                var e = (last = FlowEvaluations.Of(model, synth)).Model;
                Console.WriteLine($"{Short(name),-36} {e.EpeAll,8:F3} {e.EpeNoc,8:F3} {e.EpeOcc,8:F3} {e.FlAll * 100,7:F2}% {watch.Elapsed.TotalSeconds,6:F0}");
            }
            if (last is not null)
                Console.WriteLine($"{"zero flow",-36} {last.ZeroFlow.EpeAll,8:F3} {last.ZeroFlow.EpeNoc,8:F3} {last.ZeroFlow.EpeOcc,8:F3} {last.ZeroFlow.FlAll * 100,7:F2}%");
        }
        return 0;
    }

    /// <summary><paramref name="count"/> pairs spread evenly over the list (all of them when it is shorter).</summary>
    public static IReadOnlyList<FlowPair> Spread(IReadOnlyList<FlowPair> pairs, int count) =>
        count >= pairs.Count ? pairs : Enumerable.Range(0, count).Select(k => pairs[(int)((long)k * pairs.Count / count)]).ToList();

    static string Short(string name) => name.Length <= 36 ? name : "…" + name[^35..];
}
