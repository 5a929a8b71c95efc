using DistillKit.Models.Pwc;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DistillKit.Losses;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench pwcnet</c>: a stage-1 training step of PWC-Net (both directions, ψ photometric loss, backward, Adam)
/// in C# (TorchSharp) and in the PyTorch reference (tests/reference/pwcnet_reference.py, same cost-volume form) with
/// the same thread count and allocator settings, at the mini size and at 256×512; <c>./kit bench costvolume</c>: the
/// cost-volume forms against each other.
/// </summary>
public static class PwcNetBench
{
    // Both sides stay warm (the PyTorch model lives in a worker process fed block sizes on stdin) and take turns in
    // short blocks, so that the drift of a shared machine's speed (±10% within a minute here, ±30% between runs of
    // one process) hits both alike; the ratio is the median over blocks of C#/PyTorch measured back to back. At mini
    // a step takes 60–90 ms: 40 blocks of 2 steps alternate finely enough (8 blocks of 20 steps gave block ratios from
    // 0.85 to 1.39 in one run).
    const int MiniBlocks = 40, MiniBlockSteps = 2, PaperBlocks = 8;

    public static int Run(int threads, int steps, string size = "all", string? form = null)
    {
        var forms = form is null
            ? [CostVolumeMode.ChannelsLastOwnBackward, CostVolumeMode.ChannelsLast, CostVolumeMode.ShiftMultiply]
            : new[] { Enum.TryParse<CostVolumeMode>(form, out var f) ? f : throw new ArgumentException($"bench pwcnet --form {form}: use one of {string.Join(", ", Enum.GetNames<CostVolumeMode>())}") };
        if (size is not ("mini" or "paper" or "all"))
            throw new ArgumentException($"bench pwcnet --size {size}: use mini, paper or all");
        Console.WriteLine($"PWC-Net stage-1 training step (both directions + ψ loss + backward + Adam), {threads} threads, " +
                          $"alternating blocks per side (mini: {MiniBlocks} of {MiniBlockSteps} steps; 256×512: {PaperBlocks} of {steps}) after 3 warm-up steps; " +
                          "each cost-volume form against the PyTorch reference computing the same form");
        bool versionsPrinted = false;
        foreach (var (label, sizeConfig, batch, h, w, blocks, blockSteps) in new[]
                 {
                     ("mini 4×64×96", PwcNetConfig.Mini, 4, 64, 96, MiniBlocks, MiniBlockSteps),
                     ("paper 1×256×512", PwcNetConfig.Paper, 1, 256, 512, PaperBlocks, steps),
                 })
        {
            if (size != "all" && !label.StartsWith(size)) continue;
            foreach (var cv in forms)
            {
                var config = sizeConfig with { CostVolume = cv };
                using var python = new PythonWorker("bench_pwcnet.py", threads, config, batch, h, w);
                if (!versionsPrinted) { BenchCommand.PrintVersions(python.Versions); versionsPrinted = true; }
                using var cs = new CSharpSide(config, batch, h, w);
                python.Steps(3);
                cs.Steps(3);
                var csMs = new List<double>(); var pyMs = new List<double>(); var ratios = new List<double>();
                var csParts = new List<double[]>(); var pyParts = new List<double[]>();
                for (int block = 0; block < blocks; block++)
                {
                    double c, p;
                    JsonObject reply;
                    if (block % 2 == 0) { reply = python.StepsReply(blockSteps); c = cs.Steps(blockSteps); }
                    else { c = cs.Steps(blockSteps); reply = python.StepsReply(blockSteps); }
                    p = reply["step_ms"]!.GetValue<double>();
                    pyParts.Add(reply["parts_ms"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray());
                    csParts.Add(cs.LastParts);
                    csMs.Add(c); pyMs.Add(p); ratios.Add(c / p);
                    Console.Error.WriteLine($"{label} {cv}: block {block + 1}/{blocks}: C# {c:F1} ms, PyTorch {p:F1} ms");
                }
                string name = cv + (cv == PwcNetConfig.Mini.CostVolume ? " (kit default)" : "");
                Console.WriteLine($"{label,-16} {name,-27} C# {Median(csMs),8:F1} ms   PyTorch {Median(pyMs),8:F1} ms   " +
                                  $"ratio C#/PyTorch {Median(ratios):F3}  (target ≤ 1.0; block ratios quartiles {Quantile(ratios, 0.25):F2}–{Quantile(ratios, 0.75):F2})");
                string Parts(List<double[]> parts) => string.Join(" / ", Enumerable.Range(0, 3).Select(i => Median(parts.Select(x => x[i])).ToString("F1")));
                Console.WriteLine($"{"",-16} {"",-27}   forward / backward / optimizer, ms: C# {Parts(csParts)}   PyTorch {Parts(pyParts)}");
            }
        }
        return 0;
    }

    /// <summary>The <paramref name="q"/>-quantile of <paramref name="v"/>, linear between order statistics.</summary>
    static double Quantile(IEnumerable<double> v, double q)
    {
        var s = v.OrderBy(x => x).ToList();
        double pos = q * (s.Count - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, s.Count - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    internal static double Median(IEnumerable<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>The C# model, optimizer and inputs, kept across blocks.</summary>
    sealed class CSharpSide : IDisposable
    {
        readonly PwcNet _net;
        readonly optim.Optimizer _opt;
        readonly Tensor _i1, _i2;

        public CSharpSide(PwcNetConfig config, int batch, int h, int w)
        {
            torch.manual_seed(0);
            _net = new PwcNet(config);
            _opt = torch.optim.Adam(_net.parameters(), 1e-4);
            _i1 = torch.rand(batch, 3, h, w);
            _i2 = torch.rand(batch, 3, h, w);
        }

        /// <summary>Medians over the last <see cref="Steps"/> call of forward (with zero_grad and loss), backward and optimizer, ms.</summary>
        public double[] LastParts { get; private set; } = [];

        /// <summary>Runs <paramref name="n"/> steps; the median step time in ms.</summary>
        public double Steps(int n)
        {
            var times = new List<double>();
            var parts = new List<double[]>();
            for (int s = 0; s < n; s++)
            {
                var sw = Stopwatch.StartNew();
                double forward, backward;
                using (var scope = torch.NewDisposeScope())
                {
                    _opt.zero_grad();
                    var (fw, bw) = _net.ForwardBoth(_i1, _i2);
                    var loss = PhotometricTerms.Psi(_i1, _i2, fw) + PhotometricTerms.Psi(_i2, _i1, bw);
                    forward = sw.Elapsed.TotalMilliseconds;
                    loss.backward();
                    backward = sw.Elapsed.TotalMilliseconds;
                    _opt.step();
                }
                times.Add(sw.Elapsed.TotalMilliseconds);
                parts.Add([forward, backward - forward, sw.Elapsed.TotalMilliseconds - backward]);
            }
            LastParts = Enumerable.Range(0, 3).Select(i => Median(parts.Select(p => p[i]))).ToArray();
            return Median(times);
        }

        public void Dispose()
        {
            _opt.Dispose(); _net.Dispose(); _i1.Dispose(); _i2.Dispose();
        }
    }

    /// <summary>
    /// A <see cref="PythonBenchWorker"/> started as <c>SCRIPT THREADS CONFIG.json BATCH HEIGHT WIDTH</c> with the
    /// network's config written to a temporary file: each block of N steps answers <c>{"step_ms": median of N}</c>
    /// (bench_pwcnet.py, bench_fastflownet.py).
    /// </summary>
    internal sealed class PythonWorker : IDisposable
    {
        readonly string _configPath = Path.Combine(Path.GetTempPath(), $"dk-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        readonly PythonBenchWorker _worker;
        public JsonObject Versions => _worker.Versions;

        public PythonWorker(string script, int threads, object config, int batch, int h, int w)
        {
            File.WriteAllText(_configPath, JsonSerializer.Serialize(config, config.GetType()));
            _worker = new PythonBenchWorker(script, threads, _configPath, batch, h, w);
        }

        public double Steps(int n) => StepsReply(n)["step_ms"]!.GetValue<double>();

        /// <summary>Runs <paramref name="n"/> steps; the script's whole reply (<c>step_ms</c> and whatever else it measures).</summary>
        public JsonObject StepsReply(int n) => _worker.Block(n);

        public void Dispose()
        {
            _worker.Dispose();
            File.Delete(_configPath);
        }
    }

    /// <summary>Forward + backward of the 9×9 cost volume at paper level-2 size, unfold vs shift-and-multiply.</summary>
    public static int CostVolumeForms(int threads)
    {
        foreach (var (b, c, h, w) in new[] { (4, 32, 64, 128), (8, 16, 16, 24) })
            CostVolumeForms(threads, b, c, h, w);
        return 0;
    }

    static void CostVolumeForms(int threads, int b, int c, int h, int w)
    {
        Console.WriteLine($"cost volume r=4 on [{b},{c},{h},{w}] features (forward + backward), {threads} threads, median of 10");
        double Time(CostVolumeMode mode)
        {
            torch.manual_seed(0);
            using var f1 = torch.randn(b, c, h, w).requires_grad_();
            using var f2 = torch.randn(b, c, h, w).requires_grad_();
            var times = new List<double>();
            for (int s = 0; s < 12; s++)
            {
                var sw = Stopwatch.StartNew();
                using (var scope = torch.NewDisposeScope())
                {
                    CostVolume.Compute(f1, f2, 4, mode).sum().backward();
                    f1.grad = null;
                    f2.grad = null;
                }
                if (s >= 2) times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            return times[times.Count / 2];
        }
        double shift = Time(CostVolumeMode.ShiftMultiply);
        foreach (var mode in new[] { CostVolumeMode.ChannelsLastOwnBackward, CostVolumeMode.ChannelsLast, CostVolumeMode.Im2Col })
        {
            double t = Time(mode);
            Console.WriteLine($"  {mode,-24} {t,8:F1} ms   shift-multiply {shift,8:F1} ms   ratio {t / shift:F3}");
        }
    }
}
