using DistillKit.Data.Synthetic;
using DistillKit.Models.Backbones;
using DistillKit.Tests.Support;
using DistillKit.Weights;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DistillKit.Tests.Models;

/// <summary>The converted ImageNet ResNet-18 (build/weights, converted from the NuGet cache on first use) and its traced layout, shared by the class.</summary>
public sealed class PretrainedResNet18 : IDisposable
{
    public PretrainedResNet18()
    {
        var path = RepoPaths.Under(ResNet18ImageNet.WeightsFileInRepo);
        Net = ResNet18ImageNet.Pretrained(path);
        Graph = OnnxFile.Read(DnnImageFeaturizerPackage.NetworkFile);
        Layout = ResNetOnnxLayout.Trace(Graph);
    }

    public ResNet18ImageNet Net { get; }
    public OnnxGraph Graph { get; }
    public ResNetOnnxLayout Layout { get; }

    public void Dispose() => Net.Dispose();
}

public class BackboneTests(PretrainedResNet18 pretrained, ITestOutputHelper output) : IClassFixture<PretrainedResNet18>
{
    [Fact]
    public void HasTheParameterCountOfResNet18WithAThirdBlockInLayer4()
    {
        // stem 64·3·7·7 + 2·64; a basic block in→out: 9·in·out + 9·out² + 2·2·out, its projection in·out + 2·out
        static long Block(long i, long o, bool projection) => 9 * i * o + 9 * o * o + 4 * o + (projection ? i * o + 2 * o : 0);
        long expected = 64 * 3 * 49 + 2 * 64
            + 2 * Block(64, 64, false)
            + Block(64, 128, true) + Block(128, 128, false)
            + Block(128, 256, true) + Block(256, 256, false)
            + Block(256, 512, true) + 2 * Block(512, 512, false);
        Assert.Equal(15_897_152, expected);
        using var net = new ResNet18ImageNet();
        Assert.Equal(expected, net.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void StateDictNamesAreTorchVisionsPlusTheMeanImage()
    {
        static IEnumerable<string> Norm(string p) => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(s => $"{p}.{s}");
        var expected = new List<string> { "conv1.weight", "mean_image" };
        expected.AddRange(Norm("bn1"));
        int[] blocks = [2, 2, 2, 3];
        for (int s = 1; s <= 4; s++)
            for (int b = 0; b < blocks[s - 1]; b++)
            {
                var p = $"layer{s}.{b}";
                expected.AddRange([$"{p}.conv1.weight", $"{p}.conv2.weight"]);
                expected.AddRange(Norm($"{p}.bn1").Concat(Norm($"{p}.bn2")));
                if (b == 0 && s > 1) expected.AddRange(Norm($"{p}.downsample.1").Append($"{p}.downsample.0.weight"));
            }
        using var net = new ResNet18ImageNet();
        var names = net.state_dict().Keys.ToHashSet();
        Assert.Equal(expected.Order(), names.Order());
        Assert.Contains("layer4.2.bn2.running_var", names);
        Assert.DoesNotContain(names, n => n.StartsWith("fc.") || n.StartsWith("layer1.0.downsample"));
        // the converted file holds exactly these names, and the layout traced every one of them but the counters and the mean image
        var file = WeightFiles.Read(RepoPaths.Under(ResNet18ImageNet.WeightsFileInRepo));
        try { Assert.Equal(names.Order(), file.Keys.Order()); }
        finally { foreach (var t in file.Values) t.Dispose(); }
        Assert.Equal(names.Where(n => !n.EndsWith("num_batches_tracked") && n != "mean_image").Order(), pretrained.Layout.Weights.Keys.Order());
    }

    [Fact]
    public void TraceFindsTheStagesOfThePackagedGraph()
    {
        var layout = pretrained.Layout;
        Assert.Equal([2, 2, 2, 3], layout.BlocksPerStage);
        Assert.Equal([1, 2, 2, 2], layout.StageStrides);
        Assert.Equal(110, layout.Weights.Count); // 22 convolutions + 22 batch norms × 4
        Assert.Equal(pretrained.Graph.Initializers.Count, layout.Weights.Values.Distinct().Count());
        Assert.Equal(pretrained.Graph.Outputs, [layout.PooledOutput]);
        output.WriteLine($"{pretrained.Graph.Producer}: layer3 = {layout.StageOutputs[2]}, layer4 = {layout.StageOutputs[3]}, pooled = {layout.PooledOutput}");
    }

    [Fact]
    public void TraceRefusesAGraphThatDepartsFromTheResNetPattern()
    {
        var g = pretrained.Graph;
        var lastAdd = g.Nodes.Last(n => n.OpType == "Add");
        var cut = g with { Nodes = g.Nodes.Where(n => n != lastAdd).ToList() };
        var e = Assert.Throws<InvalidDataException>(() => ResNetOnnxLayout.Trace(cut));
        Assert.Contains(g.Path, e.Message);
        Assert.Contains("Add", e.Message);
        var firstBn = g.Nodes.First(n => n.OpType == "BatchNormalization");
        var eps = firstBn with { Attributes = new Dictionary<string, OnnxAttribute>(firstBn.Attributes) { ["epsilon"] = new("epsilon", [], 1e-3f, null, null) } };
        var changed = g with { Nodes = g.Nodes.Select(n => n == firstBn ? eps : n).ToList() };
        Assert.Contains("ε", Assert.Throws<InvalidDataException>(() => ResNetOnnxLayout.Trace(changed)).Message);
    }

    [Fact]
    public void MissingOrBrokenFilesNameThePathAndTheFix()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<DirectoryNotFoundException>(() => DnnImageFeaturizerPackage.FindFolder([dir.Path]));
        Assert.Contains(Path.Combine(dir.Path, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.24.0"), e.Message);
        Assert.Contains("dotnet restore", e.Message);
        var missing = dir.File("none.onnx");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => OnnxFile.Read(missing)).Message);
        var junk = dir.File("junk.onnx");
        File.WriteAllBytes(junk, [0x0a, 0xff, 0xff, 0x01]); // field 1, length 32767, 1 byte present
        Assert.Contains(junk, Assert.Throws<InvalidDataException>(() => OnnxFile.Read(junk)).Message);
        var empty = dir.File("empty.onnx");
        File.WriteAllBytes(empty, []);
        Assert.Contains("no ONNX graph", Assert.Throws<InvalidDataException>(() => OnnxFile.Read(empty)).Message);
    }

    [Fact]
    public void PreprocessingSwapsToBgrScalesAndSubtractsTheMeans()
    {
        var net = pretrained.Net;
        using var scope = torch.NewDisposeScope();
        var image = torch.stack([torch.full(5, 7, 1.0f), torch.full(5, 7, 0.5f), torch.zeros(5, 7)]).unsqueeze(0); // R 1, G 0.5, B 0
        var x = net.Preprocess(image, MeanSubtraction.ChannelMeans);
        var means = net.mean_image.mean([0, 2, 3]); // B, G, R means of the mean image
        Assert.InRange(means[0].ToDouble(), 100, 106); // ImageNet's BGR means on the 0–255 scale: ≈ 104, 117, 124
        Assert.InRange(means[2].ToDouble(), 120, 126);
        Assert.Equal(0 - means[0].ToDouble(), x[0, 0, 2, 3].ToDouble(), 4);
        Assert.Equal(127.5 - means[1].ToDouble(), x[0, 1, 0, 0].ToDouble(), 4);
        Assert.Equal(255 - means[2].ToDouble(), x[0, 2, 4, 6].ToDouble(), 4);
        var e = Assert.Throws<ArgumentException>(() => net.Preprocess(image, MeanSubtraction.MeanImage));
        Assert.Contains("224×224", e.Message);
        var full = torch.full(1, 3, 224, 224, 0.25f);
        var exact = net.Preprocess(full, MeanSubtraction.MeanImage);
        Assert.Equal(63.75 - net.mean_image[0, 1, 100, 17].ToDouble(), exact[0, 1, 100, 17].ToDouble(), 4);
    }

    [Fact]
    public void GivesLayer3AtOneSixteenthAndLayer4AtOneThirtySecondAtPmdsSize()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var images = torch.rand(2, 3, 320, 320, generator: new Generator(3));
        var f = pretrained.Net.forward(images); // ChannelMeans: any size
        Assert.Equal([2, 256, 20, 20], f.Layer3.shape);
        Assert.Equal([2, 512, 10, 10], f.Layer4.shape);
        Assert.Equal([2, 512], f.Pooled().shape);
        Assert.True(f.Layer4.min().ToDouble() >= 0, "features after the final ReLU");
        Assert.True(f.Layer3.sub(f.Layer3[0]).abs().max().ToDouble() > 0, "two different images give different features");
    }

    /// <summary>
    /// The kit's backbone (preprocessing included, <see cref="MeanSubtraction.MeanImage"/>) against ONNX Runtime running
    /// the package's two graphs on the same images ×255: the pooled 512-d feature, and layer3 / layer4 exposed as extra
    /// graph outputs. Four 224×224 images: three synthetic scenes and uniform noise. Both sides compute in float32 with
    /// different convolution kernels; the stem sees inputs of magnitude ≈ 130 (no division by a standard deviation).
    /// </summary>
    [Fact]
    public void MatchesOnnxRuntimeWithThePreprocessingGraph()
    {
        using var scope = torch.NewDisposeScope();
        var gen = new SyntheticFlowGenerator(SyntheticFlowConfig.Mini with { Height = 224, Width = 224 }, seed: 11);
        var images = torch.cat([gen.GenerateBatch(0, 3).Image1, torch.rand(1, 3, 224, 224, generator: new Generator(5))]);
        using var opts = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var prep = new InferenceSession(DnnImageFeaturizerPackage.PreprocessFile, opts);
        var layout = pretrained.Layout;
        using var net = new InferenceSession(WithOutputs(File.ReadAllBytes(DnnImageFeaturizerPackage.NetworkFile), layout.StageOutputs[2], layout.StageOutputs[3]), opts);

        ResNetFeatures kit, channelMeans;
        using (torch.no_grad())
        {
            kit = pretrained.Net.Features(pretrained.Net.Preprocess(images, MeanSubtraction.MeanImage));
            channelMeans = pretrained.Net.forward(images);
        }
        var kitPooled = kit.Pooled();
        double pooledMax = 0, l3Max = 0, l4Max = 0, approxMax = 0, pooledScale = 0;
        for (int b = 0; b < images.size(0); b++)
        {
            var rgb255 = images[b].unsqueeze(0).mul(255).contiguous();
            var input = new DenseTensor(rgb255.data<float>().ToArray(), [1, 3, 224, 224]);
            using var p = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), input)]);
            using var r = net.Run([NamedOnnxValue.CreateFromTensor(layout.Input, p.Single().AsTensor<float>().ToDenseTensor())]);
            Tensor Out(string name, params long[] shape) => torch.tensor(r.Single(v => v.Name == name).AsTensor<float>().ToArray(), shape);
            var ortPooled = Out(layout.PooledOutput, 512);
            var ort3 = Out(layout.StageOutputs[2], 256, 14, 14);
            var ort4 = Out(layout.StageOutputs[3], 512, 7, 7);
            pooledMax = Math.Max(pooledMax, kitPooled[b].sub(ortPooled).abs().max().ToDouble());
            l3Max = Math.Max(l3Max, kit.Layer3[b].sub(ort3).abs().max().ToDouble());
            l4Max = Math.Max(l4Max, kit.Layer4[b].sub(ort4).abs().max().ToDouble());
            approxMax = Math.Max(approxMax, channelMeans.Pooled()[b].sub(ortPooled).abs().max().ToDouble());
            pooledScale = Math.Max(pooledScale, ortPooled.abs().max().ToDouble());
        }
        output.WriteLine($"max |Δ| vs ONNX Runtime over {images.size(0)} images: pooled {pooledMax:E2} (max |feature| {pooledScale:F3}), layer3 {l3Max:E2}, layer4 {l4Max:E2}; " +
            $"channel-means preprocessing vs the exact graph: pooled {approxMax:E2}");
        Assert.True(pooledMax < 1e-4, $"pooled feature max |Δ| {pooledMax:E2}");
        Assert.True(l3Max < 1e-4, $"layer3 max |Δ| {l3Max:E2}");
        Assert.True(l4Max < 1e-4, $"layer4 max |Δ| {l4Max:E2}");
        Assert.True(approxMax > 0, "the channel-means preprocessing is a different function from the mean image's");
    }

    /// <summary>
    /// The model bytes with extra graph outputs: a second ModelProto.graph (field 7) holding only GraphProto.output
    /// entries (field 12, ValueInfoProto name + float tensor type) is merged into the first by protobuf's rules for a
    /// repeated field, appending the outputs.
    /// </summary>
    static byte[] WithOutputs(byte[] model, params string[] names)
    {
        static byte[] Message(Action<CodedOutputStream> write)
        {
            using var ms = new MemoryStream();
            var o = new CodedOutputStream(ms);
            write(o);
            o.Flush();
            return ms.ToArray();
        }
        var tensorType = Message(o => { o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt32(1); }); // elem_type FLOAT
        var type = Message(o => { o.WriteTag(1, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(tensorType)); });
        var graph = Message(o =>
        {
            foreach (var name in names)
            {
                var info = Message(v =>
                {
                    v.WriteTag(1, WireFormat.WireType.LengthDelimited); v.WriteString(name);
                    v.WriteTag(2, WireFormat.WireType.LengthDelimited); v.WriteBytes(ByteString.CopyFrom(type));
                });
                o.WriteTag(12, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(info));
            }
        });
        var extra = Message(o => { o.WriteTag(7, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(graph)); });
        return [.. model, .. extra];
    }
}
