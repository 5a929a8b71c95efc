using System.Collections.Concurrent;
using DistillKit.Data.Semantic;
using DistillKit.Data.Semantic.Synthetic;
using DistillKit.Data.Synthetic;
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
        return Rendered($"synthetic-{split.ToString().ToLowerInvariant()}", config.PairCount(synthetic), inputSize, i =>
        {
            var a = generator.GenerateArrays(i, synthetic);
            return new RenderedPair(a.Image1, a.Image2, a.Height, a.Width, a.Keypoints1, a.Keypoints2);
        });
    }

    /// <summary>A pair rendered in managed memory: two [3,H,W] planar images of one size and keypoints (x, y) interleaved,
    /// in pixels of that size, row i of the first matching row i of the second.</summary>
    readonly record struct RenderedPair(float[] Image1, float[] Image2, int Height, int Width, float[] Keypoints1, float[] Keypoints2);

    /// <summary>Pairs rendered once each (kept in managed memory; several at a time ahead of a batch), PCK α_img.</summary>
    static PmdPairs Rendered(string name, int count, int inputSize, Func<int, RenderedPair> render)
    {
        var rendered = new ConcurrentDictionary<int, RenderedPair>();
        RenderedPair Get(int i) => rendered.GetOrAdd(i, render);
        (Tensor, Tensor) Images(int i)
        {
            var a = Get(i);
            using var s = torch.tensor(a.Image1, [3, a.Height, a.Width]);
            using var t = torch.tensor(a.Image2, [3, a.Height, a.Width]);
            return (Resize(s, inputSize), Resize(t, inputSize));
        }
        PmdKeypointPair Keypoints(int i)
        {
            var a = Get(i);
            var (h, w) = (a.Height, a.Width);
            return new PmdKeypointPair(Points(a.Keypoints1), Points(a.Keypoints2), w, h, w, h,
                predicted =>
                {
                    using var truth = Points(a.Keypoints2);
                    return Pck.ImageThreshold(predicted, truth, h, w, Pck.StandardAlphas);
                });
        }
        var pairs = new PmdPairs(name, count, inputSize, Images, Keypoints);
        pairs.Prerender = indices => Parallel.ForEach(indices.Where(i => !rendered.ContainsKey(i)), i => Get(i));
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

    /// <summary>The pairs of a run's data settings (<see cref="PmdData"/>); PF-PASCAL's folder and the footage from
    /// <paramref name="roots"/>.</summary>
    public static PmdPairs Of(PmdData data, long seed, PmdSplit split, int inputSize, DataRoots roots) => data.Source switch
    {
        PmdDataSource.Synthetic => Synthetic(data.Synthetic, seed, split, inputSize),
        PmdDataSource.Footage => Footage(OpenFootage(data, roots), seed, split, inputSize, data.HeldOutWarps, data.HeldOutWarpRanges),
        _ => PfPascalSplit(roots.Resolve("PfPascal", "data-scripts/get-pfpascal.sh"), split, inputSize),
    };

    /// <summary>The three splits of a run's data settings, as <see cref="Of"/> gives them; footage is indexed once.</summary>
    public static (PmdPairs Train, PmdPairs Validation, PmdPairs Test) Splits(PmdData data, long seed, int inputSize, DataRoots roots)
    {
        if (data.Source != PmdDataSource.Footage)
            return (Of(data, seed, PmdSplit.Train, inputSize, roots), Of(data, seed, PmdSplit.Validation, inputSize, roots), Of(data, seed, PmdSplit.Test, inputSize, roots));
        var index = OpenFootage(data, roots);
        PmdPairs Split(PmdSplit s) => Footage(index, seed, s, inputSize, data.HeldOutWarps, data.HeldOutWarpRanges);
        return (Split(PmdSplit.Train), Split(PmdSplit.Validation), Split(PmdSplit.Test));
    }

    /// <summary>The Footage dataset's folder or video (<paramref name="roots"/>, default data/Footage).</summary>
    public static string FootageRoot(DataRoots roots) => roots.Resolve("Footage", "data-scripts/get-footage.sh", allowFile: true);

    static Data.Video.FootageIndex OpenFootage(PmdData data, DataRoots roots) => Data.Video.Footage.Open([FootageRoot(roots)], data.Footage);

    /// <summary>Seed offset of the held-out warps (never the seed of a training draw).</summary>
    public const long HeldOutWarpSeedOffset = 7_000_003;

    /// <summary>Side of the keypoint grid placed on a held-out warped frame (before dropping points that leave the frame).</summary>
    public const int HeldOutGridSide = 6;

    /// <summary>
    /// Real footage as PMD pairs. <see cref="PmdSplit.Train"/>: the index's training pairs (frames far apart, whatever gaps
    /// its options set), unlabelled (their <see cref="Keypoints"/> throw). <see cref="PmdSplit.Validation"/> and
    /// <see cref="PmdSplit.Test"/>: the distinct first frames of the held-out pairs, alternately (even positions
    /// validation, odd test); pair i is frame F warped by a warp drawn from (seed + <see cref="HeldOutWarpSeedOffset"/>,
    /// split, i) as the source image and F itself as the target: a source pixel p shows F at T(p)
    /// (<see cref="SyntheticWarpPairs"/>), so the keypoints are a <see cref="HeldOutGridSide"/>² grid p over the source
    /// (pixel centres at integers) and T(p) in F, points with T(p) outside F dropped (a warp that keeps fewer than 4 is
    /// redrawn). PCK α_img with the target's size (<see cref="Pck.ImageThreshold"/>).
    /// </summary>
    public static PmdPairs Footage(Data.Video.FootageIndex footage, long seed, PmdSplit split, int inputSize,
        IReadOnlyList<WarpKind> heldOutWarps, SyntheticWarpRanges heldOutRanges)
    {
        if (split == PmdSplit.Train)
        {
            var train = footage.Train;
            if (train.Count == 0)
                throw new InvalidDataException($"PMD footage: no training pairs in {string.Join(", ", footage.Sequences.Select(q => q.Source))} (clips shorter than the frame gaps?)");
            (Tensor, Tensor) TrainImages(int i)
            {
                using var a = Imaging.ImageIO.ReadTensor(train[i].Image1Path);
                using var b = Imaging.ImageIO.ReadTensor(train[i].Image2Path);
                return (Resize(a, inputSize), Resize(b, inputSize));
            }
            PmdKeypointPair NoKeypoints(int i) => throw new InvalidOperationException(
                $"PMD footage: training pair {train[i].Id} has no keypoints (footage is unlabelled; validation and test use warped held-out frames)");
            return new PmdPairs("footage-train", train.Count, inputSize, TrainImages, NoKeypoints);
        }
        if (heldOutWarps.Count == 0) throw new ArgumentException("PMD footage: Data.HeldOutWarps is empty");
        heldOutRanges.Validate();
        var frames = footage.HeldOut.Select(p => p.Image1Path).Distinct()
            .Where((_, k) => k % 2 == (split == PmdSplit.Validation ? 0 : 1)).ToList();
        if (frames.Count == 0)
            throw new InvalidDataException($"PMD footage: no held-out frames for the {split} split (Footage.HeldOutFraction too small?)");
        long stream = split == PmdSplit.Validation ? 1 : 2;
        return Rendered($"footage-{split.ToString().ToLowerInvariant()}", frames.Count, inputSize, k =>
        {
            using var scope = torch.NewDisposeScope();
            var frame = Imaging.ImageIO.ReadTensor(frames[k]).to_type(ScalarType.Float32);
            int h = (int)frame.size(1), w = (int)frame.size(2);
            for (long attempt = 0; ; attempt++)
            {
                var rng = SampleRandom.For(seed + HeldOutWarpSeedOffset, stream * 1_000_000 + attempt, k);
                var warp = SyntheticWarp.Draw(heldOutWarps[rng.NextInt(0, heldOutWarps.Count)], heldOutRanges, rng);
                var kp1 = new List<float>();
                var kp2 = new List<float>();
                for (int gy = 0; gy < HeldOutGridSide; gy++)
                    for (int gx = 0; gx < HeldOutGridSide; gx++)
                    {
                        double x = (gx + 0.5) * (w - 1) / HeldOutGridSide, y = (gy + 0.5) * (h - 1) / HeldOutGridSide;
                        var (tx, ty) = warp.MapPixels(x, y, h, w);
                        if (tx < 0 || ty < 0 || tx > w - 1 || ty > h - 1) continue;
                        kp1.AddRange([(float)x, (float)y]);
                        kp2.AddRange([(float)tx, (float)ty]);
                    }
                if (kp1.Count < 8 && attempt < 20) continue;
                if (kp1.Count < 8) throw new InvalidDataException($"PMD footage: 20 warps of {frames[k]} kept fewer than 4 keypoints inside the frame (Data.HeldOutWarpRanges too large?)");
                using var pair = SyntheticWarpPairs.Apply(frame, warp);
                return new RenderedPair(pair.Target.contiguous().data<float>().ToArray(), frame.contiguous().data<float>().ToArray(), h, w, kp1.ToArray(), kp2.ToArray());
            }
        });
    }

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
