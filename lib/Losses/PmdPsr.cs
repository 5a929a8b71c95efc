using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Losses;

/// <summary>How <see cref="PmdPsr.Weights"/> reads the per-pixel variance v (METHODS.md §6).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<PsrVarianceForm>))]
public enum PsrVarianceForm
{
    /// <summary>v is a variance: w = exp(−(F_l − F_s)² / (2v)). The default.</summary>
    Gaussian,

    /// <summary>"As coded" in PMD's public code, v treated as a standard deviation: w = exp(−(F_l − F_s)² / (2v²)).</summary>
    AsCoded,
}

/// <summary>
/// PMD's probabilistic student regularisation (PSR, METHODS.md §6) as pure functions. Each training pair keeps a
/// per-cell, per-component variance v [2,h,w] (initial 1); the trainer owns it (a tensor [N,2,h,w] over the N
/// training pairs) and passes a batch's rows [B,2,h,w]. Flows are normalised cell flows (<see cref="Models.Pmd.CellGrid"/>):
/// student [B,2,h,w], teacher hypotheses [K,B,2,h,w]. Nothing here has a gradient.
/// </summary>
public static class PmdPsr
{
    /// <summary>The rate of <see cref="UpdateVariance"/>.</summary>
    public const double DefaultRate = 0.01;

    /// <summary>The initial variance of <paramref name="pairs"/> training pairs, ones [N,2,h,w].</summary>
    public static Tensor InitialVariance(long pairs, long height, long width) => torch.ones(pairs, 2, height, width);

    /// <summary>
    /// Hypothesis weights w_l [K,B,2,h,w] per component: exp(−(F_l − F_s)² / (2v)) (<see cref="PsrVarianceForm.Gaussian"/>)
    /// or exp(−(F_l − F_s)² / (2v²)) (<see cref="PsrVarianceForm.AsCoded"/>), v [B,2,h,w] &gt; 0. Student and teacher
    /// detached.
    /// </summary>
    public static Tensor Weights(Tensor student, Tensor hypotheses, Tensor variance, PsrVarianceForm form = PsrVarianceForm.Gaussian)
    {
        PmdShapes.Hypotheses(hypotheses, student, "PmdPsr.Weights");
        if (!variance.shape.SequenceEqual(student.shape))
            throw new ArgumentException($"PmdPsr.Weights: the variance must be [B,2,h,w] = [{PmdShapes.Of(student)}], got [{PmdShapes.Of(variance)}]");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var v = variance.detach();
        var denominator = (form == PsrVarianceForm.AsCoded ? v.square() : v).mul(2);
        return hypotheses.detach().sub(student.detach()).square().div(denominator).neg().exp().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// v ← v + rate·(var_l(F_l) − v), var_l the unbiased variance over the K ≥ 2 hypotheses (as <c>torch.var</c>),
    /// per cell and component. The trainer calls it for every training pair after an epoch whose validation PCK
    /// improved. Returns the new variance [B,2,h,w] (the input is not modified).
    /// </summary>
    public static Tensor UpdateVariance(Tensor variance, Tensor hypotheses, double rate = DefaultRate)
    {
        PmdShapes.Hypotheses(hypotheses, variance, "PmdPsr.UpdateVariance");
        if (hypotheses.size(0) < 2)
            throw new ArgumentException($"PmdPsr.UpdateVariance: the variance over hypotheses needs K ≥ 2, got {hypotheses.size(0)}");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var spread = hypotheses.detach().var(0, unbiased: true);
        return variance.add(spread.sub(variance).mul(rate)).MoveToOuterDisposeScope();
    }
}
