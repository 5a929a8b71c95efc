using DistillKit.Training.Stages;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit train stage1 --preset P --out DIR [--seed S] [--steps N] [--fresh] [--data DIR] [--synthetic]</c>: trains
/// headless (for long runs on a server), resuming from the newest checkpoint in DIR unless --fresh; writes the
/// checkpoint, config and run record. The paper preset trains on FlyingChairs under --data (or synthetic pairs with
/// --synthetic); DDFlow's second step is <c>--train-data kitti2015-multiview --data KITTI --init chairs/teacher.safetensors</c>.
/// </summary>
public static class TrainCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var stage = o.Positional.Count > 0 ? o.Positional[0] : throw new ArgumentException("usage: ./kit train stage1 --preset smoke|mini|paper --out DIR [--seed S] [--steps N] [--fresh] [--data DIR] [--train-data synthetic|chairs|kitti2015-multiview] [--init TEACHER] [--synthetic]");
        var preset = o.Str("preset", "mini");
        var outDir = o.Str("out", Path.Combine("runs", $"{stage}-{preset}"));
        long seed = o.Int("seed", 0);
        switch (stage)
        {
            case "stage1":
                var config = Stage1Config.ForPreset(preset, seed, o.Str("data"));
                if (o.Has("synthetic")) config = config with { TrainingData = Stage1Data.Synthetic };
                if (o.Str("train-data") is { } td)
                    config = td switch
                    {
                        "synthetic" => config with { TrainingData = Stage1Data.Synthetic },
                        "chairs" => config with { TrainingData = Stage1Data.FlyingChairs, CropHeight = 320, CropWidth = 448 },
                        "kitti2015-multiview" => config with { TrainingData = Stage1Data.Kitti2015Multiview, CropHeight = 320, CropWidth = 896 },
                        _ => throw new ArgumentException($"--train-data must be synthetic, chairs or kitti2015-multiview, got '{td}'"),
                    };
                if (o.Str("init") is { } initPath) config = config with { InitCheckpoint = initPath };
                if (o.Has("steps"))
                {
                    long steps = o.Int("steps", 0);
                    long a = Math.Min(config.PhaseASteps, steps * config.PhaseASteps / config.TotalSteps);
                    config = config with { PhaseASteps = a, PhaseBSteps = steps - a, Trainer = config.Trainer with { Steps = steps } };
                }
                if (o.Has("fresh") && Directory.Exists(Path.Combine(outDir, "checkpoints"))) Directory.Delete(Path.Combine(outDir, "checkpoints"), true);
                var (model, result, eval) = Stage1Teacher.Train(config, outDir);
                model.Dispose();
                Console.WriteLine($"stage1/{preset}: {result.StepsDone} steps in {result.Seconds:F0} s this session");
                Console.WriteLine($"held-out EPE  all {eval.Model.EpeAll:F3}  noc {eval.Model.EpeNoc:F3}  occ {eval.Model.EpeOcc:F3}   (zero flow: all {eval.ZeroFlow.EpeAll:F3}  noc {eval.ZeroFlow.EpeNoc:F3}  occ {eval.ZeroFlow.EpeOcc:F3})");
                Console.WriteLine($"Fl-all {eval.Model.FlAll * 100:F2}%   occlusion F1 {eval.Occlusion.F1:F3}   over {eval.Pairs} pairs");
                Console.WriteLine($"teacher: {Path.Combine(outDir, "teacher.safetensors")}   run record: {Path.Combine(outDir, "run.json")}");
                return 0;
            default:
                throw new ArgumentException($"unknown stage '{stage}': available: stage1");
        }
    }
}
