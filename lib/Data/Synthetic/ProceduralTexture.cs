namespace DistillKit.Data.Synthetic;

/// <summary>
/// A smooth colour texture defined at every real point q = (x, y) of a layer's own coordinates (frame-1 pixels):
/// c(q) = clamp(base + G·(q − q0) + Σ_k a_k·sin(ω_k·q + φ_k) + Σ_j b_j·(1 − |q − μ_j|²/R_j²)₊², 0, 1) per RGB channel
/// (sinusoids plus compact smooth bumps). Because it is a function of continuous coordinates, frame 2 is rendered
/// exactly by evaluating it at the inverse-mapped point instead of resampling frame 1. The sine is a fixed polynomial
/// (<see cref="Sin"/>), so the values do not depend on the platform's math library.
/// </summary>
public sealed class ProceduralTexture : SceneTexture
{
    readonly double[] _base = new double[3], _grad = new double[6]; // grad: (gx, gy) per channel
    readonly double _x0, _y0;
    readonly double[] _wave; // per wave: kx, ky, phase, ar, ag, ab
    readonly double[] _blob; // per bump: mx, my, 1/R², br, bg, bb

    ProceduralTexture(double x0, double y0, double[] wave, double[] blob)
    {
        _x0 = x0;
        _y0 = y0;
        _wave = wave;
        _blob = blob;
    }

    /// <summary>
    /// Draws a texture around the centre (x0, y0) spanning about <paramref name="extent"/> pixels: a base colour in
    /// [0.15, 0.85]³, a colour gradient of at most ±0.25 across the extent, <paramref name="waves"/> sinusoids with
    /// log-uniform wavelengths in [minWavelength, maxWavelength] and amplitudes up to 0.14 per channel, and
    /// <paramref name="blobs"/> bumps (radius R from maxWavelength/2 to 2·maxWavelength, amplitude up to ±0.3).
    /// </summary>
    public static ProceduralTexture Random(SampleRandom rng, double x0, double y0, double extent, int waves, int blobs,
        double minWavelength, double maxWavelength)
    {
        var wave = new double[waves * 6];
        for (int k = 0; k < waves; k++)
        {
            double lambda = rng.LogUniform(minWavelength, maxWavelength), theta = rng.Uniform(0, Math.PI);
            double omega = 2 * Math.PI / lambda, amp = rng.Uniform(0.04, 0.14);
            wave[6 * k] = omega * Math.Cos(theta);
            wave[6 * k + 1] = omega * Math.Sin(theta);
            wave[6 * k + 2] = rng.Uniform(0, 2 * Math.PI);
            for (int c = 0; c < 3; c++) wave[6 * k + 3 + c] = amp * rng.Uniform(-1, 1);
        }
        var blob = new double[blobs * 6];
        for (int j = 0; j < blobs; j++)
        {
            double radius = rng.Uniform(maxWavelength / 2, 2 * maxWavelength);
            blob[6 * j] = x0 + rng.Symmetric(extent / 2);
            blob[6 * j + 1] = y0 + rng.Symmetric(extent / 2);
            blob[6 * j + 2] = 1 / (radius * radius);
            for (int c = 0; c < 3; c++) blob[6 * j + 3 + c] = rng.Symmetric(0.3);
        }
        var t = new ProceduralTexture(x0, y0, wave, blob);
        for (int c = 0; c < 3; c++)
        {
            t._base[c] = rng.Uniform(0.15, 0.85);
            t._grad[2 * c] = rng.Symmetric(0.25) / extent;
            t._grad[2 * c + 1] = rng.Symmetric(0.25) / extent;
        }
        return t;
    }

    protected override void Eval(double x, double y, out double r, out double g, out double b)
    {
        double dx = x - _x0, dy = y - _y0;
        var c = _base;
        var gr = _grad;
        r = c[0] + gr[0] * dx + gr[1] * dy;
        g = c[1] + gr[2] * dx + gr[3] * dy;
        b = c[2] + gr[4] * dx + gr[5] * dy;
        var w = _wave;
        for (int k = 0; k < w.Length; k += 6)
        {
            double s = Sin(w[k] * x + w[k + 1] * y + w[k + 2]);
            r += w[k + 3] * s;
            g += w[k + 4] * s;
            b += w[k + 5] * s;
        }
        var bl = _blob;
        for (int j = 0; j < bl.Length; j += 6)
        {
            double ex = x - bl[j], ey = y - bl[j + 1];
            double t = 1 - (ex * ex + ey * ey) * bl[j + 2];
            if (t <= 0) continue;
            double e = t * t;
            r += bl[j + 3] * e;
            g += bl[j + 4] * e;
            b += bl[j + 5] * e;
        }
    }

    /// <summary>
    /// sin(a) to about 1e-7: reduced to [−π/2, π/2] (sin(π − a) = sin a), then the odd Taylor polynomial of degree 13.
    /// Plain IEEE arithmetic, so every platform gives the same bits; several times faster than Math.Sin.
    /// </summary>
    public static double Sin(double a)
    {
        const double twoPi = 2 * Math.PI, halfPi = Math.PI / 2;
        a -= twoPi * Math.Floor(a / twoPi + 0.5); // [−π, π]
        if (a > halfPi) a = Math.PI - a;
        else if (a < -halfPi) a = -Math.PI - a;
        double a2 = a * a;
        return a * (1 + a2 * (-1.0 / 6 + a2 * (1.0 / 120 + a2 * (-1.0 / 5040 + a2 * (1.0 / 362880
                 + a2 * (-1.0 / 39916800 + a2 * (1.0 / 6227020800)))))));
    }

}
