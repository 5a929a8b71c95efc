using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DistillKit.Data.Synthetic;
using DistillKit.Models.Pmd;
using DistillKit.Training.Recipes;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>What both PMD recipes set up the same way: backbone and feature cache, the three splits, the order of the
/// training items, the timing of steps.</summary>
public sealed class PmdRunParts : IDisposable
{
    PmdRunParts(PmdBackbone backbone, PmdFeatureCache cache, PmdPairs train, PmdPairs validation, PmdPairs test)
    {
        Backbone = backbone;
        Cache = cache;
        Train = train;
        Validation = validation;
        Test = test;
    }

    public PmdBackbone Backbone { get; }
    public PmdFeatureCache Cache { get; }
    public PmdPairs Train { get; }
    public PmdPairs Validation { get; }
    public PmdPairs Test { get; }

    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly List<double> _stepStarts = [];

    /// <summary>Wall-clock milliseconds of each training step this session.</summary>
    public List<double> StepMs { get; } = [];

    /// <summary>
    /// The backbone of <paramref name="model"/>, its feature cache (disk entries under
    /// <c>OUT/feature-cache/HASH</c>, HASH naming the backbone, input size, data and seed, so that a folder reused with other
    /// settings never serves stale features) and the three splits.
    /// </summary>
    public static PmdRunParts Create(PmdConfig model, PmdBackboneSettings backboneSettings, PmdData data, long seed, RunOptions options)
    {
        model.Validate();
        if (data.BatchSize < 2) throw new ArgumentException($"PMD: the channel attention's batch norm needs at least 2 pairs per batch, got Data.BatchSize = {data.BatchSize}");
        var backbone = backboneSettings.Create(model, seed);
        // footage: its settings and its folder too (another video in the same run folder must not reuse features)
        var identity = data.Source == PmdDataSource.Footage
            ? JsonSerializer.Serialize(new { model.Backbone, model.InputSize, backboneSettings, data.Source, data.Footage, data.HeldOutWarps,
                data.HeldOutWarpRanges, footage = Path.GetFullPath(PmdPairs.FootageRoot(options.Data)), seed }, Json.Compact)
            : JsonSerializer.Serialize(new { model.Backbone, model.InputSize, backboneSettings, data.Source, data.Synthetic, seed }, Json.Compact);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..12].ToLowerInvariant();
        var cache = new PmdFeatureCache(backbone, data.FeatureCache, Path.Combine(options.OutDir, "feature-cache", hash));
        var (train, validation, test) = PmdPairs.Splits(data, seed, model.InputSize, options.Data);
        return new PmdRunParts(backbone, cache, train, validation, test);
    }

    /// <summary>
    /// The items of a step: global position j = step·B + b (b &lt; <paramref name="batch"/>) is item perm_e[j mod n] of epoch
    /// e = j div n, perm_e a permutation of the <paramref name="count"/> items drawn from (seed, <paramref name="stream"/>, e).
    /// Every item once per epoch; the order depends on (seed, step) only.
    /// </summary>
    public static int[] Items(long seed, long stream, long step, int batch, int count)
    {
        if (count < 1) throw new ArgumentException("PMD: the training split is empty");
        var result = new int[batch];
        int[]? perm = null;
        long permEpoch = -1;
        for (int b = 0; b < batch; b++)
        {
            long j = step * batch + b, epoch = j / count;
            if (epoch != permEpoch)
            {
                perm = Permutation(SampleRandom.For(seed, stream, epoch), count);
                permEpoch = epoch;
            }
            result[b] = perm![j % count];
        }
        return result;
    }

    static int[] Permutation(SampleRandom rng, int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int k = rng.NextInt(0, i + 1);
            (p[i], p[k]) = (p[k], p[i]);
        }
        return p;
    }

    /// <summary>Runs <paramref name="step"/>, noting when it started: a step's time is the interval from its start to the
    /// next step's start (forward, backward, optimiser and logging; an evaluation or a checkpoint in between shows as an
    /// outlier, which the median ignores).</summary>
    public StepOutput Timed(Func<StepOutput> step)
    {
        _stepStarts.Add(_clock.Elapsed.TotalMilliseconds);
        return step();
    }

    /// <summary>Mean and median milliseconds per step over this session's consecutive steps (nulls with fewer than 2).</summary>
    public (double? Mean, double? Median) StepTimes()
    {
        if (_stepStarts.Count < 2) return (null, null);
        var intervals = _stepStarts.Zip(_stepStarts.Skip(1), (a, b) => b - a).ToArray();
        var sorted = intervals.Order().ToArray();
        return (Math.Round(intervals.Average(), 1), Math.Round(sorted[sorted.Length / 2], 1));
    }

    public void Dispose()
    {
        Cache.Dispose();
        Backbone.Dispose();
    }
}
