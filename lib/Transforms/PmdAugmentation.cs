using DistillKit.Data.Synthetic;
using DistillKit.Models.Pmd;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Transforms;

/// <summary>
/// PMD's student augmentation (METHODS.md §6), with the teacher's pseudo-labels carried through every warp so that they
/// still match the augmented pixels. All geometry is in <see cref="CellGrid"/>'s normalised coordinates
/// (<c>align_corners = false</c>: the image spans [−1, 1] edge to edge, pixel x of a W-pixel image at u = (2x + 1)/W − 1,
/// channel 0 = x), the coordinates PMD's matches and flows live in; images are resampled with <c>grid_sample</c>,
/// bilinear, <c>align_corners = false</c>, zero padding.
/// <list type="bullet">
/// <item>Source: an affine map A(u′) = θ·[u′; 1], θ = [I | 0] + N(0, <see cref="AffineSigma"/>²) on each of its 6 entries;
/// the augmented source is S′(u′) = S(A(u′)).</item>
/// <item>Target: with probability <see cref="ScaleProbability"/> an anisotropic scale about the centre, s_x, s_y uniform in
/// [<see cref="MinScale"/>, <see cref="MaxScale"/>] (the kit's reading: METHODS does not say which image; unverified),
/// T′(v′) = T(v′ / s), so a target point v sits at s ⊙ v in T′; then random erasing (probability
/// <see cref="ErasingProbability"/>, area a fraction of the image uniform in [<see cref="ErasingMinArea"/>,
/// <see cref="ErasingMaxArea"/>], aspect log-uniform in [<see cref="ErasingMinAspect"/>, <see cref="ErasingMaxAspect"/>],
/// filled with 0 as torchvision's <c>RandomErasing</c> does).</item>
/// <item>Both: colour jitter (each image its own draw, before the warps): brightness, contrast and saturation factors
/// 1 ± <see cref="ColourJitter"/>, hue rotated by ±<see cref="ColourJitter"/> of a turn in YIQ space (an approximation of
/// torchvision's HSV hue shift).</item>
/// </list>
/// Pseudo-labels (<see cref="PmdAugmentedPair.CarryFlow"/>): a flow F on the source cell grid (target position u + F(u))
/// becomes, at an augmented source cell c′, F′(c′) = s ⊙ (p + F(p)) − c′ with p = A(c′) and F(p) sampled bilinearly.
/// Every draw is taken whether or not its part is on, so switching a part off leaves the others' draws unchanged.
/// Immutable; derive variants with <c>with</c>.
/// </summary>
public sealed record PmdAugmentation
{
    /// <summary>Off: the pair and its pseudo-labels pass through unchanged.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Brightness, contrast and saturation 1 ± this; hue ± this of a turn (0 = off).</summary>
    public double ColourJitter { get; init; } = 0.1;

    /// <summary>Probability of an erased rectangle in the target.</summary>
    public double ErasingProbability { get; init; } = 0.3;
    public double ErasingMinArea { get; init; } = 0.02;
    public double ErasingMaxArea { get; init; } = 0.4;
    public double ErasingMinAspect { get; init; } = 0.3;
    public double ErasingMaxAspect { get; init; } = 3.3;

    /// <summary>σ of the Gaussian perturbation of the source's affine θ (0 = no source warp).</summary>
    public double AffineSigma { get; init; } = 0.15;

    /// <summary>Probability of the target's anisotropic scale.</summary>
    public double ScaleProbability { get; init; } = 0.8;
    public double MinScale { get; init; } = 0.75;
    public double MaxScale { get; init; } = 1.25;

    /// <summary>Draws one pair's augmentation from <paramref name="rng"/> (a fixed number of draws).</summary>
    public PmdAugmentationDraw Draw(SampleRandom rng)
    {
        var theta = new double[6];
        for (int i = 0; i < 6; i++) theta[i] = (i is 0 or 4 ? 1 : 0) + AffineSigma * rng.Normal();
        bool scale = rng.Bernoulli(ScaleProbability);
        double sx = rng.Uniform(MinScale, MaxScale), sy = rng.Uniform(MinScale, MaxScale);
        var jitterSource = Jitter(rng);
        var jitterTarget = Jitter(rng);
        bool erase = rng.Bernoulli(ErasingProbability);
        double area = rng.Uniform(ErasingMinArea, ErasingMaxArea), aspect = rng.LogUniform(ErasingMinAspect, ErasingMaxAspect);
        double eh = Math.Min(1, Math.Sqrt(area * aspect)), ew = Math.Min(1, Math.Sqrt(area / aspect));
        double ey = rng.Uniform(0, 1 - eh), ex = rng.Uniform(0, 1 - ew);
        if (!Enabled) return PmdAugmentationDraw.Identity;
        return new PmdAugmentationDraw(theta, scale ? sx : 1, scale ? sy : 1, jitterSource, jitterTarget,
            erase ? new ErasedBox(ex, ey, ew, eh) : null);
    }

    ColourJitterDraw Jitter(SampleRandom rng) => ColourJitterDraw.Draw(rng, ColourJitter);

    /// <summary>
    /// Augments a batch: source and target [B,3,S,S′] RGB in [0,1] (not modified), one draw per pair, pseudo-labels on an
    /// <paramref name="cellsHigh"/>×<paramref name="cellsWide"/> cell grid. See <see cref="PmdAugmentedPair"/>.
    /// </summary>
    public static PmdAugmentedPair Apply(Tensor source, Tensor target, IReadOnlyList<PmdAugmentationDraw> draws, long cellsHigh, long cellsWide)
    {
        if (source.dim() != 4 || source.size(1) != 3 || !source.shape.SequenceEqual(target.shape))
            throw new ArgumentException($"PmdAugmentation: expected source and target [B,3,H,W] of one shape, got [{CellGrid.Shape(source)}] and [{CellGrid.Shape(target)}]");
        long b = source.size(0), h = source.size(2), w = source.size(3);
        if (draws.Count != b) throw new ArgumentException($"PmdAugmentation: {draws.Count} draws for a batch of {b}");
        using var scope = torch.NewDisposeScope();
        var (device, dtype) = (source.device, source.dtype);
        var cells = CellGrid.Centres(cellsHigh, cellsWide, device, dtype).expand(b, -1, -1, -1);
        if (draws.All(d => d.IsIdentity))
        {
            var (s0, t0, p0) = (source.alias(), target.alias(), cells.clone());
            var (scale0, inside0) = (torch.ones(b, 2, 1, 1, dtype, device), torch.ones(b, 1, cellsHigh, cellsWide, dtype, device));
            scope.MoveToOuter(s0, t0, p0, scale0, inside0);
            return new PmdAugmentedPair(s0, t0, p0, scale0, inside0);
        }
        var theta = torch.tensor(draws.SelectMany(d => d.Theta).ToArray(), [b, 2, 3]).to(dtype, device);
        var scale = torch.tensor(draws.SelectMany(d => new[] { d.ScaleX, d.ScaleY }).ToArray(), [b, 2, 1, 1]).to(dtype, device);

        var s = ColourJitterDraw.Apply(source, draws.Select(d => d.JitterSource).ToArray());
        var t = ColourJitterDraw.Apply(target, draws.Select(d => d.JitterTarget).ToArray());
        s = Resample(s, Affine(theta, CellGrid.Centres(h, w, device, dtype).expand(b, -1, -1, -1)));
        t = Resample(t, CellGrid.Centres(h, w, device, dtype).expand(b, -1, -1, -1).div(scale));
        t = Erase(t, draws.Select(d => d.Erased).ToArray());

        var positions = Affine(theta, cells);
        var inside = positions.abs().le(1).all(1, keepdim: true).to_type(dtype);
        var result = new PmdAugmentedPair(s, t, positions, scale, inside);
        scope.MoveToOuter(s, t, positions, scale, inside);
        return result;
    }

    /// <summary>A(u) = θ·[u; 1] for positions [B,2,h,w] and θ [B,2,3].</summary>
    static Tensor Affine(Tensor theta, Tensor positions)
    {
        var a = theta.narrow(2, 0, 2);                                      // [B,2,2]
        var t = theta.select(2, 2).unsqueeze(-1).unsqueeze(-1);             // [B,2,1,1]
        return torch.einsum("bij,bjhw->bihw", a, positions).add(t);
    }

    /// <summary>image(grid) with normalised positions [B,2,H,W] (align_corners = false, zeros outside).</summary>
    static Tensor Resample(Tensor image, Tensor positions) =>
        grid_sample(image, positions.permute(0, 2, 3, 1), GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);

    static Tensor Erase(Tensor image, ErasedBox?[] boxes)
    {
        if (boxes.All(x => x is null)) return image;
        long h = image.size(2), w = image.size(3);
        var keep = torch.ones(image.size(0), 1, h, w, image.dtype, image.device);
        for (int i = 0; i < boxes.Length; i++)
        {
            if (boxes[i] is not { } e) continue;
            long x0 = (long)Math.Round(e.X * w), y0 = (long)Math.Round(e.Y * h);
            long x1 = Math.Min(w, x0 + Math.Max(1, (long)Math.Round(e.Width * w))), y1 = Math.Min(h, y0 + Math.Max(1, (long)Math.Round(e.Height * h)));
            keep[i].narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0).fill_(0);
        }
        return image.mul(keep);
    }
}

/// <summary>One colour-jitter draw: brightness, contrast and saturation factors, hue rotation in turns.</summary>
public sealed record ColourJitterDraw(double Brightness, double Contrast, double Saturation, double Hue)
{
    public static ColourJitterDraw None { get; } = new(1, 1, 1, 0);

    /// <summary>Factors 1 ± <paramref name="amount"/> (uniform) and a hue of ± <paramref name="amount"/> turns: four draws.</summary>
    public static ColourJitterDraw Draw(SampleRandom rng, double amount) =>
        new(1 + rng.Symmetric(amount), 1 + rng.Symmetric(amount), 1 + rng.Symmetric(amount), rng.Symmetric(amount));

    /// <summary>Images [B,3,H,W] in [0,1], one draw per image: x·b, then contrast about the image's mean grey, then
    /// saturation about each pixel's grey, then the hue rotation (YIQ), clamped to [0,1].</summary>
    public static Tensor Apply(Tensor images, IReadOnlyList<ColourJitterDraw> draws)
    {
        if (draws.All(d => d == None)) return images.alias();
        using var scope = torch.NewDisposeScope();
        long b = images.size(0);
        Tensor Column(Func<ColourJitterDraw, double> f) => torch.tensor(draws.Select(f).ToArray()).to(images.dtype, images.device).view(b, 1, 1, 1);
        var x = images.mul(Column(d => d.Brightness));
        var grey = Losses.Grayscale.FromRgb(x);
        x = x.sub(grey.mean([1, 2, 3], keepdim: true)).mul(Column(d => d.Contrast)).add(grey.mean([1, 2, 3], keepdim: true));
        grey = Losses.Grayscale.FromRgb(x);
        x = x.sub(grey).mul(Column(d => d.Saturation)).add(grey).clamp(0, 1);
        var rotations = torch.stack(draws.Select(d => HueRotation(d.Hue)).ToArray()).to(images.dtype, images.device); // [B,3,3]
        x = torch.einsum("bij,bjhw->bihw", rotations, x).clamp(0, 1);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>RGB → YIQ, rotate I and Q by 2π·turns, → RGB, as one 3×3 matrix (the identity for 0).</summary>
    static Tensor HueRotation(double turns)
    {
        double[,] toYiq = { { 0.299, 0.587, 0.114 }, { 0.596, -0.274, -0.322 }, { 0.211, -0.523, 0.312 } };
        using var yiq = torch.tensor(toYiq, ScalarType.Float64);
        double c = Math.Cos(2 * Math.PI * turns), s = Math.Sin(2 * Math.PI * turns);
        using var rot = torch.tensor(new double[,] { { 1, 0, 0 }, { 0, c, -s }, { 0, s, c } }, ScalarType.Float64);
        using var inverse = torch.linalg.inv(yiq);
        return inverse.matmul(rot).matmul(yiq);
    }
}

/// <summary>An erased rectangle as fractions of the image: left, top, width, height.</summary>
public sealed record ErasedBox(double X, double Y, double Width, double Height);

/// <summary>
/// One pair's drawn augmentation. <see cref="Theta"/>: the source's affine [a11, a12, t1, a21, a22, t2] (row-major 2×3,
/// normalised coordinates, augmented → original source); <see cref="ScaleX"/>, <see cref="ScaleY"/>: the target's scale
/// (1 = none); the colour jitter of each image; the erased box of the target (null = none).
/// </summary>
public sealed record PmdAugmentationDraw(double[] Theta, double ScaleX, double ScaleY, ColourJitterDraw JitterSource,
    ColourJitterDraw JitterTarget, ErasedBox? Erased)
{
    /// <summary>No change at all.</summary>
    public static PmdAugmentationDraw Identity { get; } = new([1, 0, 0, 0, 1, 0], 1, 1, ColourJitterDraw.None, ColourJitterDraw.None, null);

    /// <summary>True when the draw changes nothing.</summary>
    public bool IsIdentity => Theta.SequenceEqual(Identity.Theta) && ScaleX == 1 && ScaleY == 1 && JitterSource == ColourJitterDraw.None
                              && JitterTarget == ColourJitterDraw.None && Erased is null;
}

/// <summary>
/// An augmented batch and what carries the source-grid pseudo-labels into it (<see cref="PmdAugmentation"/>). Source,
/// Target [B,3,H,W]: the augmented images. Positions [B,2,h,w]: p = A(c′), where each augmented source cell centre c′
/// lies in the original source (normalised). Scale [B,2,1,1]: the target's (s_x, s_y). SourceInBounds [B,1,h,w]: 1 where
/// p lies inside the original source image (|p_x|, |p_y| ≤ 1). Owns its tensors.
/// </summary>
public sealed record PmdAugmentedPair(Tensor Source, Tensor Target, Tensor Positions, Tensor Scale, Tensor SourceInBounds) : IDisposable
{
    /// <summary>
    /// A source-grid field [B,C,h,w] or [K,B,C,h,w] (cycle weights, PSR variances) read at the augmented cells: sampled
    /// bilinearly at p (<see cref="CellGrid.Sample"/>, border padding beyond the outer cell centres).
    /// </summary>
    public Tensor CarryField(Tensor field)
    {
        using var scope = torch.NewDisposeScope();
        bool stacked = field.dim() == 5;
        long k = stacked ? field.size(0) : 1, b = Positions.size(0);
        var flat = stacked ? field.reshape(k * b, field.size(2), field.size(3), field.size(4)) : field;
        var at = stacked ? Positions.unsqueeze(0).expand(k, -1, -1, -1, -1).reshape(k * b, 2, Positions.size(2), Positions.size(3)) : Positions;
        var sampled = CellGrid.Sample(flat, at);
        var result = stacked ? sampled.view(k, b, field.size(2), Positions.size(2), Positions.size(3)) : sampled;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A source → target flow [B,2,h,w] or hypotheses [K,B,2,h,w] (normalised, on the source cell grid) as the flow of the
    /// augmented pair: F′(c′) = s ⊙ (p + F(p)) − c′, p = A(c′). Valid where <see cref="SourceInBounds"/> is 1.
    /// </summary>
    public Tensor CarryFlow(Tensor flow)
    {
        using var scope = torch.NewDisposeScope();
        var sampled = CarryField(flow);
        var p = flow.dim() == 5 ? Positions.unsqueeze(0) : Positions;
        var s = flow.dim() == 5 ? Scale.unsqueeze(0) : Scale;
        var centres = CellGrid.Centres(Positions.size(2), Positions.size(3), Positions.device, Positions.dtype);
        return p.add(sampled).mul(s).sub(centres).MoveToOuterDisposeScope();
    }

    /// <summary>1 where a carried flow [B,2,h,w] ends inside the augmented target (|u|, |v| ≤ 1), [B,1,h,w].</summary>
    public Tensor TargetInBounds(Tensor carriedFlow)
    {
        using var scope = torch.NewDisposeScope();
        var centres = CellGrid.Centres(carriedFlow.size(2), carriedFlow.size(3), carriedFlow.device, carriedFlow.dtype);
        return carriedFlow.add(centres).abs().le(1).all(1, keepdim: true).to_type(carriedFlow.dtype).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Source.Dispose();
        Target.Dispose();
        Positions.Dispose();
        Scale.Dispose();
        SourceInBounds.Dispose();
    }
}
