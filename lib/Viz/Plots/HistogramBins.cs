namespace DistillKit.Viz.Plots;

/// <summary>
/// Equal-width bins over a set of values: bin k holds the values in [Start + k·Width, Start + (k+1)·Width) (bins spanning
/// the values' range also count the maximum in the last bin). Non-finite values (NaN, ±∞) are left out and counted in
/// <see cref="Skipped"/>.
/// </summary>
/// <param name="Start">Lower edge of the first bin.</param>
/// <param name="Width">Width of every bin (positive).</param>
/// <param name="Counts">Number of values per bin.</param>
/// <param name="Skipped">Non-finite values left out.</param>
public sealed record HistogramBins(double Start, double Width, IReadOnlyList<long> Counts, long Skipped)
{
    /// <summary>Lower edge of bin <paramref name="k"/>.</summary>
    public double Edge(int k) => Start + k * Width;

    /// <summary>Centre of bin <paramref name="k"/>.</summary>
    public double Centre(int k) => Start + (k + 0.5) * Width;

    /// <summary>Values counted (all bins).</summary>
    public long Total => Counts.Sum();

    /// <summary>
    /// Bins <paramref name="values"/>. With <paramref name="binWidth"/>, bins sit at multiples of it (the first starts
    /// at ⌊min / width⌋·width, the last holds the maximum); otherwise <paramref name="bins"/> equal bins span [min, max]
    /// (one bin of width 1 centred on the value when all values are equal). No finite value: no bins.
    /// </summary>
    public static HistogramBins Compute(IEnumerable<double> values, double? binWidth = null, int bins = 20)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (binWidth is { } bw && !(bw > 0 && double.IsFinite(bw))) throw new ArgumentOutOfRangeException(nameof(binWidth), $"bin width must be positive, got {bw}");
        if (binWidth is null && bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), $"need at least one bin, got {bins}");
        var finite = new List<double>();
        long skipped = 0;
        foreach (var v in values)
            if (double.IsFinite(v)) finite.Add(v); else skipped++;
        if (finite.Count == 0) return new HistogramBins(0, binWidth ?? 1, [], skipped);
        double min = finite.Min(), max = finite.Max();
        double start, width;
        int n;
        if (binWidth is { } w)
        {
            start = Math.Floor(min / w) * w;
            width = w;
            n = (int)Math.Floor((max - start) / w) + 1;
        }
        else if (max > min)
        {
            (start, width, n) = (min, (max - min) / bins, bins);
        }
        else
        {
            (start, width, n) = (min - 0.5, 1, 1);
        }
        var counts = new long[n];
        foreach (var v in finite)
            counts[Math.Clamp((int)Math.Floor((v - start) / width), 0, n - 1)]++;
        return new HistogramBins(start, width, counts, skipped);
    }
}
