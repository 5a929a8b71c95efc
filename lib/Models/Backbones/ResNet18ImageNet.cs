using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Backbones;

/// <summary>How <see cref="ResNet18ImageNet"/> subtracts the ImageNet mean (its ONNX preprocessing graph subtracts a 224×224 mean image).</summary>
public enum MeanSubtraction
{
    /// <summary>The per-channel means of the mean image (B 103.06, G 115.90, R 123.15 on the 0–255 scale): any input size.</summary>
    ChannelMeans,

    /// <summary>The 224×224 mean image itself, pixel by pixel, exactly as the ONNX graph: 224×224 inputs only.</summary>
    MeanImage,
}

/// <summary>The features a backbone returns: layer3 (stride 16) and layer4 (stride 32), after their final ReLU.</summary>
/// <param name="Layer3">[B,C3,H/16,W/16] (ResNet-18: 256 channels; ResNet-101: 1024)</param>
/// <param name="Layer4">[B,C4,H/32,W/32] (ResNet-18: 512 channels; ResNet-101: 2048)</param>
public sealed record ResNetFeatures(Tensor Layer3, Tensor Layer4) : IDisposable
{
    /// <summary>layer4 averaged over all positions, [B,C4]: the ONNX graph's output (its 7×7 average pool at 224×224).</summary>
    public Tensor Pooled() => Layer4.mean([2, 3]);

    public void Dispose()
    {
        Layer3.Dispose();
        Layer4.Dispose();
    }
}

/// <summary>
/// The ImageNet-trained ResNet-18 of the NuGet package <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> (a CNTK 2.6
/// export), as a TorchSharp module with TorchVision's state-dict names: stem <c>conv1</c> (7×7 stride 2, pad 3),
/// <c>bn1</c>, ReLU, max-pool 3×3 stride 2 pad 1, then four stages <c>layer1</c>…<c>layer4</c> of
/// <see cref="BasicBlock"/>s of widths 64, 128, 256, 512 with <b>2, 2, 2 and 3</b> blocks (one more in the last stage
/// than TorchVision's ResNet-18; 15,897,152 parameters), no classifier. The persistent buffer <c>mean_image</c> holds the
/// preprocessing graph's mean image ([1,3,224,224], BGR, 0–255 scale).
/// <para>Input: images [B,3,H,W] float32 <b>RGB in [0,1]</b> (the kit's convention). The forward pass applies the
/// ONNX preprocessing (RGB → BGR, × 255, minus the mean: <see cref="Preprocess"/>), then the network; no division by a
/// standard deviation (the CNTK model was trained without one).</para>
/// <para>Padding: PyTorch's symmetric padding. The CNTK graph pads its stride-2 layers asymmetrically (begin 3 / end 2
/// for the stem, 1 / 0 for the 3×3 convolutions and the max-pool); the two agree exactly whenever every stride-2 layer
/// sees an even size, i.e. for H and W multiples of 32 (224, 320, …). BatchNorm uses its running statistics in
/// <c>eval()</c> mode, which <see cref="Pretrained"/> sets.</para>
/// </summary>
public sealed class ResNet18ImageNet : Module<Tensor, ResNetFeatures>
{
    /// <summary>Blocks per stage of the packaged network.</summary>
    public static readonly IReadOnlyList<int> Layers = [2, 2, 2, 3];

    /// <summary>Where the kit keeps the converted weights, relative to the repository root (ignored by git).</summary>
    public const string WeightsFileInRepo = "build/weights/resnet18-imagenet.safetensors";

    /// <summary>Side of the mean image of the preprocessing graph.</summary>
    public const int MeanImageSize = 224;

    public readonly Conv2d conv1;
    public readonly BatchNorm2d bn1;
    public readonly MaxPool2d maxpool;
    public readonly Sequential layer1, layer2, layer3, layer4;
    public readonly Tensor mean_image;

    /// <summary>The mean subtraction <see cref="Module{T,TResult}.forward"/> applies.</summary>
    public MeanSubtraction Mean { get; }

    /// <summary>A randomly initialised network (load weights with <see cref="Pretrained"/> or <see cref="WeightFiles.Load"/>).</summary>
    public ResNet18ImageNet(MeanSubtraction mean = MeanSubtraction.ChannelMeans) : base(nameof(ResNet18ImageNet))
    {
        Mean = mean;
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, Layers[0], 1);
        layer2 = Stage(64, 128, Layers[1], 2);
        layer3 = Stage(128, 256, Layers[2], 2);
        layer4 = Stage(256, 512, Layers[3], 2);
        mean_image = torch.zeros(1, 3, MeanImageSize, MeanImageSize);
        RegisterComponents();
    }

    static Sequential Stage(int inChannels, int outChannels, int blocks, int stride)
    {
        var stage = Sequential(new BasicBlock(inChannels, outChannels, stride));
        for (int i = 1; i < blocks; i++) stage.append(new BasicBlock(outChannels, outChannels, 1));
        return stage;
    }

    /// <summary>
    /// The network with the converted ImageNet weights of <paramref name="weightsPath"/>, in <c>eval()</c> mode. When the
    /// file is absent it is first converted from the NuGet package (<see cref="ResNet18OnnxImport.ConvertPackage"/>),
    /// as <c>./kit convert resnet18</c> does.
    /// </summary>
    public static ResNet18ImageNet Pretrained(string weightsPath, MeanSubtraction mean = MeanSubtraction.ChannelMeans)
    {
        ResNet18OnnxImport.EnsureConverted(weightsPath);
        var net = new ResNet18ImageNet(mean);
        try
        {
            WeightFiles.Load(net, weightsPath);
        }
        catch
        {
            net.Dispose();
            throw;
        }
        net.eval();
        return net;
    }

    /// <summary>
    /// The ONNX preprocessing: [B,3,H,W] RGB in [0,1] → BGR on the 0–255 scale minus the ImageNet mean, [B,3,H,W].
    /// <see cref="MeanSubtraction.MeanImage"/> needs H = W = 224.
    /// </summary>
    public Tensor Preprocess(Tensor image, MeanSubtraction mean)
    {
        if (image.dim() != 4 || image.size(1) != 3)
            throw new ArgumentException($"ResNet-18: expected images [B,3,H,W] (RGB in [0,1]), got [{string.Join(",", image.shape)}]", nameof(image));
        using var scope = torch.NewDisposeScope();
        var bgr = image.flip(1).mul(255.0);
        Tensor subtrahend;
        if (mean == MeanSubtraction.MeanImage)
        {
            if (image.size(2) != MeanImageSize || image.size(3) != MeanImageSize)
                throw new ArgumentException($"ResNet-18: MeanSubtraction.MeanImage subtracts the {MeanImageSize}×{MeanImageSize} mean image; " +
                    $"this input is {image.size(3)}×{image.size(2)} (use MeanSubtraction.ChannelMeans for other sizes)", nameof(image));
            subtrahend = mean_image;
        }
        else subtrahend = mean_image.mean([2, 3], keepdim: true);
        return bgr.sub_(subtrahend.to(bgr.device)).MoveToOuterDisposeScope();
    }

    /// <summary>Features of images [B,3,H,W] RGB in [0,1], preprocessed with <see cref="Mean"/>.</summary>
    public override ResNetFeatures forward(Tensor image)
    {
        using var scope = torch.NewDisposeScope();
        return Moved(Features(Preprocess(image, Mean)));
    }

    /// <summary>Features of an already preprocessed input (BGR, 0–255 scale, mean subtracted), [B,3,H,W].</summary>
    public ResNetFeatures Features(Tensor preprocessed)
    {
        using var scope = torch.NewDisposeScope();
        var x = maxpool.forward(bn1.forward(conv1.forward(preprocessed)).relu_());
        var f3 = layer3.forward(layer2.forward(layer1.forward(x)));
        var f4 = layer4.forward(f3);
        return Moved(new ResNetFeatures(f3, f4));
    }

    static ResNetFeatures Moved(ResNetFeatures f) => new(f.Layer3.MoveToOuterDisposeScope(), f.Layer4.MoveToOuterDisposeScope());
}
