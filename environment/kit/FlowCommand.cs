using DistillKit.Data.Formats;
using DistillKit.Geometry;
using DistillKit.Imaging;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;
using DistillKit.Training.Stages;
using DistillKit.Viz;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit flow --checkpoint C --image1 A --image2 B --out F.flo [--png-viz V.png] [--occlusion O.png] [--fit pad|resize]</c>:
/// runs a trained flow model on two images of any size and writes the forward flow (Middlebury .flo, u/v in pixels
/// of the input), optionally its colour coding and the forward-backward occlusion mask (white = occluded).
/// </summary>
public static class FlowCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var checkpoint = o.Required("checkpoint");
        var image1Path = o.Required("image1");
        var image2Path = o.Required("image2");
        var outPath = o.Required("out");
        var fit = o.Str("fit", "pad") switch
        {
            "pad" => FitMode.Pad,
            "resize" => FitMode.Resize,
            var s => throw new ArgumentException($"--fit must be pad or resize, got '{s}'"),
        };
        using var model = FlowModels.Load(checkpoint);
        using var scope = torch.NewDisposeScope();
        var image1 = ImageIO.ReadTensor(image1Path);
        var image2 = ImageIO.ReadTensor(image2Path);
        if (!image1.shape.SequenceEqual(image2.shape))
            throw new ArgumentException($"{image1Path} is {image1.size(2)}×{image1.size(1)} but {image2Path} is {image2.size(2)}×{image2.size(1)}: the two frames must have one size");
        var (fw, bw) = FlowInference.Predict(model, image1, image2, fit);
        MiddleburyFlo.Write(outPath, fw[0]);
        Console.WriteLine($"flow {fw.size(3)}×{fw.size(2)} → {outPath} (max |w| {FlowColors.LargestMagnitude(fw):F2} px)");
        if (o.Str("png-viz") is { } viz)
        {
            ImageIO.WriteTensor(viz, FlowColors.ToColor(fw)[0]);
            Console.WriteLine($"colour coding → {viz}");
        }
        if (o.Str("occlusion") is { } occPath)
        {
            var (occ, _) = ForwardBackward.Occlusion(fw, bw);
            ImageIO.WriteTensor(occPath, occ[0]);
            Console.WriteLine($"occlusion (white = occluded) → {occPath}");
        }
        model.Dispose();
        return 0;
    }
}
