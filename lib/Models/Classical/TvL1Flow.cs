using DistillKit.Geometry;
using DistillKit.Transforms;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models.Classical;

/// <summary>
/// Dual TV-L1 optical flow (Zach, Pock and Bischof 2007, in the form described by Sánchez, Meinhardt-Llopis and Facciolo,
/// IPOL 2013), written with TorchSharp tensor operations and batched over pairs, behind <see cref="IFlowModel"/>. The kit
/// has its own because OpenCvSharp's runtime does not ship a working TV-L1 (its superres DualTVL1 entry crashes here).
/// Energy Σ |∇u₁| + |∇u₂| + λ|I₁(x + u) − I₀(x)| minimised coarse to fine (scale factor <see cref="Zoom"/>) with
/// <see cref="Warps"/> linearisations per scale, each solved by alternating the thresholding step and
/// <see cref="Iterations"/> projections of the dual variables. Frames: grey (<see cref="Losses.Grayscale"/>) ×255, Gaussian
/// σ 0.8. Defaults are OpenCV's (τ 0.25, λ 0.15, θ 0.3, 5 scales with step 0.8, 5 warps, 10 outer × 30 inner
/// iterations with a 5×5 median filter of the flow before each outer one), with fixed iteration counts (no ε stop). Output: the kit's flow conventions (u then v, pixels; forward maps frame 1 to frame 2).
/// </summary>
public sealed class TvL1Flow : ClassicalFlow
{
    public double Tau { get; init; } = 0.25;
    public double Lambda { get; init; } = 0.15;
    public double Theta { get; init; } = 0.3;
    public int Scales { get; init; } = 5;
    public double Zoom { get; init; } = 0.8;
    public int Warps { get; init; } = 5;
    /// <summary>Inner iterations between two median filterings of the flow.</summary>
    public int Iterations { get; init; } = 30;
    /// <summary>Outer iterations per warp; each starts with a median filter of the flow (<see cref="MedianSize"/>).</summary>
    public int OuterIterations { get; init; } = 10;
    /// <summary>Median filter window of the outer iterations (1 = off).</summary>
    public int MedianSize { get; init; } = 5;

    public override string Kind => "TvL1";

    /// <summary>Pairs solved together by <see cref="ForwardBoth"/> (both directions of each in one batch). The solve is
    /// per image, so the result does not depend on it; process memory does (16 pairs of 128×160 in one batch reached
    /// 10.5 GB RSS, 4 pairs 2.4 GB).</summary>
    public int PairsPerSolve { get; init; } = 2;

    public override (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        if (PairsPerSolve < 1) throw new ArgumentException($"TvL1Flow.PairsPerSolve {PairsPerSolve}: expected ≥ 1");
        long b = image1.size(0);
        var fws = new List<Tensor>();
        var bws = new List<Tensor>();
        for (long start = 0; start < b; start += PairsPerSolve)
        {
            long n = Math.Min(PairsPerSolve, b - start);
            var i1 = image1.narrow(0, start, n);
            var i2 = image2.narrow(0, start, n);
            // both directions of these pairs in one batched solve
            var both = ForwardFlow(torch.cat([i1, i2], 0), torch.cat([i2, i1], 0));
            fws.Add(both.narrow(0, 0, n));
            bws.Add(both.narrow(0, n, n));
        }
        var fw = torch.cat(fws, 0);
        var bw = torch.cat(bws, 0);
        scope.MoveToOuter(fw, bw);
        return (fw, bw);
    }

    protected override Tensor Estimate(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var i0 = Grey(image1);
        var i1 = Grey(image2);
        long h = i0.size(2), w = i0.size(3);
        // the pyramid, finest first; a level stops shrinking below 8 pixels
        var sizes = new List<(long H, long W)> { (h, w) };
        for (int s = 1; s < Scales; s++)
        {
            var (ph, pw) = sizes[^1];
            long nh = (long)Math.Round(ph * Zoom), nw = (long)Math.Round(pw * Zoom);
            if (nh < 8 || nw < 8) break;
            sizes.Add((nh, nw));
        }
        // the iterations allocate thousands of temporaries: each step runs in its own dispose scope, and the state
        // (u, the duals) is held outside every scope and disposed by hand as it is replaced
        Tensor? u = null;
        for (int s = sizes.Count - 1; s >= 0; s--)
        {
            using var level = torch.NewDisposeScope();
            var (sh, sw) = sizes[s];
            var a = s == 0 ? i0 : interpolate(i0, size: [sh, sw], mode: InterpolationMode.Bilinear, align_corners: true);
            var b = s == 0 ? i1 : interpolate(i1, size: [sh, sw], mode: InterpolationMode.Bilinear, align_corners: true);
            var start = u is null ? torch.zeros(i0.size(0), 2, sh, sw, device: i0.device) : FlowResize.Resize(u, sh, sw, FlowScaling.CornerAligned);
            var next = SolveScale(a, b, start);
            u?.Dispose();
            u = next;
        }
        var result = u!.clone();
        u.Dispose();
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>One pyramid level; returns u held outside every dispose scope (the caller disposes it).</summary>
    Tensor SolveScale(Tensor i0, Tensor i1, Tensor start)
    {
        long b = i0.size(0), h = i0.size(2), w = i0.size(3);
        var u = start.clone().DetachFromDisposeScope();
        var p1 = torch.zeros(b, 2, h, w, device: i0.device).DetachFromDisposeScope();   // dual variable of u₁ (x, y components)
        var p2 = torch.zeros(b, 2, h, w, device: i0.device).DetachFromDisposeScope();   // dual variable of u₂
        using var levelScope = torch.NewDisposeScope();
        var grad1 = CentralGradient(i1);
        double lt = Lambda * Theta, t = Tau / Theta;
        for (int warp = 0; warp < Warps; warp++)
        {
            using var warpScope = torch.NewDisposeScope();
            var u0 = u.alias();
            var i1w = Warping.Warped(i1, u0, WarpPadding.Border);
            var g = Warping.Warped(grad1, u0, WarpPadding.Border);          // ∇I₁ at x + u₀
            var gradSq = g.square().sum(1, keepdim: true).clamp_min(1e-8);
            var rhoC = i1w - (g * u0).sum(1, keepdim: true) - i0;          // ρ(u) = ρ_c + ∇I₁·u
            for (int it = 0; it < Iterations * OuterIterations; it++)
            {
                if (MedianSize > 1 && it % Iterations == 0)
                {
                    using var m = torch.NewDisposeScope();
                    var filtered = Median(u, MedianSize).DetachFromDisposeScope();
                    u.Dispose();
                    u = filtered;
                }
                using var step = torch.NewDisposeScope();
                var rho = rhoC + (g * u).sum(1, keepdim: true);
                // thresholding step: v = u + δ, three cases of ρ against λθ|∇I₁|²
                var delta = torch.where(rho.lt(-lt * gradSq), g * lt,
                            torch.where(rho.gt(lt * gradSq), g * -lt, -rho * g / gradSq));
                var nu = u + delta + Theta * torch.cat([Divergence(p1), Divergence(p2)], 1);
                var du1 = ForwardGradient(nu.narrow(1, 0, 1));
                var du2 = ForwardGradient(nu.narrow(1, 1, 1));
                var np1 = (p1 + du1 * t) / (1 + du1.square().sum(1, keepdim: true).sqrt() * t);
                var np2 = (p2 + du2 * t) / (1 + du2.square().sum(1, keepdim: true).sqrt() * t);
                u.Dispose(); p1.Dispose(); p2.Dispose();
                u = nu.DetachFromDisposeScope();
                p1 = np1.DetachFromDisposeScope();
                p2 = np2.DetachFromDisposeScope();
            }
        }
        p1.Dispose();
        p2.Dispose();
        return u;
    }

    /// <summary>k×k median of each channel of [B,C,H,W] (reflect padding).</summary>
    static Tensor Median(Tensor x, int k)
    {
        long b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int r = k / 2;
        var padded = pad(x, [r, r, r, r], PaddingModes.Reflect);
        var patches = padded.unfold(2, k, 1).unfold(3, k, 1);               // [B,C,H,W,k,k]
        var (sorted, _) = patches.reshape(b, c, h, w, k * k).sort(-1);
        return sorted.select(-1, k * k / 2);
    }

    static Tensor Grey(Tensor rgb)
    {
        return Photometric.GaussianBlur(Losses.Grayscale.FromRgb(rgb) * 255, 0.8);
    }

    /// <summary>Central differences of [B,1,H,W] (one-sided at the border) → [B,2,H,W] (∂x, ∂y).</summary>
    static Tensor CentralGradient(Tensor img)
    {
        var padded = pad(img, [1, 1, 1, 1], PaddingModes.Replicate);
        long h = img.size(2), w = img.size(3);
        var dx = (padded.narrow(2, 1, h).narrow(3, 2, w) - padded.narrow(2, 1, h).narrow(3, 0, w)) * 0.5;
        var dy = (padded.narrow(2, 2, h).narrow(3, 1, w) - padded.narrow(2, 0, h).narrow(3, 1, w)) * 0.5;
        return torch.cat([dx, dy], 1);
    }

    /// <summary>Forward differences of [B,1,H,W] with zero at the last column/row → [B,2,H,W].</summary>
    static Tensor ForwardGradient(Tensor f)
    {
        var dx = pad(f.narrow(3, 1, f.size(3) - 1) - f.narrow(3, 0, f.size(3) - 1), [0, 1, 0, 0]);
        var dy = pad(f.narrow(2, 1, f.size(2) - 1) - f.narrow(2, 0, f.size(2) - 1), [0, 0, 0, 1]);
        return torch.cat([dx, dy], 1);
    }

    /// <summary>Divergence [B,1,H,W] of a field [B,2,H,W]: the negative adjoint of <see cref="ForwardGradient"/>.</summary>
    static Tensor Divergence(Tensor p)
    {
        var px = p.narrow(1, 0, 1);
        var py = p.narrow(1, 1, 1);
        long w = p.size(3), h = p.size(2);
        // backward differences with p_x(−1) = 0 and p_x(W−1) treated as 0
        var pxIn = pad(px.narrow(3, 0, w - 1), [0, 1, 0, 0]);
        var pyIn = pad(py.narrow(2, 0, h - 1), [0, 0, 0, 1]);
        var divx = pxIn - pad(pxIn.narrow(3, 0, w - 1), [1, 0, 0, 0]);
        var divy = pyIn - pad(pyIn.narrow(2, 0, h - 1), [0, 0, 1, 0]);
        return divx + divy;
    }
}
