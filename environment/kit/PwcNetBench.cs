using System.Diagnostics;
using System.Text.Json;
using DistillKit.Losses;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench pwcnet</c>: a stage-1 training step of PWC-Net (both directions, ψ photometric loss, backward, Adam)
/// in C# (TorchSharp) and in the PyTorch reference (tests/reference/pwcnet_reference.py) with the same thread count and
/// allocator settings,
/// at the mini size and at 256×512; <c>./kit bench costvolume</c>: the two cost-volume forms.
/// </summary>
public static class PwcNetBench
{
    public static int Run(int threads, int steps)
    {
        Console.WriteLine($"PWC-Net stage-1 training step (both directions + ψ loss + backward + Adam), {threads} threads, median of {Rounds} interleaved rounds of {steps} steps (mini: {steps * 5})");
        foreach (var (label, config, batch, h, w, stepsHere) in new[]
                 {
                     ("mini 4×64×96", PwcNetConfig.Mini, 4, 64, 96, steps * 5),
                     ("paper 1×256×512", PwcNetConfig.Paper, 1, 256, 512, steps),
                 })
        {
            var cfgPath = Path.Combine(Path.GetTempPath(), $"dk-bench-pwc-{Environment.ProcessId}.json");
            File.WriteAllText(cfgPath, JsonSerializer.Serialize(config));
            // interleaved rounds, so that drift of the machine's speed hits both sides alike
            var cs = new List<double>(); var same = new List<double>(); var pt = new List<double>();
            for (int round = 0; round < Rounds; round++)
            {
                Console.Error.WriteLine($"{label}: round {round + 1}/{Rounds}");
                pt.Add(BenchCommand.RunPython("bench_pwcnet.py", threads, stepsHere, cfgPath, batch, h, w)["step_ms"]!.GetValue<double>());
                cs.Add(Step(config, batch, h, w, stepsHere));
                same.Add(Step(config with { CostVolume = CostVolumeMode.ShiftMultiply }, batch, h, w, stepsHere));
            }
            double c = Median(cs), p = Median(pt), sm = Median(same);
            if (label.StartsWith("mini")) BenchCommand.PrintVersions(BenchCommand.RunPython("bench_pwcnet.py", threads, 1, cfgPath, 1, 64, 64));
            Console.WriteLine($"{label,-18} C# {c,9:F1} ms   PyTorch {p,9:F1} ms   ratio C#/PyTorch {c / p:F3}   " +
                              $"(C# with the reference's shift-multiply cost volume: {sm:F1} ms, ratio {sm / p:F3})");
            File.Delete(cfgPath);
        }
        return 0;
    }

    const int Rounds = 3;

    static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s[s.Count / 2];
    }

    static double Step(PwcNetConfig config, int batch, int h, int w, int steps)
    {
        torch.manual_seed(0);
        using var net = new PwcNet(config);
        using var opt = torch.optim.Adam(net.parameters(), 1e-4);
        using var i1 = torch.rand(batch, 3, h, w);
        using var i2 = torch.rand(batch, 3, h, w);
        var times = new List<double>();
        for (int s = 0; s < steps + 2; s++)
        {
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                opt.zero_grad();
                var (fw, bw) = net.ForwardBoth(i1, i2);
                var loss = PhotometricTerms.Psi(i1, i2, fw) + PhotometricTerms.Psi(i2, i1, bw);
                loss.backward();
                opt.step();
            }
            if (s >= 2) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
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
        foreach (var mode in new[] { CostVolumeMode.ChannelsLast, CostVolumeMode.Im2Col })
        {
            double t = Time(mode);
            Console.WriteLine($"  {mode,-14} {t,8:F1} ms   shift-multiply {shift,8:F1} ms   ratio {t / shift:F3}");
        }
    }
}
