namespace DistillKit.Data.Synthetic;

/// <summary>
/// Colour defined at every real point q = (x, y) of a layer's own coordinates (frame-1 pixels, x right, y down): a
/// continuous function, so frame 2 is rendered exactly by evaluating it at the inverse-mapped point instead of
/// resampling frame 1. <see cref="ProceduralTexture"/> (sinusoids and bumps) and <see cref="PhotoTexture"/> (a
/// photograph, bilinear) implement it.
/// </summary>
public abstract class SceneTexture
{
    /// <summary>The RGB colour in [0, 1] at the layer point (x, y).</summary>
    public (float R, float G, float B) Colour(double x, double y)
    {
        Eval(x, y, out var r, out var g, out var b);
        return (Clamp01(r), Clamp01(g), Clamp01(b));
    }

    /// <summary>Writes the colour at (x, y) into a planar [3, plane] buffer at element <paramref name="i"/>.</summary>
    internal void ColourInto(double x, double y, float[] dst, int i, int plane)
    {
        Eval(x, y, out var r, out var g, out var b);
        dst[i] = Clamp01(r);
        dst[plane + i] = Clamp01(g);
        dst[2 * plane + i] = Clamp01(b);
    }

    /// <summary>The unclamped colour at (x, y).</summary>
    protected abstract void Eval(double x, double y, out double r, out double g, out double b);

    static float Clamp01(double v) => (float)(v < 0 ? 0 : v > 1 ? 1 : v);
}
