using System.Diagnostics;
using System.Text.Json;
using DistillKit.Losses;
using DistillKit.Models;
using DistillKit.Torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench pwcnet</c>: a stage-1 training step of PWC-Net (both directions, ψ photometric loss, backward, Adam)
/// in C# and in the PyTorch reference (tests/reference/pwcnet_reference.py) on the same libtorch and thread count,
/// at the mini size and at 256×512; <c>./kit bench costvolume</c>: the two cost-volume forms.
/// </summary>
public static class PwcNetBench
{
    public static int Run(int threads, int steps)
    {
        Console.WriteLine($"PWC-Net stage-1 training step (both directions + ψ loss + backward + Adam), {threads} threads, median of {steps}");
        foreach (var (label, config, batch, h, w) in new[]
                 {
                     ("mini 4×64×96", PwcNetConfig.Mini, 4, 64, 96),
                     ("paper 1×256×512", PwcNetConfig.Paper, 1, 256, 512),
                 })
        {
            var cfgPath = Path.Combine(Path.GetTempPath(), $"dk-bench-pwc-{Environment.ProcessId}.json");
            File.WriteAllText(cfgPath, JsonSerializer.Serialize(config));
            Console.Error.WriteLine($"{label}: PyTorch...");
            var py = BenchCommand.RunPython("bench_pwcnet.py", threads, steps, cfgPath, batch, h, w);
            Console.Error.WriteLine($"{label}: C#...");
            double cs = Step(config, batch, h, w, steps);
            double same = Step(config with { CostVolume = CostVolumeMode.ShiftMultiply }, batch, h, w, steps);
            double pt = py["step_ms"]!.GetValue<double>();
            Console.WriteLine($"{label,-18} C# {cs,9:F1} ms   PyTorch {pt,9:F1} ms   ratio C#/PyTorch {cs / pt:F3}   " +
                              $"(C# with the reference's shift-multiply cost volume: {same:F1} ms, ratio {same / pt:F3})");
            File.Delete(cfgPath);
        }
        return 0;
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
