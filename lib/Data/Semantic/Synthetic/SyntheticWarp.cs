using DistillKit.Data.Synthetic;
using DistillKit.Geometry;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>The family a <see cref="SyntheticWarp"/> is drawn from.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<WarpKind>))]
public enum WarpKind
{
    /// <summary>A = R(α)·R(−φ)·diag(sx, sy)·R(φ), translation t (DenseMatching's ranges).</summary>
    Affine,

    /// <summary>The projective map taking the image corners to corners displaced by up to ±MaxCornerOffset.</summary>
    Homography,

    /// <summary>A thin-plate spline through a regular control grid displaced by up to ±MaxTpsOffset.</summary>
    Tps,

    /// <summary>A TPS followed by an affine map: T(p) = A(TPS(p)).</summary>
    AffineTps,

    /// <summary>PMD's teacher warp: θ = I + N(0, σ²) on each of the 6 affine entries (METHODS.md §6).</summary>
    GaussianAffine,
}

/// <summary>
/// Ranges of the random warps, in normalised coordinates (<see cref="PixelGrid"/>, <c>align_corners = true</c>: −1 and
/// +1 are the centres of the first and last pixel of a row or column, so a translation of 0.25 is an eighth of the
/// image). Defaults are DenseMatching's (METHODS.md §6). Immutable; derive variants with <c>with</c>.
/// </summary>
/// <param name="MaxRotation">Largest |α| of the affine rotation, radians (π/12).</param>
/// <param name="MaxShear">Largest |φ| of the affine shear direction, radians (π/12).</param>
/// <param name="MinScale">Smallest affine scale sx, sy (0.5).</param>
/// <param name="MaxScale">Largest affine scale sx, sy (1.5).</param>
/// <param name="MaxTranslation">Largest |t_x|, |t_y| of the affine translation (0.25).</param>
/// <param name="MaxCornerOffset">Largest displacement of each corner coordinate of the homography (0.4).</param>
/// <param name="TpsGridSize">Control points per side of the TPS grid (3: a 3×3 grid at {−1, 0, 1}²).</param>
/// <param name="MaxTpsOffset">Largest displacement of each TPS control coordinate (0.4).</param>
/// <param name="GaussianAffineSigma">σ of <see cref="WarpKind.GaussianAffine"/> (PMD: 0.15).</param>
public sealed record SyntheticWarpRanges(
    double MaxRotation = Math.PI / 12, double MaxShear = Math.PI / 12, double MinScale = 0.5, double MaxScale = 1.5,
    double MaxTranslation = 0.25, double MaxCornerOffset = 0.4, int TpsGridSize = 3, double MaxTpsOffset = 0.4,
    double GaussianAffineSigma = 0.15)
{
    /// <summary>DenseMatching's ranges, as listed in METHODS.md §6.</summary>
    public static SyntheticWarpRanges DenseMatching { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent setting.</summary>
    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"SyntheticWarpRanges: {what}");
        }
        Require(MaxRotation >= 0 && MaxShear >= 0, "rotation and shear ranges must be ≥ 0");
        Require(MinScale > 0 && MaxScale >= MinScale, $"need 0 < MinScale ≤ MaxScale, got {MinScale}, {MaxScale}");
        Require(MaxTranslation >= 0, "MaxTranslation must be ≥ 0");
        Require(MaxCornerOffset is >= 0 and < 1, "MaxCornerOffset must be in [0, 1) (larger offsets can fold the image)");
        Require(TpsGridSize >= 2, "TpsGridSize must be ≥ 2");
        Require(MaxTpsOffset >= 0, "MaxTpsOffset must be ≥ 0");
        Require(GaussianAffineSigma >= 0, "GaussianAffineSigma must be ≥ 0");
    }
}

/// <summary>The drawn parameters of an affine warp: A = R(α)·R(−φ)·diag(sx, sy)·R(φ), q = A·p + t.</summary>
public sealed record AffineWarpParameters(double Rotation, double Shear, double ScaleX, double ScaleY, double TranslationX, double TranslationY);

/// <summary>
/// One random geometric warp, as the map T from target to source in normalised coordinates (x_n = 2·x/(W−1) − 1,
/// y_n = 2·y/(H−1) − 1): the target image is the source sampled at T(p), target(p) = source(T(p)). So with image 1 =
/// target and image 2 = source, T(p) − p is the forward flow of DESIGN.md (image 1 → image 2). Immutable.
/// </summary>
public sealed class SyntheticWarp
{
    SyntheticWarp(WarpKind kind, Affine2 affine, AffineWarpParameters? affineParameters, Homography2? homography,
        (double X, double Y)[] controls, (double X, double Y)[] offsets, ThinPlateSpline? tps)
    {
        Kind = kind;
        Affine = affine;
        AffineParameters = affineParameters;
        Homography = homography;
        Controls = controls;
        Offsets = offsets;
        Tps = tps;
    }

    /// <summary>The family the warp was drawn from.</summary>
    public WarpKind Kind { get; }

    /// <summary>The affine part (normalised coordinates); the identity for <see cref="WarpKind.Homography"/> and
    /// <see cref="WarpKind.Tps"/>.</summary>
    public Affine2 Affine { get; }

    /// <summary>The drawn decomposition of <see cref="Affine"/> for <see cref="WarpKind.Affine"/> and
    /// <see cref="WarpKind.AffineTps"/>; null otherwise.</summary>
    public AffineWarpParameters? AffineParameters { get; }

    /// <summary>The projective map for <see cref="WarpKind.Homography"/>; null otherwise.</summary>
    public Homography2? Homography { get; }

    /// <summary>Target-side anchor points (normalised): the 4 image corners of a homography (top-left, top-right,
    /// bottom-right, bottom-left) or the TPS control grid (row by row); empty for affine warps.</summary>
    public IReadOnlyList<(double X, double Y)> Controls { get; }

    /// <summary>The drawn displacement of each anchor (normalised): the homography or TPS takes Controls[k] exactly to
    /// Controls[k] + Offsets[k] (the affine of <see cref="WarpKind.AffineTps"/> comes after).</summary>
    public IReadOnlyList<(double X, double Y)> Offsets { get; }

    /// <summary>The spline for <see cref="WarpKind.Tps"/> and <see cref="WarpKind.AffineTps"/>; null otherwise.</summary>
    public ThinPlateSpline? Tps { get; }

    /// <summary>T(p): the source point (normalised) that the target point (x, y) (normalised) shows.</summary>
    public (double X, double Y) MapNormalised(double x, double y)
    {
        switch (Kind)
        {
            case WarpKind.Homography:
                return Homography!.Value.Apply(x, y);
            case WarpKind.Tps:
                return Tps!.Apply(x, y);
            case WarpKind.AffineTps:
                var (tx, ty) = Tps!.Apply(x, y);
                return Affine.Apply(tx, ty);
            default:
                return Affine.Apply(x, y);
        }
    }

    /// <summary>T(p) in pixels: the source pixel position (x, y) shown at target pixel (x, y), for images of
    /// <paramref name="height"/>×<paramref name="width"/> (both the same size).</summary>
    public (double X, double Y) MapPixels(double x, double y, int height, int width)
    {
        double sx = (width - 1) / 2.0, sy = (height - 1) / 2.0;
        var (u, v) = MapNormalised(x / sx - 1, y / sy - 1);
        return ((u + 1) * sx, (v + 1) * sy);
    }

    /// <summary>The identity warp (its flow is zero).</summary>
    public static SyntheticWarp Identity { get; } = new(WarpKind.Affine, Affine2.Identity,
        new AffineWarpParameters(0, 0, 1, 1, 0, 0), null, [], [], null);

    /// <summary>
    /// Draws a warp of <paramref name="kind"/> within <paramref name="ranges"/> from <paramref name="rng"/>. Affine:
    /// α, φ uniform in ±MaxRotation, ±MaxShear; sx, sy uniform in [MinScale, MaxScale]; t_x, t_y uniform in
    /// ±MaxTranslation. Homography: each coordinate of each corner displaced uniformly in ±MaxCornerOffset. TPS: each
    /// coordinate of each control point of the grid displaced uniformly in ±MaxTpsOffset. AffineTps: a TPS, then an
    /// affine, drawn as above. GaussianAffine: I + N(0, σ²) on the 6 entries of [A | t].
    /// </summary>
    public static SyntheticWarp Draw(WarpKind kind, SyntheticWarpRanges ranges, SampleRandom rng)
    {
        ranges.Validate();
        switch (kind)
        {
            case WarpKind.Affine:
            {
                var (a, p) = DrawAffine(ranges, rng);
                return new SyntheticWarp(kind, a, p, null, [], [], null);
            }
            case WarpKind.GaussianAffine:
            {
                double s = ranges.GaussianAffineSigma;
                var a = new Affine2(1 + s * rng.Normal(), s * rng.Normal(), s * rng.Normal(), 1 + s * rng.Normal(), s * rng.Normal(), s * rng.Normal());
                return new SyntheticWarp(kind, a, null, null, [], [], null);
            }
            case WarpKind.Homography:
            {
                (double X, double Y)[] corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)];
                var offsets = corners.Select(_ => (rng.Symmetric(ranges.MaxCornerOffset), rng.Symmetric(ranges.MaxCornerOffset))).ToArray();
                var moved = corners.Select((c, k) => (c.X + offsets[k].Item1, c.Y + offsets[k].Item2)).ToArray();
                var h = Homography2.FromCorrespondences(corners, moved);
                return new SyntheticWarp(kind, Affine2.Identity, null, h, corners, offsets, null);
            }
            case WarpKind.Tps:
            case WarpKind.AffineTps:
            {
                int g = ranges.TpsGridSize;
                var controls = new (double X, double Y)[g * g];
                for (int r = 0; r < g; r++)
                    for (int c = 0; c < g; c++) controls[r * g + c] = (-1 + 2.0 * c / (g - 1), -1 + 2.0 * r / (g - 1));
                var offsets = controls.Select(_ => (rng.Symmetric(ranges.MaxTpsOffset), rng.Symmetric(ranges.MaxTpsOffset))).ToArray();
                var moved = controls.Select((c, k) => (c.X + offsets[k].Item1, c.Y + offsets[k].Item2)).ToArray();
                var tps = ThinPlateSpline.Fit(controls, moved);
                if (kind == WarpKind.Tps) return new SyntheticWarp(kind, Affine2.Identity, null, null, controls, offsets, tps);
                var (a, p) = DrawAffine(ranges, rng);
                return new SyntheticWarp(kind, a, p, null, controls, offsets, tps);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>A = R(α)·R(−φ)·diag(sx, sy)·R(φ): scaling by sx, sy along axes turned by φ, then a rotation by α.</summary>
    static (Affine2, AffineWarpParameters) DrawAffine(SyntheticWarpRanges r, SampleRandom rng)
    {
        double alpha = rng.Symmetric(r.MaxRotation), phi = rng.Symmetric(r.MaxShear);
        double sx = rng.Uniform(r.MinScale, r.MaxScale), sy = rng.Uniform(r.MinScale, r.MaxScale);
        double tx = rng.Symmetric(r.MaxTranslation), ty = rng.Symmetric(r.MaxTranslation);
        var rotPhi = Affine2.Similarity(0, 0, 1, phi, 0, 0);
        var a = Affine2.Similarity(0, 0, 1, alpha, 0, 0)
            .After(rotPhi.Inverse())
            .After(new Affine2(sx, 0, 0, sy, 0, 0))
            .After(rotPhi);
        return (a with { B1 = tx, B2 = ty }, new AffineWarpParameters(alpha, phi, sx, sy, tx, ty));
    }
}
