namespace DistillKit.Models.Raft;

/// <summary>
/// RAFT (Teed &amp; Deng, ECCV 2020), MDFlow's student (METHODS.md section 2). Immutable; derive variants with <c>with</c>.
/// Both encoders share <see cref="EncoderChannels"/> (stem, stage 1, stage 2, stage 3; stages 2 and 3 halve the
/// resolution, so features are at 1/8); the feature encoder outputs <see cref="FeatureChannels"/>, the context encoder
/// <see cref="HiddenChannels"/> + <see cref="ContextChannels"/>. The correlation lookup gives
/// <see cref="CorrelationLevels"/>·(2·<see cref="CorrelationRadius"/> + 1)² channels.
/// </summary>
public sealed record RaftConfig
{
    /// <summary>The model kind written in configs, so that <see cref="FlowModels.Create"/> builds a RAFT from this section.</summary>
    public string Kind => nameof(Raft);

    public int[] EncoderChannels { get; init; } = [64, 64, 96, 128];
    public int FeatureChannels { get; init; } = 256;
    public int HiddenChannels { get; init; } = 128;
    public int ContextChannels { get; init; } = 128;
    public int CorrelationLevels { get; init; } = 4;
    public int CorrelationRadius { get; init; } = 4;

    /// <summary>Motion encoder: the correlation branch (1×1 conv, 3×3 conv).</summary>
    public int[] MotionCorrelationChannels { get; init; } = [256, 192];

    /// <summary>Motion encoder: the flow branch (7×7 conv, 3×3 conv).</summary>
    public int[] MotionFlowChannels { get; init; } = [128, 64];

    /// <summary>Motion features, the flow's 2 channels included (a 3×3 conv gives the other MotionChannels − 2).</summary>
    public int MotionChannels { get; init; } = 128;

    /// <summary>Hidden width of the flow head and of the upsampling-mask head.</summary>
    public int HeadChannels { get; init; } = 256;

    /// <summary>Refinements per forward pass (the paper's 12; training and inference may ask for another count).</summary>
    public int Iterations { get; init; } = 12;

    /// <summary>
    /// Input pixels per feature cell: 8 (the paper's: stages 2 and 3 halve the resolution) or 4 (stage 3 keeps it; the
    /// flow is estimated on a grid twice as fine and convex-upsampled ×4). The number of parameters changes only in the
    /// upsampling-mask head (9·stride² outputs).
    /// </summary>
    public int FeatureStride { get; init; } = 8;

    /// <summary>Inputs must be multiples of this (<see cref="FeatureStride"/>); the pyramid also needs inputs of at least <see cref="MinimumSize"/>.</summary>
    public int SizeMultiple => FeatureStride;

    /// <summary>The smallest input height and width: the feature grid must survive CorrelationLevels − 1 halvings.</summary>
    public int MinimumSize => FeatureStride << (CorrelationLevels - 1);

    /// <summary>Throws unless <see cref="FeatureStride"/> is 4 or 8.</summary>
    public void Validate()
    {
        if (FeatureStride != 4 && FeatureStride != 8)
            throw new ArgumentException($"RaftConfig.FeatureStride must be 4 or 8, got {FeatureStride}");
    }

    /// <summary>Channels of one correlation lookup.</summary>
    public int CorrelationChannels => CorrelationLevels * (2 * CorrelationRadius + 1) * (2 * CorrelationRadius + 1);

    /// <summary>The paper's network: 5,257,536 parameters.</summary>
    public static RaftConfig Paper => new();

    /// <summary>1,281,760 parameters (a quarter of the paper's), for minutes of CPU training at 64×96.</summary>
    public static RaftConfig Mini => new()
    {
        EncoderChannels = [32, 32, 48, 64],
        FeatureChannels = 128,
        HiddenChannels = 64,
        ContextChannels = 64,
        CorrelationLevels = 3,
        CorrelationRadius = 3,
        MotionCorrelationChannels = [96, 64],
        MotionFlowChannels = [64, 32],
        MotionChannels = 64,
        HeadChannels = 128,
        Iterations = 6,
    };

    /// <summary>A tiny network for seconds-long smoke runs.</summary>
    public static RaftConfig Smoke => new()
    {
        EncoderChannels = [8, 8, 12, 16],
        FeatureChannels = 32,
        HiddenChannels = 16,
        ContextChannels = 16,
        CorrelationLevels = 2,
        CorrelationRadius = 2,
        MotionCorrelationChannels = [32, 24],
        MotionFlowChannels = [16, 8],
        MotionChannels = 16,
        HeadChannels = 32,
        Iterations = 3,
    };

    /// <summary>The preset by name: smoke, mini or paper.</summary>
    public static RaftConfig ForPreset(string preset) => preset switch
    {
        "smoke" => Smoke,
        "mini" => Mini,
        "paper" => Paper,
        _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
    };
}
