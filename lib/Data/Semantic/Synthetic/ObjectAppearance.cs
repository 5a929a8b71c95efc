using DistillKit.Data.Synthetic;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// The materials of one instance: three independent textures (main, secondary, tertiary) and a detail texture that the
/// fixed-tone roles (dark, bright, warm, glass) recolour, so a role keeps its character (dark eyes and tyres, red-orange
/// beaks and tail lights) while every instance differs. Textures are evaluated at object-frame points times the
/// instance's pixel scale, so they move with the object and their wavelengths are in pixels.
/// </summary>
public sealed class ObjectAppearance
{
    readonly ProceduralTexture _main, _secondary, _tertiary, _detail;

    public ObjectAppearance(ProceduralTexture main, ProceduralTexture secondary, ProceduralTexture tertiary, ProceduralTexture detail)
    {
        (_main, _secondary, _tertiary, _detail) = (main, secondary, tertiary, detail);
    }

    /// <summary>
    /// The RGB colour in [0, 1] of a part of role <paramref name="role"/> at texture point (x, y), with c the role's
    /// texture colour: Main, Secondary, Tertiary c; MainShade 0.7·c_main; Dark 0.03 + 0.22·c; Bright 0.65 + 0.35·c;
    /// Warm (0.7 + 0.3·c_r, 0.2 + 0.35·c_g, 0.05 + 0.15·c_b); Glass (0.08 + 0.2·c_r, 0.12 + 0.2·c_g, 0.2 + 0.25·c_b).
    /// </summary>
    public (float R, float G, float B) Colour(MaterialRole role, double x, double y)
    {
        switch (role)
        {
            case MaterialRole.Main: return _main.Colour(x, y);
            case MaterialRole.Secondary: return _secondary.Colour(x, y);
            case MaterialRole.Tertiary: return _tertiary.Colour(x, y);
            case MaterialRole.MainShade:
            {
                var (r, g, b) = _main.Colour(x, y);
                return (0.7f * r, 0.7f * g, 0.7f * b);
            }
        }
        var (cr, cg, cb) = _detail.Colour(x, y);
        return role switch
        {
            MaterialRole.Dark => (0.03f + 0.22f * cr, 0.03f + 0.22f * cg, 0.03f + 0.22f * cb),
            MaterialRole.Bright => (0.65f + 0.35f * cr, 0.65f + 0.35f * cg, 0.65f + 0.35f * cb),
            MaterialRole.Warm => (0.7f + 0.3f * cr, 0.2f + 0.35f * cg, 0.05f + 0.15f * cb),
            MaterialRole.Glass => (0.08f + 0.2f * cr, 0.12f + 0.2f * cg, 0.2f + 0.25f * cb),
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
        };
    }
}
