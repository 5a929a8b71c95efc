namespace DistillKit.Models.Pwc;

/// <summary>
/// PWC-Net, DDFlow variant (METHODS.md section 2). Immutable; derive variants with <c>with</c>.
/// <see cref="PyramidChannels"/> lists the feature channels of pyramid levels 1..L (each level: a stride-2 and a
/// stride-1 3×3 conv); flow is estimated from level L down to <see cref="OutputLevel"/>.
/// </summary>
public sealed record PwcNetConfig
{
    public int[] PyramidChannels { get; init; } = [16, 32, 64, 96, 128, 192];
    public int[] EstimatorChannels { get; init; } = [128, 128, 96, 64, 32];
    public int[] ContextChannels { get; init; } = [128, 128, 128, 96, 64, 32];
    public int[] ContextDilations { get; init; } = [1, 2, 4, 8, 16, 1];
    public int SearchRadius { get; init; } = 4;
    public int OutputLevel { get; init; } = 2;
    public double LeakySlope { get; init; } = 0.2;
    public bool UseContext { get; init; } = true;
    public CostVolumeMode CostVolume { get; init; } = CostVolumeMode.ChannelsLastOwnBackward;

    /// <summary>Number of pyramid levels.</summary>
    public int Levels => PyramidChannels.Length;

    /// <summary>Inputs must be multiples of this (2^levels); <c>kit flow</c> pads to it.</summary>
    public int SizeMultiple => 1 << Levels;

    /// <summary>The paper's network: 4.27 M parameters.</summary>
    public static PwcNetConfig Paper => new();

    /// <summary>A quarter of the paper's widths, for minutes of CPU training.</summary>
    public static PwcNetConfig Mini => new()
    {
        PyramidChannels = [8, 16, 24, 32, 48],
        EstimatorChannels = [48, 48, 32, 24, 16],
        ContextChannels = [48, 48, 48, 32, 24, 16],
        SearchRadius = 3,
    };

    /// <summary>A tiny network for seconds-long smoke runs.</summary>
    public static PwcNetConfig Smoke => new()
    {
        PyramidChannels = [4, 8, 8, 12],
        EstimatorChannels = [16, 16, 8, 8, 8],
        ContextChannels = [8, 8, 8, 8, 8, 8],
        SearchRadius = 2,
    };

    /// <summary>The preset by name: smoke, mini or paper.</summary>
    public static PwcNetConfig ForPreset(string preset) => preset switch
    {
        "smoke" => Smoke,
        "mini" => Mini,
        "paper" => Paper,
        _ => throw new ArgumentException($"unknown preset '{preset}': use smoke, mini or paper"),
    };
}
