using DistillKit.Cli.Notebooks;
using DistillKit.Training.Ablation;
using DistillKit.Training.Recipes;
using DistillKit.Viz.Display;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit ablate --recipe R [--preset P] [--set Key=Value …] [--config FILE] --vary NAME:Key=Value[,Key=Value] …
/// [--grid Key=v1|v2 …] [--seeds 0,1] [--metric PATH …] [--steps N] [--out DIR] [--data NAME=DIR …] [--threads N] [--verbose]</c>,
/// or <c>./kit ablate --spec FILE.json [--preset P] [--seeds …] [--steps N] [--out DIR]</c>: runs every (variant, seed) of an
/// ablation one after another (<see cref="AblationStudio"/>), one progress line per run (<c>--verbose</c> adds the trainer's
/// step lines), then prints the table and writes results.json, results.csv and results.html (table and chart) into DIR.
/// Run again to resume: finished runs with the same config are reused, an interrupted one continues from its checkpoint.
/// Ctrl-C stops after the current step with a checkpoint.
/// </summary>
public static class AblateCommand
{
    public const string Usage = "usage: ./kit ablate --recipe R [--preset smoke|mini|paper] --vary NAME:Key=Value[,Key=Value] ... [--grid Key=v1|v2 ...] " +
        "[--set Key=Value ...] [--config FILE] [--seeds 0,1] [--metric PATH ...] [--steps N] [--out DIR] [--data NAME=DIR] [--threads N] [--verbose]\n" +
        "       ./kit ablate --spec FILE.json [--preset P] [--seeds 0,1] [--steps N] [--out DIR]";

    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        if (args.Length == 0 || o.Has("help"))
        {
            Console.Error.WriteLine(Usage);
            foreach (var r in RecipeRegistry.All) Console.Error.WriteLine($"  {r.Name,-20} {r.Description}");
            return args.Length == 0 ? 2 : 0;
        }
        if (o.Positional.Count > 0) throw new ArgumentException($"unexpected argument '{o.Positional[0]}'; {Usage}");
        var spec = Spec(o);
        if (o.Has("threads"))
        {
            int threads = o.Int("threads", 1);
            if (threads < 1) throw new ArgumentException($"--threads {threads}: expected a positive thread count");
            TorchSharp.torch.set_num_threads(threads);
        }
        var outDir = o.Str("out", Path.Combine("runs", $"ablation-{spec.Recipe}-{spec.Preset.ToString().ToLowerInvariant()}"));
        var options = new AblationOptions { TrainingProgress = o.Has("verbose") ? Console.Error : null, Data = new DataRoots(DataArgs(o)) };

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler stop = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("[ablation] stopping after the current step (a checkpoint is written); run the same command again to resume");
            cancel.Cancel();
        };
        Console.CancelKeyPress += stop;
        AblationResult result;
        try
        {
            result = AblationStudio.Run(spec, outDir, AblationEvent.WriteTo(Console.Error, o.Has("verbose")), cancel.Token, options);
        }
        finally
        {
            Console.CancelKeyPress -= stop;
        }
        var plotly = HtmlReport.FindPlotly(AppContext.BaseDirectory);
        if (plotly is not null) File.Copy(plotly, Path.Combine(outDir, HtmlReport.PlotlyFile), overwrite: true);
        File.WriteAllText(Path.Combine(outDir, "results.html"), result.Html(plotly is null ? null : HtmlReport.PlotlyFile));
        Console.WriteLine(result.Table().ToText());
        Console.WriteLine($"{result.Trained.Count} run(s) trained, {result.Reused.Count} reused; results: {Path.Combine(outDir, AblationResult.CsvFile)}, " +
            $"{Path.Combine(outDir, AblationResult.JsonFile)}, {Path.Combine(outDir, "results.html")}; manifest {Path.Combine(outDir, AblationManifest.FileName)}");
        if (result.Completed) return 0;
        Console.Error.WriteLine("kit ablate: interrupted before every run finished; run the same command again to resume");
        return 130;
    }

    /// <summary>The spec from --spec FILE (with --preset/--seeds/--steps overriding it) or from the options.</summary>
    static AblationSpec Spec(CliArgs o)
    {
        AblationSpec spec;
        if (o.Str("spec") is { } file)
        {
            foreach (var name in new[] { "recipe", "vary", "grid", "set", "metric", "config" })
                if (o.Has(name)) throw new ArgumentException($"--{name}: with --spec {file} the ablation is described by the file; give only --preset, --seeds, --steps and --out beside it");
            spec = AblationSpec.Load(file);
        }
        else
        {
            if (!o.Has("recipe")) throw new ArgumentException($"missing --recipe (or --spec FILE.json); {Usage}");
            if (!o.Has("vary") && !o.Has("grid")) throw new ArgumentException("nothing to ablate: give --vary NAME:Key=Value[,Key=Value] (repeatable) and/or --grid Key=v1|v2");
            spec = new AblationSpec
            {
                Recipe = o.Required("recipe"),
                Base = o.All("set").ToList(),
                ConfigFile = o.Str("config"),
                Variants = o.All("vary").Select(AblationSyntax.Variant).ToList(),
                Grid = o.All("grid").Select(AblationSyntax.Axis).ToList(),
                Metrics = o.All("metric").SelectMany(m => m.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList(),
            };
        }
        if (o.Str("preset") is { } preset) spec = spec with { Preset = RecipeRegistry.ParsePreset(preset) };
        if (o.Str("seeds") is { } seeds) spec = spec with { Seeds = AblationSyntax.Seeds(seeds) };
        if (o.Has("steps"))
        {
            int steps = o.Int("steps", 0);
            if (steps < 1) throw new ArgumentException($"--steps {steps}: expected a positive step count");
            spec = spec with { Steps = steps };
        }
        spec.Validate();
        return spec;
    }

    static Dictionary<string, string> DataArgs(CliArgs o)
    {
        var roots = new Dictionary<string, string>();
        foreach (var d in o.All("data"))
        {
            int eq = d.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--data {d}: expected NAME=DIR (e.g. --data FlyingChairs=/data/FlyingChairs_release)");
            roots[d[..eq]] = d[(eq + 1)..];
        }
        return roots;
    }
}
