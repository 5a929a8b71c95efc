using System.Diagnostics;
using DistillKit.Models.FastFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench fastflownet</c>: FastFlowNet paper inference (forward flow, eval, no_grad) at 1×448×1024 in C#
/// (TorchSharp) and in the PyTorch reference (tests/reference/fastflownet_reference.py, the same correlation form and
/// batched pyramid) with the same thread count and allocator settings; both sides stay warm and alternate in blocks,
/// the ratio is the median over blocks (as <see cref="PwcNetBench"/>). Also the process CPU time per inference of each
/// side, which a loaded machine disturbs less than wall time (it counts OpenMP's spinning threads too).
/// </summary>
public static class FastFlowNetBench
{
    const int Blocks = 8, Batch = 1, Height = 448, Width = 1024;

    public static int Run(int threads, int steps)
    {
        var config = FastFlowNetConfig.Paper;
        Console.WriteLine($"FastFlowNet paper inference (forward flow, eval, no_grad) {Batch}×3×{Height}×{Width}, {threads} threads, " +
                          $"{Blocks} alternating blocks of {steps} inferences per side after 2 warm-up ones; correlation form {config.Correlation} on both sides");
        using var python = new PwcNetBench.PythonWorker("bench_fastflownet.py", threads, config, Batch, Height, Width);
        BenchCommand.PrintVersions(python.Versions);
        using var cs = new CSharpSide(config);
        python.Steps(2);
        cs.Steps(2);
        var (csMs, pyMs, ratios, csCpu, pyCpu) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int block = 0; block < Blocks; block++)
        {
            Console.Error.WriteLine($"fastflownet: block {block + 1}/{Blocks}");
            (double ms, double cpu) c;
            System.Text.Json.Nodes.JsonObject p;
            if (block % 2 == 0) { p = python.StepsReply(steps); c = cs.Steps(steps); }
            else { c = cs.Steps(steps); p = python.StepsReply(steps); }
            double pMs = p["step_ms"]!.GetValue<double>();
            csMs.Add(c.ms); pyMs.Add(pMs); ratios.Add(c.ms / pMs);
            csCpu.Add(c.cpu); pyCpu.Add(p["cpu_ms"]!.GetValue<double>());
        }
        double Med(List<double> v) => PwcNetBench.Median(v);
        Console.WriteLine($"paper {Batch}×{Height}×{Width} inference   C# {Med(csMs),8:F1} ms   PyTorch {Med(pyMs),8:F1} ms   " +
                          $"ratio C#/PyTorch {Med(ratios):F3}  (target ≤ 1.05; blocks {string.Join(" ", ratios.Select(r => r.ToString("F2")))})");
        Console.WriteLine($"  CPU time per inference   C# {Med(csCpu),8:F1} ms   PyTorch {Med(pyCpu),8:F1} ms   ratio {Med(csCpu) / Med(pyCpu):F3}");
        Console.WriteLine("FastFlowNet paper: 11 ms on a GTX 1080 Ti (GPU anchor)");
        return 0;
    }

    /// <summary>The C# model and inputs, kept across blocks.</summary>
    sealed class CSharpSide : IDisposable
    {
        readonly FastFlowNet _net;
        readonly Tensor _i1, _i2;

        public CSharpSide(FastFlowNetConfig config)
        {
            torch.manual_seed(0);
            _net = new FastFlowNet(config);
            _net.SetEval();
            _i1 = torch.rand(Batch, 3, Height, Width);
            _i2 = torch.rand(Batch, 3, Height, Width);
        }

        /// <summary>Runs <paramref name="n"/> inferences: the median wall time and the mean process CPU time, in ms.</summary>
        public (double ms, double cpu) Steps(int n)
        {
            var times = new List<double>();
            using var noGrad = torch.no_grad();
            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            for (int s = 0; s < n; s++)
            {
                var sw = Stopwatch.StartNew();
                _net.ForwardFlow(_i1, _i2).Dispose();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            process.Refresh();
            return (PwcNetBench.Median(times), (process.TotalProcessorTime - cpu).TotalMilliseconds / n);
        }

        public void Dispose()
        {
            _net.Dispose(); _i1.Dispose(); _i2.Dispose();
        }
    }
}
