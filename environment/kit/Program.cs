using System.Runtime.InteropServices;
namespace DistillKit.Cli;

/// <summary>Entry point of <c>./kit COMMAND</c>. Each command lives in its own file and registers here.</summary>
public static class Program
{
    /// <summary>Known commands: name, one-line help, handler (args after the command name) returning an exit code.</summary>
    static readonly (string Name, string Help, Func<string[], int> Run)[] Commands =
    {
        ("report", "the main job: every notebook on the embedded synthetic data, HTML report written out: report [--preset mini|smoke|paper] [--out DIR] (default mini, out/report; the index lists each notebook's run time and headline table)", ReportCommand.Run),
        ("info", "engine, threads and device information", InfoCommand.Run),
        ("train", "train a stage headless: train stage1|distillflow-student --preset smoke|mini|laptop|paper [--video FILE|FOLDER] [--out DIR] [--seed S] [--steps N] [--fresh] [--config FILE] [--set Key=Value] [--data NAME=DIR] [--threads N]", TrainCommand.Run),
        ("ablate", "run an ablation: ablate --recipe R --preset P --vary NAME:Key=Value[,Key=Value] ... [--grid Key=v1|v2] [--seeds 0,1] [--metric PATH] [--steps N] --out DIR, or ablate --spec FILE.json; resumable; table, CSV, JSON and chart in DIR", AblateCommand.Run),
        ("eval", "evaluate a teacher on a real benchmark: eval --checkpoint C --dataset sintel-clean|sintel-final|kitti2012|kitti2015|chairs-val --root DIR [--size HxW]", EvalCommand.Run),
        ("footage", "decode and index real footage, evaluate on its held-out frames: footage [VIDEO|FOLDER] [--height H] [--gaps 1,2] [--checkpoint C ...] [--baselines] [--pairs N]", FootageCommand.Run),
        ("flow", "run a trained model on two images: flow --checkpoint C --image1 A --image2 B --out F.flo [--png-viz V.png] [--occlusion O.png]", FlowCommand.Run),
        ("match", "carry keypoints of one image into another with a trained PMD matcher: match --checkpoint C --image1 A --image2 B --points P.csv --out Q.csv [--png-viz V.png] [--backbone-weights W] [--hypotheses K] [--seed S]", MatchCommand.Run),
        ("bench", "benchmarks against PyTorch eager on the same libtorch: bench [engine|pwcnet|fastflownet|raft|costvolume|data|transforms] [--threads N] [--steps N] [--size mini|paper|all] [--form COSTVOLUME] (pwcnet only); bench memory [--steps N] [--every K] [--phases extend|scale]: RSS and live tensors over a long smoke training", BenchCommand.Run),
        ("convert", "convert a packaged pretrained network into kit weights: convert resnet18 [--out FILE.safetensors] [--force] (ImageNet ResNet-18 from the NuGet cache, offline)", ConvertCommand.Run),
        ("notebook", "run notebooks headless: notebook run FILE.ipynb | notebook run-all", NotebookCommand.Run),
    };

    /// <summary>Commands left out of the help: tools for the kit's own tests.</summary>
    static readonly (string Name, Func<string[], int> Run)[] Hidden =
    {
        ("fuzz", Fuzz.FuzzCommand.Run), // seeded corruptions of every file reader (tests/Fuzz)
        ("hold-lock", HoldLockCommand.Run), // takes an output folder's training lock on cue (tests/Training/RunLockRaceTests)
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine("usage: ./kit COMMAND [options]\n\ncommands:");
            foreach (var c in Commands) Console.WriteLine($"  {c.Name,-10} {c.Help}");
            return args.Length == 0 ? 2 : 0;
        }
        var cmd = Array.Find(Commands, c => c.Name == args[0]);
        if (cmd.Name is null && Array.Find(Hidden, c => c.Name == args[0]) is { Name: not null } hidden) cmd = (hidden.Name, "", hidden.Run);
        if (cmd.Name is null)
        {
            Console.Error.WriteLine($"kit: unknown command '{args[0]}'. Run ./kit --help for the list.");
            return 2;
        }
        if (cmd.Help is { Length: > 0 } && args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine($"usage: ./kit {cmd.Name}: {cmd.Help}");   // never start a command's work when help was asked for
            return 0;
        }
        try
        {
            return cmd.Run(args[1..]);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException or ExternalException)
        {
            Console.Error.WriteLine($"kit {args[0]}: {e.Message}");
            return 1;
        }
    }
}
