namespace DistillKit.Models.FastFlow;

/// <summary>
/// FastFlowNet (MDFlow's teacher; METHODS.md section 2). Immutable; derive variants with <c>with</c>. The structure is
/// fixed (three pyramid levels of convs, levels 4–6 average pools, decoders at levels 6..2 with three grouped convs);
/// the config sets the widths. <see cref="Kind"/> is written into the JSON so <see cref="FlowModels.Create"/> knows it.
/// </summary>
public sealed record FastFlowNetConfig
{
    /// <summary>The model kind in configs (read-only; ignored when reading JSON).</summary>
    public string Kind => nameof(FastFlowNet);

    /// <summary>Channels of pyramid levels 1, 2, 3 (levels 4–6 are 2×2 average pools of level 3).</summary>
    public int[] PyramidChannels { get; init; } = [16, 32, 64];

    /// <summary>Channels of the per-level 3×3 conv that reduces image-1 features before the decoder.</summary>
    public int ReducedChannels { get; init; } = 32;

    /// <summary>Decoder widths: conv1 and the three grouped convs, then conv5, then conv6 (the last before the flow).</summary>
    public int[] DecoderChannels { get; init; } = [96, 64, 32];

    /// <summary>Groups of the decoder's grouped convs (and of the channel shuffle after each).</summary>
    public int Groups { get; init; } = 3;

    public double LeakySlope { get; init; } = 0.1;

    /// <summary>
    /// A factor on the correlation (f1·f2 / C) before its LeakyReLU; 1 in the paper. Kit choice for short CPU runs at
    /// mini width: FastFlowNet mini stayed at zero flow for hundreds of steps even under exact-flow
    /// supervision (64×96 synthetic pairs, 300 steps, ψ 2.00 → 2.01 at learning rates 3e-4 … 3e-3); × 100 it learns at
    /// once (ψ 1.75 by step 300; photometric only: 1.62 against 1.89). Presumably the correlation of mean-subtracted
    /// [0,1] images' features, divided by C, is small beside the reduced features in the decoder's input (not measured).
    /// MDFlow's laptop preset uses 100.
    /// </summary>
    public double CorrelationScale { get; init; } = 1;

    /// <summary>How the 53-displacement correlation is computed (same values; speed only).</summary>
    public CostVolumeMode Correlation { get; init; } = CostVolumeMode.ChannelsLast;

    /// <summary>Inputs must be multiples of this: level 6 is 1/64 of the input, and each transposed conv doubles exactly.</summary>
    public int SizeMultiple => 64;

    /// <summary>The published network: 1,366,114 parameters.</summary>
    public static FastFlowNetConfig Paper => new();

    /// <summary>Half the paper's widths (a fifth of its parameters), for minutes of CPU training.</summary>
    public static FastFlowNetConfig Mini => new()
    {
        PyramidChannels = [8, 16, 32],
        ReducedChannels = 16,
        DecoderChannels = [48, 32, 16],
    };

    /// <summary>A tiny network for seconds-long smoke runs.</summary>
    public static FastFlowNetConfig Smoke => new()
    {
        PyramidChannels = [4, 8, 12],
        ReducedChannels = 8,
        DecoderChannels = [12, 8, 8],
    };

    /// <summary>The preset by name: smoke, mini or paper.</summary>
    public static FastFlowNetConfig ForPreset(string preset) => preset switch
    {
        "smoke" => Smoke,
        "mini" => Mini,
        "paper" => Paper,
        _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
    };
}
