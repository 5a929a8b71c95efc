using System.Diagnostics;
using System.Text.Json;
using DistillKit.Models.Raft;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench raft</c>: RAFT Paper inference (forward flow, 12 iterations, eval mode, no_grad) at 448×1024, batch 1,
/// in C# (TorchSharp) and in the PyTorch reference (tests/reference/raft_reference.py, <c>forward_flow</c>: the same form,
/// one grid_sample per correlation level, the mask and upsampling on the last iteration only), with the same weights,
/// images, thread count and allocator settings.
/// </summary>
public static class RaftBench
{
    // As in PwcNetBench: both sides stay warm and take turns in short blocks, so that the drift of a shared machine's
    // speed hits both alike; the ratio is the median over blocks of C#/PyTorch measured back to back.
    const int Blocks = 4;
    const int Batch = 1, Height = 448, Width = 1024;

    public static int Run(int threads, int steps)
    {
        var config = RaftConfig.Paper;
        Console.WriteLine($"RAFT paper inference ({config.Iterations} iterations, forward flow, eval, no_grad), {Batch}×{Height}×{Width}, " +
                          $"{threads} threads, {Blocks} alternating blocks of {steps} inferences per side after 1 warm-up each");
        var dir = Path.Combine(Path.GetTempPath(), $"dk-bench-raft-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var configPath = Path.Combine(dir, "config.json");
            var weightsPath = Path.Combine(dir, "weights.safetensors");
            File.WriteAllText(configPath, JsonSerializer.Serialize(config));
            using var net = new Raft(config, seed: 0);
            WeightFiles.Save(net, weightsPath);
            net.eval();
            using var python = new PythonBenchWorker("bench_raft.py", threads, configPath, weightsPath, Batch, Height, Width, config.Iterations);
            BenchCommand.PrintVersions(python.Versions);
            // the same images as the worker's (torch.Generator seeded 0, two rand draws)
            using var generator = new Generator(0);
            using var i1 = torch.rand(Batch, 3, Height, Width, generator: generator);
            using var i2 = torch.rand(Batch, 3, Height, Width, generator: generator);
            double csChecksum = 0;
            double Steps(int n)
            {
                var times = new List<double>();
                for (int s = 0; s < n; s++)
                {
                    var sw = Stopwatch.StartNew();
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.no_grad();
                    var flow = net.ForwardFlow(i1, i2);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    csChecksum = flow.abs().mean().ToDouble();
                }
                return Median(times);
            }
            var pyChecksum = python.Block(1)["mean_abs_flow"]!.GetValue<double>();
            Steps(1);
            var csMs = new List<double>(); var pyMs = new List<double>(); var ratios = new List<double>();
            for (int block = 0; block < Blocks; block++)
            {
                Console.Error.WriteLine($"raft: block {block + 1}/{Blocks}");
                double c, p;
                if (block % 2 == 0) { p = python.Block(steps)["ms"]!.GetValue<double>(); c = Steps(steps); }
                else { c = Steps(steps); p = python.Block(steps)["ms"]!.GetValue<double>(); }
                csMs.Add(c); pyMs.Add(p); ratios.Add(c / p);
            }
            Console.WriteLine($"same computation: mean |flow| C# {csChecksum:F6} px, PyTorch {pyChecksum:F6} px");
            Console.WriteLine($"raft paper 1×{Height}×{Width}  C# {Median(csMs),8:F1} ms   PyTorch {Median(pyMs),8:F1} ms   " +
                              $"ratio C#/PyTorch {Median(ratios):F3}  (target ≤ 1.05; blocks {string.Join(" ", ratios.Select(r => r.ToString("F2")))})");
            return 0;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    static double Median(IEnumerable<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
