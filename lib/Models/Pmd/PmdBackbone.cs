using DistillKit.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>
/// PMD's frozen backbone (METHODS.md §6): its layer3 and layer4 features, never trained: every parameter has
/// <c>requires_grad = false</c>, batch norm stays in eval mode (running statistics), and <see cref="Features"/> runs
/// under <c>no_grad</c>. Kept apart from the matcher's head so that a trainer can cache features and checkpoints hold
/// the trained head only. Owns its network.
/// </summary>
public sealed class PmdBackbone : IDisposable
{
    readonly nn.Module<Tensor, ResNetFeatures> _network;

    PmdBackbone(PmdBackboneKind kind, nn.Module<Tensor, ResNetFeatures> network)
    {
        Kind = kind;
        _network = network;
        foreach (var p in network.parameters()) p.requires_grad = false;
        network.eval();
    }

    /// <summary>Which backbone.</summary>
    public PmdBackboneKind Kind { get; }

    /// <summary>Channels of layer3 and layer4.</summary>
    public (int layer3, int layer4) Channels => Kind == PmdBackboneKind.ResNet101 ? (1024, 2048) : (256, 512);

    /// <summary>The network, for inspection (frozen; do not train it).</summary>
    public nn.Module Network => _network;

    /// <summary>
    /// The config's backbone with ImageNet weights from <paramref name="weightsPath"/>: ResNet-18 from the kit's
    /// conversion (<see cref="ResNet18ImageNet.Pretrained"/>, converted from the NuGet package when absent), ResNet-101
    /// from TorchVision's file. Throws when the config's channels are not the backbone's.
    /// </summary>
    public static PmdBackbone Pretrained(PmdConfig config, string weightsPath) => Check(config, config.Backbone switch
    {
        PmdBackboneKind.ResNet18ImageNet => new PmdBackbone(config.Backbone, ResNet18ImageNet.Pretrained(weightsPath)),
        _ => new PmdBackbone(config.Backbone, ResNet101.Pretrained(weightsPath)),
    });

    /// <summary>The config's backbone with PyTorch's default random initialisation from <paramref name="seed"/>: for
    /// tests and smoke runs that need the path, not ImageNet features.</summary>
    public static PmdBackbone Untrained(PmdConfig config, long seed = 0) => Check(config, config.Backbone switch
    {
        PmdBackboneKind.ResNet18ImageNet => new PmdBackbone(config.Backbone, SeededInit.Apply(new ResNet18ImageNet(), seed)),
        _ => new PmdBackbone(config.Backbone, SeededInit.Apply(new ResNet101(), seed)),
    });

    /// <summary>layer3 [B,C3,S/16,S/16] and layer4 [B,C4,S/32,S/32] of images [B,3,S,S'] RGB in [0,1], sides multiples of 32; no gradient.</summary>
    public ResNetFeatures Features(Tensor images)
    {
        if (images.dim() != 4 || images.size(1) != 3 || images.size(2) % 32 != 0 || images.size(3) % 32 != 0 || images.size(2) == 0 || images.size(3) == 0)
            throw new ArgumentException($"PMD backbone: expected images [B,3,H,W] RGB in [0,1] with H, W positive multiples of 32, got [{CellGrid.Shape(images)}] (resize to the config's InputSize)");
        using var noGrad = torch.no_grad();
        return _network.forward(images);
    }

    /// <summary>Moves the network to <paramref name="device"/>.</summary>
    public PmdBackbone To(Device device)
    {
        _network.to(device);
        return this;
    }

    static PmdBackbone Check(PmdConfig config, PmdBackbone backbone)
    {
        if (backbone.Channels != (config.Layer3Channels, config.Layer4Channels))
        {
            backbone.Dispose();
            throw new ArgumentException($"PmdConfig: {config.Backbone} gives layer3/layer4 channels {backbone.Channels.layer3}/{backbone.Channels.layer4}, " +
                                        $"the config says {config.Layer3Channels}/{config.Layer4Channels}");
        }
        return backbone;
    }

    public void Dispose() => _network.Dispose();
}
