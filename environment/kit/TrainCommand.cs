using DistillKit.Metrics;
using DistillKit.Training.Recipes;
using DistillKit.Training.Stages;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit train RECIPE --preset P [--out DIR] [--seed S] [--steps N] [--config FILE.json] [--set Key=Value …]
/// [--data NAME=DIR …] [--threads N] [--fresh] [--trace-batches]</c>: runs a registered recipe headless, the same entry point
/// notebooks call. Resumes from the newest checkpoint in DIR unless --fresh; --steps rescales the loss phases (with them a data warm-up and the lr milestones);
/// --config merges a JSON file over the preset's config and --set changes single keys (e.g.
/// <c>--set Optim.LearningRate=5e-4 --set Data.Source=FlyingChairs --set Run.Init=chairs/teacher.safetensors</c>).
/// Dataset folders never enter the config: --data NAME=DIR, DISTILLKIT_DATA_NAME or distillkit.local.json.
/// --threads sets libtorch's intra-op threads (default: its own choice); a resumed run ends bit for bit where an
/// uninterrupted one does only with the same thread count. <c>--video FILE|FOLDER</c> (stage1, distillflow-student, mdflow-*, pmd-teacher, pmd-student) trains on one's own footage:
/// the Footage dataset is that video or folder, the source is Footage, and the preset defaults to laptop (which mixes
/// real-texture synthetic pairs into every batch; <c>--set Data.SyntheticPerBatch=0</c> trains on the footage alone).
/// </summary>
public static class TrainCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        if (o.Positional.Count == 0)
        {
            Console.Error.WriteLine("usage: ./kit train RECIPE --preset smoke|mini|laptop|paper [--video FILE|FOLDER] [--out DIR] [--seed S] [--steps N] [--config FILE] [--set Key=Value] [--data NAME=DIR] [--threads N] [--fresh]");
            foreach (var r in RecipeRegistry.All) Console.Error.WriteLine($"  {r.Name,-10} {r.Description}");
            return 2;
        }
        if (o.Has("threads"))
        {
            int threads = o.Int("threads", 1);
            if (threads < 1) throw new ArgumentException($"--threads {threads}: expected a positive thread count");
            TorchSharp.torch.set_num_threads(threads);
        }
        var recipe = RecipeRegistry.Get(o.Positional[0]);
        var video = o.Str("video");
        if (video is not null && !(recipe.Name is "stage1" or "distillflow-student" or "pmd-teacher" or "pmd-student" || recipe.Name.StartsWith("mdflow-")))
            throw new ArgumentException($"--video trains stage1, distillflow-student, MDFlow's steps or pmd-teacher / pmd-student on footage; the {recipe.Name} recipe does not read footage");
        var preset = RecipeRegistry.ParsePreset(o.Str("preset", video is null ? "mini" : "laptop"));
        var outDir = o.Str("out", Path.Combine("runs", $"{recipe.Name}-{preset.ToString().ToLowerInvariant()}"));
        long? steps = o.Has("steps") ? o.Int("steps", 0) : null;
        var sets = o.All("set").ToList();
        if (video is not null) sets.Insert(0, "Data.Source=Footage");
        var config = RecipeRegistry.Configure(recipe, preset, o.Int("seed", 0), o.Str("config"), sets, steps);
        var roots = new Dictionary<string, string>();
        foreach (var d in o.All("data"))
        {
            int eq = d.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--data {d}: expected NAME=DIR (e.g. --data FlyingChairs=/data/FlyingChairs_release)");
            roots[d[..eq]] = d[(eq + 1)..];
        }
        if (video is not null) roots["Footage"] = video;
        var options = new DistillKit.Training.Recipes.RunOptions { OutDir = outDir, Resume = !o.Has("fresh"), Data = new DataRoots(roots), TraceBatches = o.Has("trace-batches") };
        using var run = recipe.Train(config, options);
        Console.WriteLine($"{recipe.Name}/{preset.ToString().ToLowerInvariant()}: {run.Result.StepsDone} steps, {run.Result.Seconds:F0} s this session -> {outDir}");
        if (run.Evaluation is FlowEvaluation eval) Print("held-out", eval);
        if (run.Evaluation is DistillKit.Training.Stages.DistillEvaluation distill)
        {
            Print("student ", distill.Student);
            for (int i = 0; i < distill.Teachers.Count; i++) Print($"teacher {i}", distill.Teachers[i]);
        }
        if (run.Evaluation is DistillKit.Training.Stages.Pmd.PmdEvaluation pmd)
        {
            Console.WriteLine(pmd);
            Console.WriteLine($"ms/step: median {pmd.MedianStepMs?.ToString("F0") ?? "-"}, mean {pmd.MeanStepMs?.ToString("F0") ?? "-"} (this session); " +
                $"feature cache: {pmd.CacheHits} hits, {pmd.CacheMisses} computed; selected step: {pmd.SelectedStep?.ToString() ?? "last"}");
        }
        Console.WriteLine($"run record: {Path.Combine(outDir, "run.json")}");
        return 0;
    }

    static void Print(string who, FlowEvaluation eval)
    {
        Console.WriteLine($"{who}  EPE all {eval.Model.EpeAll:F3}  noc {eval.Model.EpeNoc:F3}  occ {eval.Model.EpeOcc:F3}   Fl-all {eval.Model.FlAll * 100:F2}%   occlusion F1 {eval.Occlusion.F1:F3}" +
            $"   (zero flow: all {eval.ZeroFlow.EpeAll:F3}  noc {eval.ZeroFlow.EpeNoc:F3}  occ {eval.ZeroFlow.EpeOcc:F3}; {eval.Pairs} pairs)");
    }
}
