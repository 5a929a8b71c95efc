using DistillKit.Data.Synthetic;
using DistillKit.Metrics;
using DistillKit.Models.Backbones;
using DistillKit.Models.Pmd;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>A matcher as an evaluation sees it: source and target features of a batch and its pair indices → the
/// normalised source → target flow [B,2,h,w] (<see cref="CellGrid"/>), no gradient.</summary>
public delegate Tensor PmdFlowFunction(ResNetFeatures source, ResNetFeatures target, IReadOnlyList<int> indices);

/// <summary>
/// The held-out evaluation of a PMD run, written to its run record: PCK (<see cref="Pck.StandardAlphas"/>, each pair's
/// fraction of correct keypoints averaged over pairs; the benchmark's threshold, see <see cref="PmdPairs"/>) of each
/// row on <see cref="Pairs"/> pairs of <see cref="Split"/>, a split disjoint from training; the validation PCK after each
/// epoch and the step whose weights were kept; the training's speed.
/// </summary>
public sealed record PmdEvaluation
{
    public required string Split { get; init; }
    public required int Pairs { get; init; }

    /// <summary>Row name (<see cref="PmdEvaluations.Student"/>, <see cref="PmdEvaluations.TeacherMean"/>, …) → PCK.</summary>
    public required IReadOnlyDictionary<string, PckMetrics> Pck { get; init; }

    /// <summary>Validation PCK at the selection α after each evaluation (step → value), this run's history.</summary>
    public IReadOnlyDictionary<long, double> Validation { get; init; } = new Dictionary<long, double>();

    /// <summary>The step whose weights the output holds (model selection on validation), null = the last.</summary>
    public long? SelectedStep { get; init; }

    /// <summary>Mean and median wall-clock milliseconds of this session's training steps (null when none ran).</summary>
    public double? MeanStepMs { get; init; }
    public double? MedianStepMs { get; init; }

    /// <summary>Backbone feature cache: images served from it and images computed, over the session.</summary>
    public long CacheHits { get; init; }
    public long CacheMisses { get; init; }

    /// <summary>Improving validations, i.e. PSR variance updates (student).</summary>
    public int PsrUpdates { get; init; }

    /// <summary>The table as text: one line per row, PCK in percent.</summary>
    public override string ToString() =>
        $"PCK on {Pairs} {Split} pairs (α {string.Join(" / ", Metrics.Pck.StandardAlphas)}):" + Environment.NewLine +
        string.Join(Environment.NewLine, Pck.Select(kv => $"  {kv.Key,-30} {string.Join("  ", kv.Value.Values.Select(v => $"{100 * v,5:F1}"))}"));
}

/// <summary>PCK of matchers on PMD pairs, and the row names a run record uses.</summary>
public static class PmdEvaluations
{
    public const string Student = "student", TeacherMean = "teacher (mean of hypotheses)", TeacherMeanMode = "teacher (mean mode)",
        Identity = "identity (zero flow)";

    /// <summary>Stream key of the teacher's evaluation noise (per pair: (seed, stream, split, index)).</summary>
    public const long EvalNoiseStream = 71;

    /// <summary>
    /// PCK of each matcher on the first <paramref name="count"/> pairs (0 = all): features from <paramref name="cache"/>,
    /// <paramref name="batch"/> pairs per pass, each flow carrying the source keypoints to the target
    /// (<see cref="CellGrid.TransferKeypoints"/>, original-image pixels both sides), scored by the pair's benchmark PCK.
    /// </summary>
    public static IReadOnlyDictionary<string, PckMetrics> Of(PmdPairs pairs, int count, PmdFeatureCache cache, int batch,
        IReadOnlyDictionary<string, PmdFlowFunction> matchers)
    {
        int n = count <= 0 ? pairs.Count : Math.Min(count, pairs.Count);
        var perPair = matchers.Keys.ToDictionary(k => k, _ => new List<double[]>());
        using var noGrad = torch.no_grad();
        for (int start = 0; start < n; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            var indices = Enumerable.Range(start, Math.Min(batch, n - start)).ToArray();
            using var fs = PmdImages.Features(cache, pairs, indices, target: false);
            using var ft = PmdImages.Features(cache, pairs, indices, target: true);
            var flows = matchers.ToDictionary(kv => kv.Key, kv => kv.Value(fs, ft, indices));
            for (int b = 0; b < indices.Length; b++)
            {
                using var kp = pairs.Keypoints(indices[b]);
                foreach (var (name, flow) in flows)
                {
                    using var predicted = CellGrid.TransferKeypoints(flow[b], kp.Source, kp.SourceWidth, kp.SourceHeight, kp.TargetWidth, kp.TargetHeight);
                    perPair[name].Add(kp.Pck(predicted));
                }
            }
        }
        return perPair.ToDictionary(kv => kv.Key, kv => Pck.Mean(kv.Value, Pck.StandardAlphas, PckThreshold.Image));
    }

    /// <summary>The zero flow: every keypoint stays at its normalised position.</summary>
    public static PmdFlowFunction IdentityFlow => (s, _, _) =>
        torch.zeros(s.Layer3.size(0), 2, s.Layer3.size(2), s.Layer3.size(3), s.Layer3.dtype, s.Layer3.device);

    /// <summary>A matcher's source → target flow (a student, or a teacher's mean mode).</summary>
    public static PmdFlowFunction MatcherFlow(ISemanticMatcher matcher) => (s, t, _) =>
    {
        using var m = matcher.Match(s, t);
        return m.Flow.alias();
    };

    /// <summary>The mean of the teacher's K hypotheses, the noise of pair i drawn from (seed, <see cref="EvalNoiseStream"/>, <paramref name="split"/>, i).</summary>
    public static PmdFlowFunction TeacherMeanFlow(PmdTeacher teacher, long seed, PmdSplit split) => (s, t, indices) =>
    {
        using var noise = PmdNoise.For(teacher.Config, seed, indices.Select(i => new[] { EvalNoiseStream, (long)split, i }).ToArray());
        using var h = teacher.Hypotheses(s, t, noise.to(s.Layer4.device));
        return h.MeanFlow();
    };
}

/// <summary>Cached backbone features of pairs' images.</summary>
public static class PmdImages
{
    /// <summary>Features of the sources (or targets) of pairs <paramref name="indices"/>, through <paramref name="cache"/>.</summary>
    public static ResNetFeatures Features(PmdFeatureCache cache, PmdPairs pairs, IReadOnlyList<int> indices, bool target) =>
        cache.Features(pairs.Keys(indices, target), missing =>
        {
            var chosen = missing.Select(k => indices[k]).ToArray();
            var (s, t) = pairs.Images(chosen);
            (target ? s : t).Dispose();
            return target ? t : s;
        });
}

/// <summary>Seeded noise of the teacher's stochastic attention, per pair.</summary>
public static class PmdNoise
{
    /// <summary>ε ~ N(0, 1) as [K,B,2,C] (<see cref="PmdTeacher.Hypotheses(ResNetFeatures, ResNetFeatures, Tensor)"/>): column b
    /// drawn from a generator seeded by (seed, keys[b]) only, so a pair's noise does not depend on its batch.</summary>
    public static Tensor For(PmdConfig config, long seed, IReadOnlyList<long[]> keys)
    {
        using var scope = torch.NewDisposeScope();
        var columns = keys.Select(k =>
        {
            using var g = new Generator(SampleRandom.DeriveSeed(seed, k));
            return torch.randn([config.Hypotheses, 1, 2, config.Layer4Channels], generator: g);
        }).ToArray();
        return torch.cat(columns, 1).MoveToOuterDisposeScope();
    }
}
