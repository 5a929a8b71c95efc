using DistillKit.Models.Backbones;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit convert resnet18 [--out FILE] [--force]</c>: converts the ImageNet ResNet-18 that the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 ships as ONNX into the kit's <see cref="ResNet18ImageNet"/> weights
/// (safetensors, TorchVision's state-dict names), by default <c>build/weights/resnet18-imagenet.safetensors</c>. Offline:
/// the package is in the NuGet cache after any restore of the kit. Skips an existing file unless <c>--force</c>.
/// </summary>
public static class ConvertCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        if (o.Positional is not ["resnet18"])
            throw new ArgumentException("usage: ./kit convert resnet18 [--out FILE.safetensors] [--force] (resnet18 is the one model it converts)");
        var outPath = Path.GetFullPath(o.Str("out") ?? Path.Combine(Repo.Root, ResNet18ImageNet.WeightsFileInRepo));
        if (File.Exists(outPath) && !o.Has("force"))
        {
            Console.WriteLine($"resnet18: {outPath} exists (--force converts again)");
            return 0;
        }
        var layout = ResNet18OnnxImport.ConvertPackage(outPath);
        Console.WriteLine($"resnet18: {DnnImageFeaturizerPackage.NetworkFile}");
        Console.WriteLine($"  stages of [{string.Join(",", layout.BlocksPerStage)}] basic blocks, {layout.Weights.Count} tensors mapped by the graph's structure, plus the 224×224 mean image");
        Console.WriteLine($"  → {outPath}");
        return 0;
    }
}
