using DistillKit.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.Backbones;

/// <summary>
/// TorchVision's ResNet-101 (PMD's backbone, METHODS.md §6) with TorchVision's state-dict names, so that its ImageNet
/// <c>.pth</c> (fetched where there is internet) loads strictly by name: stem <c>conv1</c> 7×7/2, <c>bn1</c>, ReLU,
/// max-pool 3×3/2; <c>layer1</c>…<c>layer4</c> of 3, 4, 23, 3 <see cref="Bottleneck"/>s (widths 64…512, outputs
/// 256, 512, 1024, 2048); <c>fc</c> 2048 → 1000 is kept only so that the file loads strictly (never run).
/// 44,549,160 parameters. Input: images [B,3,H,W] RGB in [0,1], normalised inside with ImageNet's mean
/// (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). Output: layer3 [B,1024,H/16,W/16], layer4 [B,2048,H/32,W/32]
/// (H, W multiples of 32).
/// </summary>
public sealed class ResNet101 : Module<Tensor, ResNetFeatures>
{
    /// <summary>Blocks per stage.</summary>
    public static readonly IReadOnlyList<int> Layers = [3, 4, 23, 3];

    static readonly double[] Mean = [0.485, 0.456, 0.406];
    static readonly double[] Std = [0.229, 0.224, 0.225];

    public readonly Conv2d conv1;
    public readonly BatchNorm2d bn1;
    public readonly MaxPool2d maxpool;
    public readonly Sequential layer1, layer2, layer3, layer4;
    public readonly Linear fc;

    /// <summary>A randomly initialised network (load TorchVision's weights with <see cref="Pretrained"/>).</summary>
    public ResNet101() : base(nameof(ResNet101))
    {
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, 64, Layers[0], 1);
        layer2 = Stage(256, 128, Layers[1], 2);
        layer3 = Stage(512, 256, Layers[2], 2);
        layer4 = Stage(1024, 512, Layers[3], 2);
        fc = Linear(2048, 1000);
        RegisterComponents();
    }

    static Sequential Stage(int inChannels, int width, int blocks, int stride)
    {
        var stage = Sequential(new Bottleneck(inChannels, width, stride));
        for (int i = 1; i < blocks; i++) stage.append(new Bottleneck(width * Bottleneck.Expansion, width, 1));
        return stage;
    }

    /// <summary>The network with TorchVision's ImageNet weights (<c>resnet101-*.pth</c> or a safetensors copy), in eval mode.</summary>
    public static ResNet101 Pretrained(string weightsPath)
    {
        if (!File.Exists(weightsPath))
            throw new FileNotFoundException($"no ResNet-101 weights at {weightsPath} (TorchVision's ImageNet resnet101 .pth; it needs internet to fetch)", weightsPath);
        var net = new ResNet101();
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

    /// <summary>Features of images [B,3,H,W] RGB in [0,1].</summary>
    public override ResNetFeatures forward(Tensor image)
    {
        if (image.dim() != 4 || image.size(1) != 3)
            throw new ArgumentException($"ResNet-101: expected images [B,3,H,W] (RGB in [0,1]), got [{string.Join(",", image.shape)}]", nameof(image));
        using var scope = torch.NewDisposeScope();
        var mean = torch.tensor(Mean).to_type(image.dtype).to(image.device).view(1, 3, 1, 1);
        var std = torch.tensor(Std).to_type(image.dtype).to(image.device).view(1, 3, 1, 1);
        var x = image.sub(mean).div(std);
        x = maxpool.forward(bn1.forward(conv1.forward(x)).relu_());
        var f3 = layer3.forward(layer2.forward(layer1.forward(x)));
        var f4 = layer4.forward(f3);
        return new ResNetFeatures(f3.MoveToOuterDisposeScope(), f4.MoveToOuterDisposeScope());
    }
}
