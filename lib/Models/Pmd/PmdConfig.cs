namespace DistillKit.Models.Pmd;

/// <summary>The frozen ImageNet backbone whose layer3 and layer4 features PMD matches (METHODS.md §6).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PmdBackboneKind>))]
public enum PmdBackboneKind
{
    /// <summary>The kit's offline ImageNet ResNet-18 (<see cref="Backbones.ResNet18ImageNet"/>): layer3 256, layer4 512 channels.</summary>
    ResNet18ImageNet,

    /// <summary>TorchVision's ResNet-101 (<see cref="Backbones.ResNet101"/>, PMD's backbone): layer3 1024, layer4 2048 channels.</summary>
    ResNet101,
}

/// <summary>
/// PMD's student and teacher (METHODS.md §6). Immutable; derive variants with <c>with</c>. Inputs are square
/// <see cref="InputSize"/>² images (PMD resizes every image to 320×320); layer3 lies on the stride-16 grid
/// (<see cref="GridSize"/>² cells, where matches and flows live), layer4 on the stride-32 grid
/// (<see cref="Layer4Size"/>²). The student runs on any input whose sides are multiples of 32; the teacher's scale
/// convolution covers the whole layer4 map, so the teacher needs exactly <see cref="InputSize"/>.
/// </summary>
public sealed record PmdConfig
{
    /// <summary>The model kind written in configs.</summary>
    public string Kind => "Pmd";

    /// <summary>Which frozen backbone gives the features.</summary>
    public PmdBackboneKind Backbone { get; init; } = PmdBackboneKind.ResNet101;

    /// <summary>Channels of the backbone's layer3 (stride 16).</summary>
    public int Layer3Channels { get; init; } = 1024;

    /// <summary>Channels of the backbone's layer4 (stride 32).</summary>
    public int Layer4Channels { get; init; } = 2048;

    /// <summary>Side of the square network input, pixels (a multiple of 32).</summary>
    public int InputSize { get; init; } = 320;

    /// <summary>σ of the kernel soft-argmax's Gaussian around the argmax, in cells of the layer3 grid.</summary>
    public double KernelSigma { get; init; } = 5;

    /// <summary>Inverse temperature β of the kernel soft-argmax's softmax.</summary>
    public double Beta { get; init; } = 50;

    /// <summary>Teacher hypotheses (attention samples) per direction.</summary>
    public int Hypotheses { get; init; } = 4;

    /// <summary>Residual adaptation blocks per layer.</summary>
    public int AdaptationBlocks { get; init; } = 2;

    /// <summary>Kernel of the layer3 adaptation convolutions.</summary>
    public int Layer3Kernel { get; init; } = 5;

    /// <summary>Kernel of the layer4 adaptation convolutions.</summary>
    public int Layer4Kernel { get; init; } = 3;

    /// <summary>Side of the layer3 grid (stride 16) at <see cref="InputSize"/>.</summary>
    public int GridSize => InputSize / 16;

    /// <summary>Side of the layer4 map (stride 32) at <see cref="InputSize"/>: the teacher's scale kernel.</summary>
    public int Layer4Size => InputSize / 32;

    /// <summary>PMD's network: ResNet-101 features at 320×320 (layer3 20×20, layer4 10×10).</summary>
    public static PmdConfig Paper => new();

    /// <summary>The kit's offline ImageNet ResNet-18 at 128×128 (an 8×8 grid), for minutes of CPU training.</summary>
    public static PmdConfig Mini => new()
    {
        Backbone = PmdBackboneKind.ResNet18ImageNet,
        Layer3Channels = 256,
        Layer4Channels = 512,
        InputSize = 128,
    };

    /// <summary>ResNet-18 at 64×64 (a 4×4 grid) for seconds-long smoke runs; the head keeps mini's widths (the
    /// backbone fixes them).</summary>
    public static PmdConfig Smoke => Mini with { InputSize = 64, Hypotheses = 2 };

    /// <summary>The preset by name: smoke, mini or paper.</summary>
    public static PmdConfig ForPreset(string preset) => preset switch
    {
        "smoke" => Smoke,
        "mini" => Mini,
        "paper" => Paper,
        _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"PmdConfig: {what}");
        }
        Require(Layer3Channels > 0 && Layer4Channels > 0, $"channels must be positive, got {Layer3Channels} and {Layer4Channels}");
        Require(InputSize >= 32 && InputSize % 32 == 0, $"InputSize must be a positive multiple of 32, got {InputSize}");
        Require(KernelSigma > 0, $"KernelSigma must be > 0, got {KernelSigma}");
        Require(Beta > 0, $"Beta must be > 0, got {Beta}");
        Require(Hypotheses >= 1, $"Hypotheses must be ≥ 1, got {Hypotheses}");
        Require(AdaptationBlocks >= 0, $"AdaptationBlocks must be ≥ 0, got {AdaptationBlocks}");
        Require(Layer3Kernel > 0 && Layer3Kernel % 2 == 1 && Layer4Kernel > 0 && Layer4Kernel % 2 == 1,
            $"adaptation kernels must be odd (same-size padding), got {Layer3Kernel} and {Layer4Kernel}");
    }
}
