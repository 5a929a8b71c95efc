using System.Diagnostics;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit bench [engine|pwcnet|fastflownet|raft|costvolume|data|transforms] [--threads N] [--steps N] [--size mini|paper|all] [--form NAME] (pwcnet)</c>: C# (TorchSharp, LibTorch 2.10) vs PyTorch
/// eager (Debian's python3-torch 1.13) in one run with the same thread count and the same glibc allocator settings
/// (<see cref="Runtime.MallocTuning"/>); prints both versions, the measurements and the ratios C#/PyTorch.
/// <c>./kit bench memory [--steps N] [--every K] [--phases extend|scale] [--out DIR]</c>: RSS and live tensors over a long smoke training
/// (<see cref="MemoryBench"/>).
/// </summary>
public static class BenchCommand
{
    public static int Run(string[] args)
    {
        var opts = CliArgs.Parse(args);
        var which = opts.Positional.Count > 0 ? opts.Positional[0] : "engine";
        int threads = opts.Int("threads", Environment.ProcessorCount);
        int steps = opts.Int("steps", which == "memory" ? 10_000 : 20);
        torch.set_num_threads(threads);
        return which switch
        {
            "engine" => Engine(threads, steps),
            "pwcnet" => PwcNetBench.Run(threads, Math.Min(steps, 4), opts.Str("size") ?? "all", opts.Str("form")),
            "fastflownet" => FastFlowNetBench.Run(threads, Math.Min(steps, 5)),
            "raft" => RaftBench.Run(threads, Math.Min(steps, 2)),
            "costvolume" => PwcNetBench.CostVolumeForms(threads),
            "data" => SyntheticData(),
            "transforms" => TransformsBench.Run(Math.Max(5, steps)),
            "memory" => MemoryBench.Run(steps, opts.Int("every", 500), opts.Str("phases") ?? "extend", opts.Str("out")),
            var other => throw new ArgumentException($"unknown benchmark '{other}': engine, pwcnet, fastflownet, raft, costvolume, data, transforms, memory"),
        };
    }

    static int Engine(int threads, int steps)
    {
        const int opIters = 200_000;
        Console.Error.WriteLine($"bench engine: {threads} threads, {steps} network steps; PyTorch side first...");
        var py = RunPython("bench_engine.py", threads, opIters, steps);
        Console.Error.WriteLine("C# side...");
        var (addUs, addPlainUs) = AddOverhead(opIters);
        double stepMs = NetStep(steps);
        double pyAdd = py["add_us"]!.GetValue<double>(), pyStep = py["net_step_ms"]!.GetValue<double>();
        PrintVersions(py);
        Console.WriteLine($"threads            C# {torch.get_num_threads(),8}      PyTorch {py["threads"]}");
        Console.WriteLine($"tiny add overhead  C# {addUs,8:F3} µs   PyTorch {pyAdd,8:F3} µs   ratio C#/PyTorch {addUs / pyAdd:F3}  (reported; C# inside dispose scopes)");
        Console.WriteLine($"  (C# disposing each result outside any scope: {addPlainUs:F3} µs, ratio {addPlainUs / pyAdd:F3})");
        Console.WriteLine($"conv net step      C# {stepMs,8:F2} ms   PyTorch {pyStep,8:F2} ms   ratio C#/PyTorch {stepMs / pyStep:F3}  (target ≤ 1.05)");
        return 0;
    }

    /// <summary>Pairs per second of the embedded synthetic flow generator per preset (batches of 8, parallel, tensors included).</summary>
    static int SyntheticData()
    {
        foreach (var (name, config, count) in new[] { ("smoke", Data.Synthetic.SyntheticFlowConfig.Smoke, 512), ("mini", Data.Synthetic.SyntheticFlowConfig.Mini, 256), ("paper", Data.Synthetic.SyntheticFlowConfig.Paper, 16) })
        {
            var gen = new Data.Synthetic.SyntheticFlowGenerator(config, 0);
            gen.GenerateBatch(0, 8).Dispose(); // warm-up
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < count; i += 8) gen.GenerateBatch(1000 + i, 8).Dispose();
            Console.WriteLine($"synthetic flow pairs, {name,-5} {config.Height}×{config.Width}: {count / sw.Elapsed.TotalSeconds,8:F1} pairs/s");
        }
        return 0;
    }

    /// <summary>Best-of-5 µs per tiny add: inside dispose scopes (the kit's idiom, scope closed every 1000 ops) and,
    /// second, disposing each result explicitly outside any scope (each tensor then carries a GC safety net).</summary>
    static (double scoped, double explicitDispose) AddOverhead(int iters)
    {
        using var a = torch.ones(4);
        for (int i = 0; i < 1000; i++) a.add(a).Dispose();
        double scoped = double.MaxValue, plain = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < iters; i += 1000)
            {
                using var scope = torch.NewDisposeScope();
                for (int k = 0; k < 1000; k++) a.add(a);
            }
            scoped = Math.Min(scoped, sw.Elapsed.TotalMicroseconds / iters);
            sw.Restart();
            for (int i = 0; i < iters; i++) a.add(a).Dispose();
            plain = Math.Min(plain, sw.Elapsed.TotalMicroseconds / iters);
        }
        return (scoped, plain);
    }

    sealed class Net : nn.Module<Tensor, Tensor>
    {
        readonly ModuleList<Conv2d> convs = new();

        public Net() : base(nameof(Net))
        {
            for (int i = 0; i < 6; i++) convs.append(nn.Conv2d(i == 0 ? 3 : 64, 64, 3, padding: 1));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            for (int i = 0; i < convs.Count; i++)
            {
                x = convs[i].forward(x);
                if (i < 5) x = relu(x);
            }
            return x;
        }
    }

    static double NetStep(int steps)
    {
        torch.manual_seed(0);
        using var net = new Net();
        using var opt = torch.optim.Adam(net.parameters(), 1e-3);
        using var x = torch.randn(8, 3, 64, 64);
        var times = new List<double>();
        for (int s = 0; s < steps + 3; s++)
        {
            var sw = Stopwatch.StartNew();
            using (var scope = torch.NewDisposeScope())
            {
                opt.zero_grad();
                var loss = net.forward(x).pow(2).mean();
                loss.backward();
                opt.step();
            }
            if (s >= 3) times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Both sides' versions and allocator settings, as the benchmark's first lines.</summary>
    public static void PrintVersions(JsonObject py)
    {
        Console.WriteLine($"C#:      TorchSharp {typeof(torch).Assembly.GetName().Version}, LibTorch {torch.__version__}, malloc tuning {(Runtime.TorchRuntime.MallocTuned ? "on" : "off")}");
        Console.WriteLine($"PyTorch: {py["torch"]} (Python {py["python"]}), malloc tuning via {string.Join(" ", Runtime.MallocTuning.EnvironmentVariables.Select(kv => $"{kv.Key}={kv.Value}"))}");
    }

    /// <summary>Runs a script of environment/bench with Debian's Python (with the kit's allocator settings in its
    /// environment) and parses its last line as JSON.</summary>
    public static JsonObject RunPython(string script, params object[] args)
    {
        var path = Path.Combine(Repo.Root, "environment", "bench", script);
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(path);
        foreach (var a in args) psi.ArgumentList.Add(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        if (Runtime.TorchRuntime.MallocTuned)
            foreach (var (k, v) in Runtime.MallocTuning.EnvironmentVariables) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /usr/bin/python3 (install python3-torch: environment/setup.sh)");
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} failed (exit {p.ExitCode}): {stderr.Result}");
        var last = output.Trim().Split('\n').Last();
        return JsonNode.Parse(last)!.AsObject();
    }
}
