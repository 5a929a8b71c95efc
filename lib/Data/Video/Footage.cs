using DistillKit.Data.Flow;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Video;

/// <summary>
/// How real footage becomes unsupervised training pairs (<see cref="Footage.Open"/>). Immutable.
/// </summary>
public sealed record FootageOptions
{
    /// <summary>Frames are scaled to this height in pixels (0 = the source size); width keeps the aspect ratio.</summary>
    public int Height { get; init; } = 240;

    /// <summary>Frame gaps of the pairs: gap g pairs frame k with frame k + g (1 = consecutive frames). Every gap
    /// gives its own pairs, so [1, 2] doubles the pairs and widens the motions.</summary>
    public int[] FrameGaps { get; init; } = [1];

    /// <summary>A pair starts every this many frames (1 = every frame).</summary>
    public int PairEvery { get; init; } = 1;

    /// <summary>The last fraction of every sequence's frames is held out for evaluation; no pair crosses the boundary.</summary>
    public double HeldOutFraction { get; init; } = 0.15;

    /// <summary>A pair whose colour histograms differ by more than this (half the L1 distance of 3×16-bin histograms,
    /// in [0, 1]) straddles a scene cut and is dropped. Motion barely moves a histogram; a cut replaces it.</summary>
    public double CutThreshold { get; init; } = 0.35;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Height < 0) throw new ArgumentException($"Footage.Height {Height}: expected ≥ 0 (0 = source size)");
        if (FrameGaps.Length == 0 || FrameGaps.Any(g => g < 1)) throw new ArgumentException($"Footage.FrameGaps [{string.Join(", ", FrameGaps)}]: expected gaps ≥ 1");
        if (PairEvery < 1) throw new ArgumentException($"Footage.PairEvery {PairEvery}: expected ≥ 1");
        if (HeldOutFraction is < 0 or >= 1) throw new ArgumentException($"Footage.HeldOutFraction {HeldOutFraction}: expected a fraction in [0, 1)");
        if (CutThreshold is <= 0 or > 1) throw new ArgumentException($"Footage.CutThreshold {CutThreshold}: expected a value in (0, 1]");
    }
}

/// <summary>
/// Training and held-out pairs of real footage. Pairs are <see cref="FlowPair"/>s without ground truth (FlowPath null),
/// id <c>NAME/FFFFFF-GGGGGG</c> (sequence, first and second frame numbers).
/// </summary>
/// <param name="Sequences">The clips the pairs come from.</param>
/// <param name="Train">Pairs inside the first 1 − HeldOutFraction of every clip.</param>
/// <param name="HeldOut">Pairs inside the last HeldOutFraction of every clip (frame gap 1 only).</param>
/// <param name="DroppedAtCuts">Ids of the pairs dropped by the scene-cut check.</param>
public sealed record FootageIndex(IReadOnlyList<FrameSequence> Sequences, IReadOnlyList<FlowPair> Train, IReadOnlyList<FlowPair> HeldOut,
    IReadOnlyList<string> DroppedAtCuts)
{
    public override string ToString() =>
        $"{Sequences.Count} clip(s), {Train.Count} training pairs, {HeldOut.Count} held-out pairs, {DroppedAtCuts.Count} dropped at scene cuts";
}

/// <summary>Consecutive-frame pairs from videos and frame folders (<see cref="VideoFrames"/>).</summary>
public static class Footage
{
    /// <summary>
    /// Opens every source (a video, a frame folder, or a folder of them), splits each clip in time into training frames
    /// and held-out frames (<see cref="FootageOptions.HeldOutFraction"/>), forms the pairs of every frame gap, and drops
    /// pairs that straddle a scene cut. Errors name the source (see <see cref="VideoFrames.Open"/>).
    /// </summary>
    public static FootageIndex Open(IEnumerable<string> sources, FootageOptions? options = null, TextWriter? log = null, string? cacheRoot = null)
    {
        var o = options ?? new FootageOptions();
        o.Validate();
        var sequences = sources.SelectMany(s => VideoFrames.Open(s, o.Height, log, cacheRoot)).ToList();
        if (sequences.Count == 0) throw new ArgumentException("Footage.Open: no sources given (a video file or a folder of frames or videos)");
        var train = new List<FlowPair>();
        var heldOut = new List<FlowPair>();
        var dropped = new List<string>();
        foreach (var seq in sequences)
        {
            int n = seq.Frames.Count;
            int firstHeld = o.HeldOutFraction == 0 ? n : Math.Clamp((int)Math.Round(n * (1 - o.HeldOutFraction)), 1, n - 1);
            var histograms = new Dictionary<int, float[]>();
            float[] Hist(int k) => histograms.TryGetValue(k, out var h) ? h : histograms[k] = ColourHistogram(seq.Frames[k]);
            void Add(List<FlowPair> into, int a, int b)
            {
                var id = $"{seq.Name}/{a:D6}-{b:D6}";
                if (HistogramDistance(Hist(a), Hist(b)) > o.CutThreshold) dropped.Add(id);
                else into.Add(new FlowPair(id, seq.Frames[a], seq.Frames[b], null, null, null));
            }
            foreach (var gap in o.FrameGaps)
                for (int a = 0; a + gap < firstHeld; a += o.PairEvery) Add(train, a, a + gap);
            for (int a = firstHeld; a + 1 < n; a += o.PairEvery) Add(heldOut, a, a + 1);
        }
        return new FootageIndex(sequences, train, heldOut, dropped);
    }

    /// <summary>Per-channel 16-bin histograms of an image file's RGB values, each normalised to sum 1 (48 values).</summary>
    public static float[] ColourHistogram(string frame)
    {
        using var scope = torch.NewDisposeScope();
        var image = ImageIO.ReadTensor(frame);
        var result = new List<float>(48);
        for (int c = 0; c < 3; c++)
        {
            var h = torch.histc(image[c].flatten(), 16, 0, 1);
            result.AddRange((h / h.sum()).data<float>().ToArray());
        }
        return result.ToArray();
    }

    /// <summary>Half the L1 distance between two colour histograms, averaged over the channels: 0 = identical, 1 = disjoint.</summary>
    public static double HistogramDistance(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"histograms of {a.Length} and {b.Length} bins");
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / 2 / (a.Length / 16.0);
    }
}
