using DistillKit.Data.Formats;
using DistillKit.Imaging;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using DistillKit.Viz;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Cli;

/// <summary>
/// <c>./kit match --checkpoint C --image1 A --image2 B --points P.csv --out Q.csv [--png-viz V.png] [--backbone-weights W]
/// [--hypotheses K] [--seed S]</c>: carries keypoints of image 1 into image 2 with a trained PMD matcher
/// (<see cref="SemanticMatcherFile"/>, student or teacher) on images of any sizes (<see cref="KeypointTransfer"/>). P.csv
/// and Q.csv are <see cref="KeypointCsv"/> files: a header <c>x,y</c>, one point per line, in pixels of image 1 (P) and of
/// image 2 (Q; pixel centres at integer coordinates), row i of Q matching row i of P; a teacher adds the columns
/// <c>confidence</c> and <c>spread</c> (pixels of image 2) from K hypotheses drawn from seed S. The backbone is the
/// matcher's own (its config names it): the kit's ImageNet ResNet-18 from build/weights, or ResNet-101 from
/// <c>--backbone-weights</c>. <c>--png-viz</c> draws both images side by side with a line between each pair.
/// </summary>
public static class MatchCommand
{
    public static int Run(string[] args)
    {
        var o = CliArgs.Parse(args);
        var checkpoint = o.Required("checkpoint");
        var image1Path = o.Required("image1");
        var image2Path = o.Required("image2");
        var pointsPath = o.Required("points");
        var outPath = o.Required("out");
        int? hypotheses = o.Has("hypotheses") ? o.Int("hypotheses", 0) : null;
        if (hypotheses is < 1) throw new ArgumentException($"--hypotheses must be at least 1, got {hypotheses}");
        long seed = o.Int("seed", 0);

        // the cheap checks first: what the checkpoint is, the images, the points
        var kind = SemanticMatcherFile.MatcherKind(checkpoint);
        using var scope = torch.NewDisposeScope();
        var image1 = ImageIO.ReadTensor(image1Path);
        var image2 = ImageIO.ReadTensor(image2Path);
        using var points = KeypointCsv.Read(pointsPath);
        points.CheckInside(image1.size(2), image1.size(1), $"image1 {image1Path}");

        using var matcher = SemanticMatcherFile.Load(checkpoint);
        using var backbone = PmdBackbone.Pretrained(matcher.Config, BackboneWeights(o, matcher.Config));
        using var moved = KeypointTransfer.Transfer(backbone, matcher, image1, image2, points.Points, hypotheses, seed);
        var columns = new List<(string, Tensor)>();
        if (moved.Confidence is not null) columns.Add(("confidence", moved.Confidence));
        if (moved.Spread is not null) columns.Add(("spread", moved.Spread));
        KeypointCsv.Write(outPath, moved.Points, columns);
        Console.WriteLine($"{points.Count} points of {image1Path} ({image1.size(2)}×{image1.size(1)}) → {image2Path} ({image2.size(2)}×{image2.size(1)}) " +
                          $"by the {kind} {checkpoint} → {outPath}" + (columns.Count > 0 ? " (with confidence and spread)" : ""));
        if (o.Str("png-viz") is { } viz)
        {
            int radius = (int)Math.Max(1, Math.Max(Math.Max(image1.size(1), image1.size(2)), Math.Max(image2.size(1), image2.size(2))) / 160);
            ImageIO.WriteTensor(viz, KeypointPairs.Plot(image1, image2, points.Points, moved.Points, markerRadius: radius));
            Console.WriteLine($"matches drawn → {viz}");
        }
        return 0;
    }

    /// <summary>The backbone's weight file: <c>--backbone-weights</c>, else the kit's converted ResNet-18; ResNet-101 has no default.</summary>
    static string BackboneWeights(CliArgs o, PmdConfig config)
    {
        if (o.Str("backbone-weights") is { } given) return given;
        return config.Backbone switch
        {
            PmdBackboneKind.ResNet18ImageNet => Path.Combine(Repo.Root, ResNet18ImageNet.WeightsFileInRepo),
            _ => throw new ArgumentException($"the matcher's backbone is {config.Backbone}: pass --backbone-weights PATH (TorchVision's ImageNet resnet101 .pth or a safetensors copy)"),
        };
    }
}
