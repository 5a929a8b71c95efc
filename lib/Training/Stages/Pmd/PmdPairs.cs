using System.Collections.Concurrent;
using DistillKit.Data.Semantic;
using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Metrics;
using DistillKit.Training.Recipes;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;
using SyntheticSplit = DistillKit.Data.Semantic.Synthetic.SemanticSplit;
using DatasetSplit = DistillKit.Data.Semantic.SemanticSplit;

namespace DistillKit.Training.Stages.Pmd;

/// <summary>The three roles a PMD run gives the splits of its data: training, model selection, held-out test.</summary>
public enum PmdSplit
{
    Train,
    Validation,
    Test,
}

/// <summary>
/// One split of semantic pairs as a PMD run reads them: images resized to the network's square input
/// (<see cref="InputSize"/>², bilinear, <c>align_corners = false</c>, so a normalised position means the same point before
/// and after the resize; see <see cref="Models.Pmd.CellGrid"/>), keypoints [N,2] (x, y) in pixels of the original images,
/// and the benchmark's PCK of a prediction. Pair i of the synthetic source is pair i of
/// <see cref="SyntheticSemanticGenerator"/>'s split (rendered once, kept in managed memory); PF-PASCAL pairs are read
/// from disk each time (<see cref="PfPascal"/>, <see cref="SemanticPairLoader"/>). Thread-compatible, not thread-safe.
/// </summary>
public sealed class PmdPairs
{
    readonly Func<int, (Tensor source, Tensor target)> _images;
    readonly Func<int, PmdKeypointPair> _keypoints;

    PmdPairs(string name, int count, int inputSize, Func<int, (Tensor, Tensor)> images, Func<int, PmdKeypointPair> keypoints)
    {
        Name = name;
        Count = count;
        InputSize = inputSize;
        _images = images;
        _keypoints = keypoints;
    }

    /// <summary>What the split is, e.g. <c>synthetic-test</c>; also the feature cache's key prefix.</summary>
    public string Name { get; }

    public int Count { get; }

    public int InputSize { get; }

    /// <summary>The embedded synthetic pairs of <paramref name="split"/> (<see cref="SyntheticSemanticConfig.PairCount"/> pairs).</summary>
    public static PmdPairs Synthetic(SyntheticSemanticConfig config, long seed, PmdSplit split, int inputSize)
    {
        var generator = new SyntheticSemanticGenerator(config, seed);
        var synthetic = split switch { PmdSplit.Train => SyntheticSplit.Train, PmdSplit.Validation => SyntheticSplit.Validation, _ => SyntheticSplit.Test };
        var rendered = new ConcurrentDictionary<int, SyntheticSemanticPairArrays>();
        SyntheticSemanticPairArrays Arrays(int i) => rendered.GetOrAdd(i, k => generator.GenerateArrays(k, synthetic));
        (Tensor, Tensor) Images(int i)
        {
            var a = Arrays(i);
            using var s = torch.tensor(a.Image1, [3, a.Height, a.Width]);
            using var t = torch.tensor(a.Image2, [3, a.Height, a.Width]);
            return (Resize(s, inputSize), Resize(t, inputSize));
        }
        PmdKeypointPair Keypoints(int i)
        {
            var a = Arrays(i);
            var (h, w) = (a.Height, a.Width);
            return new PmdKeypointPair(Points(a.Keypoints1), Points(a.Keypoints2), w, h, w, h,
                predicted =>
                {
                    using var truth = torch.tensor(a.Keypoints2, [a.Count, 2]);
                    return Pck.ImageThreshold(predicted, truth, h, w, Pck.StandardAlphas);
                });
        }
        var pairs = new PmdPairs($"synthetic-{split.ToString().ToLowerInvariant()}", config.PairCount(synthetic), inputSize, Images, Keypoints);
        pairs.Prerender = indices => Parallel.ForEach(indices.Where(i => !rendered.ContainsKey(i)), i => Arrays(i));
        return pairs;
    }

    /// <summary>PF-PASCAL's <paramref name="split"/> from <paramref name="root"/>; PCK α_img after the 320×320 resize
    /// (<see cref="PckProtocols.PfPascal"/>).</summary>
    public static PmdPairs PfPascalSplit(string root, PmdSplit split, int inputSize)
    {
        var index = PfPascal.Open(root, split switch { PmdSplit.Train => DatasetSplit.Train, PmdSplit.Validation => DatasetSplit.Val, _ => DatasetSplit.Test });
        (Tensor, Tensor) Images(int i)
        {
            using var loaded = SemanticPairLoader.Load(index[i]);
            return (Resize(loaded.Source, inputSize), Resize(loaded.Target, inputSize));
        }
        PmdKeypointPair Keypoints(int i)
        {
            var pair = index[i];
            using var loaded = SemanticPairLoader.Load(pair);
            int sh = (int)loaded.Source.size(1), sw = (int)loaded.Source.size(2), th = (int)loaded.Target.size(1), tw = (int)loaded.Target.size(2);
            return new PmdKeypointPair(loaded.SourceKeypoints.clone(), loaded.TargetKeypoints.clone(), sw, sh, tw, th,
                predicted => PckProtocols.PfPascal(predicted, pair, th, tw));
        }
        return new PmdPairs($"pfpascal-{split.ToString().ToLowerInvariant()}", index.Count, inputSize, Images, Keypoints);
    }

    /// <summary>The pairs of a run's data settings (<see cref="PmdData"/>); PF-PASCAL's folder from <paramref name="roots"/>.</summary>
    public static PmdPairs Of(PmdData data, long seed, PmdSplit split, int inputSize, DataRoots roots) => data.Source switch
    {
        PmdDataSource.Synthetic => Synthetic(data.Synthetic, seed, split, inputSize),
        _ => PfPascalSplit(roots.Resolve("PfPascal", "data-scripts/get-pfpascal.sh"), split, inputSize),
    };

    /// <summary>Renders the given pairs ahead, on several threads where the source can (the synthetic pairs).</summary>
    public Action<IEnumerable<int>> Prerender { get; private set; } = _ => { };

    /// <summary>Source and target images [B,3,S,S] of the pairs <paramref name="indices"/>, S = <see cref="InputSize"/>.</summary>
    public (Tensor Source, Tensor Target) Images(IReadOnlyList<int> indices)
    {
        Prerender(indices);
        using var scope = torch.NewDisposeScope();
        var images = indices.Select(_images).ToArray();
        var source = torch.stack(images.Select(p => p.source).ToArray());
        var target = torch.stack(images.Select(p => p.target).ToArray());
        scope.MoveToOuter(source, target);
        return (source, target);
    }

    /// <summary>One image [3,S,S] of pair <paramref name="index"/>: its source (<paramref name="second"/> false) or target.</summary>
    public Tensor Image(int index, bool second)
    {
        var (s, t) = _images(index);
        (second ? s : t).Dispose();
        return second ? t : s;
    }

    /// <summary>The annotations of pair <paramref name="index"/>.</summary>
    public PmdKeypointPair Keypoints(int index) => _keypoints(index);

    /// <summary>Feature-cache keys of pairs' sources (<paramref name="target"/> false) or targets.</summary>
    public IReadOnlyList<string> Keys(IEnumerable<int> indices, bool target) => indices.Select(i => $"{Name}/{i}/{(target ? "target" : "source")}").ToArray();

    /// <summary>[3,H,W] → [3,S,S], bilinear, align_corners = false; the same tensor's copy when already S×S.</summary>
    public static Tensor Resize(Tensor image, int size)
    {
        using var scope = torch.NewDisposeScope();
        var x = image.to_type(ScalarType.Float32);
        var result = x.size(1) == size && x.size(2) == size ? x.clone()
            : interpolate(x.unsqueeze(0), [size, size], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0);
        return result.MoveToOuterDisposeScope();
    }

    static Tensor Points(float[] xy) => torch.tensor(xy, [xy.Length / 2, 2]);
}

/// <summary>
/// A pair's keypoints for evaluation: Source, Target [N,2] (x, y) in pixels of the original source and target images
/// (sizes given), row i matching row i; <see cref="Pck"/> gives the benchmark's per-pair PCK (one value per
/// <see cref="Pck.StandardAlphas"/>) of predicted target positions [N,2] of the source keypoints. Owns its tensors.
/// </summary>
public sealed record PmdKeypointPair(Tensor Source, Tensor Target, int SourceWidth, int SourceHeight, int TargetWidth, int TargetHeight,
    Func<Tensor, double[]> Pck) : IDisposable
{
    public void Dispose()
    {
        Source.Dispose();
        Target.Dispose();
    }
}
