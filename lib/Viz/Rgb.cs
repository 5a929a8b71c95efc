namespace DistillKit.Viz;

/// <summary>A colour with components in [0,1].</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    public static readonly Rgb Black = new(0, 0, 0), White = new(1, 1, 1), Red = new(1, 0, 0), Green = new(0, 1, 0),
        Blue = new(0, 0, 1), Yellow = new(1, 1, 0), Gray = new(0.5f, 0.5f, 0.5f);

    /// <summary>From 8-bit components.</summary>
    public static Rgb FromBytes(byte r, byte g, byte b) => new(r / 255f, g / 255f, b / 255f);

    /// <summary>(1 − t)·a + t·b.</summary>
    public static Rgb Lerp(Rgb a, Rgb b, float t) => new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);

    /// <summary>CSS form, e.g. <c>rgb(255,0,0)</c>.</summary>
    public string ToCss() => $"rgb({Byte(R)},{Byte(G)},{Byte(B)})";

    static int Byte(float v) => (int)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);
}
