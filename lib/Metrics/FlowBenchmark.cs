using DistillKit.Data.Flow;
using DistillKit.Geometry;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Metrics;

/// <summary>The errors of one pair (a batch of one: <see cref="FlowErrorMetrics.Images"/> = 1).</summary>
public sealed record FlowPairError(string Id, FlowErrorMetrics Metrics);

/// <summary>
/// A model's errors on a real dataset, each averaged per image then over images (MDFlow, ARFlow). EPE in pixels of the
/// original frames; Fl as a fraction in [0,1]. A mean leaves out the pairs where the value is undefined (NaN): EpeNoc,
/// EpeOcc and FlNoc are NaN for pairs without an occlusion split (FlyingChairs) and EpeOcc for pairs with no occluded
/// valid pixel; a mean is NaN when no pair defines it.
/// </summary>
/// <param name="Dataset">The index's name (<see cref="FlowDatasetIndex.Name"/>), or "pairs" for a plain list.</param>
/// <param name="EpeAll">Mean over pairs of the EPE over valid pixels.</param>
/// <param name="EpeNoc">Mean over pairs of the EPE over valid, non-occluded pixels.</param>
/// <param name="EpeOcc">Mean over pairs of the EPE over valid, occluded pixels.</param>
/// <param name="FlAll">Mean over pairs of the Fl outlier fraction (EPE &gt; 3 px and &gt; 5% of ‖w_gt‖) over valid pixels.</param>
/// <param name="FlNoc">Mean over pairs of the Fl outlier fraction over valid, non-occluded pixels.</param>
/// <param name="Pairs">Number of pairs evaluated.</param>
/// <param name="ResizeHeight">Network input height, or null when the pairs were fed at their own size.</param>
/// <param name="ResizeWidth">Network input width, or null.</param>
/// <param name="PerPair">Every pair's errors, in order.</param>
public sealed record FlowBenchmarkResult(string Dataset, double EpeAll, double EpeNoc, double EpeOcc, double FlAll, double FlNoc, int Pairs,
    int? ResizeHeight, int? ResizeWidth, IReadOnlyList<FlowPairError> PerPair);

/// <summary>
/// The evaluation protocol on real pairs (MDFlow's): per pair, load it; when a size is given, resize both frames
/// bilinearly (<c>align_corners = true</c>) to it, predict forward flow, and resize the flow back to the frame size with
/// u × W/W', v × H/H' (<see cref="FlowResize"/>); compare with the ground truth under the valid mask, split by the
/// occlusion mask (Sintel: <c>occlusions/</c>; KITTI: occluded = not in <c>flow_noc</c>'s valid mask); metrics per image
/// (<see cref="FlowErrors"/>), then the mean over images. No gradients.
/// </summary>
public static class FlowBenchmark
{
    /// <summary>Network input sizes (H, W) for Sintel (1024×436 frames) and KITTI (about 1242×375) as issue 5 gives
    /// MDFlow's protocol; not checked against MDFlow's code here.</summary>
    public static readonly (int Height, int Width) SintelSize = (448, 1024), KittiSize = (384, 1280);

    /// <summary>How often progress is written: every this many pairs (and after the last).</summary>
    public const int ProgressEvery = 10;

    /// <summary>
    /// Evaluates a flow model (put in eval mode). With a size (a multiple of <see cref="IFlowModel.SizeMultiple"/>) the
    /// frames are resized to it; without, each pair is replicate-padded to the next multiple and the flow cropped back
    /// (<see cref="FitMode.Pad"/>). See <see cref="Evaluate(Func{Tensor,Tensor,Tensor},IReadOnlyList{FlowPair},Func{FlowPair,FlowPairTensors}?,int?,int?,IProgress{int}?,TextWriter?)"/>.
    /// </summary>
    public static FlowBenchmarkResult Evaluate(IFlowModel model, IReadOnlyList<FlowPair> pairs, Func<FlowPair, FlowPairTensors>? load = null,
        int? resizeHeight = null, int? resizeWidth = null, IProgress<int>? progress = null, TextWriter? log = null)
    {
        int m = model.SizeMultiple;
        if (resizeHeight is int rh && rh % m != 0 || resizeWidth is int rw && rw % m != 0)
            throw new ArgumentException($"FlowBenchmark: the network input size {resizeHeight}x{resizeWidth} must be a multiple of {m}");
        model.SetEval();
        return Evaluate((a, b) => FlowInference.PredictForward(model, a, b), pairs, load, resizeHeight, resizeWidth, progress, log);
    }

    /// <summary>
    /// Evaluates any forward-flow predictor: <paramref name="predictFlow"/>(image1, image2) takes frames [1,3,H',W'] RGB in
    /// [0,1] and returns forward flow [1,2,H',W'] in pixels of those frames. H'×W' is
    /// <paramref name="resizeHeight"/>×<paramref name="resizeWidth"/> when given (both or neither), else the pair's own size.
    /// <paramref name="load"/> reads a pair (default <see cref="FlowPairLoader.Load"/>); every pair needs ground-truth flow.
    /// <paramref name="progress"/> receives the number of pairs done after each pair; a line goes to
    /// <paramref name="log"/> (default standard error) every <see cref="ProgressEvery"/> pairs and after the last.
    /// </summary>
    public static FlowBenchmarkResult Evaluate(Func<Tensor, Tensor, Tensor> predictFlow, IReadOnlyList<FlowPair> pairs,
        Func<FlowPair, FlowPairTensors>? load = null, int? resizeHeight = null, int? resizeWidth = null, IProgress<int>? progress = null,
        TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(predictFlow);
        ArgumentNullException.ThrowIfNull(pairs);
        if (resizeHeight.HasValue != resizeWidth.HasValue)
            throw new ArgumentException("FlowBenchmark: give both resizeHeight and resizeWidth, or neither");
        if (resizeHeight <= 0 || resizeWidth <= 0)
            throw new ArgumentException($"FlowBenchmark: bad network input size {resizeHeight}x{resizeWidth}");
        if (pairs.Count == 0) throw new ArgumentException("FlowBenchmark: no pairs to evaluate");
        load ??= FlowPairLoader.Load;
        log ??= Console.Error;
        string dataset = pairs is FlowDatasetIndex index ? index.Name : "pairs";
        var perPair = new List<FlowPairError>(pairs.Count);
        for (int k = 0; k < pairs.Count; k++)
        {
            perPair.Add(new FlowPairError(pairs[k].Id, EvaluatePair(predictFlow, pairs[k], load, resizeHeight, resizeWidth)));
            progress?.Report(k + 1);
            if ((k + 1) % ProgressEvery == 0 || k + 1 == pairs.Count)
                log.WriteLine($"FlowBenchmark {dataset}: {k + 1}/{pairs.Count} pairs, EPE so far {Mean(perPair, e => e.EpeAll):F3}");
        }
        return new FlowBenchmarkResult(dataset, Mean(perPair, e => e.EpeAll), Mean(perPair, e => e.EpeNoc), Mean(perPair, e => e.EpeOcc),
            Mean(perPair, e => e.FlAll), Mean(perPair, e => e.FlNoc), perPair.Count, resizeHeight, resizeWidth, perPair);
    }

    static FlowErrorMetrics EvaluatePair(Func<Tensor, Tensor, Tensor> predictFlow, FlowPair pair, Func<FlowPair, FlowPairTensors> load,
        int? resizeHeight, int? resizeWidth)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var t = load(pair);
        if (t.Flow is null || t.Valid is null)
            throw new ArgumentException($"FlowBenchmark: pair {pair.Id} has no ground-truth flow (a test or multiview set cannot be evaluated)");
        long h = t.Height, w = t.Width;
        var image1 = t.Image1.unsqueeze(0);
        var image2 = t.Image2.unsqueeze(0);
        long ih = resizeHeight ?? h, iw = resizeWidth ?? w;
        if (ih != h || iw != w)
        {
            image1 = interpolate(image1, [ih, iw], mode: InterpolationMode.Bilinear, align_corners: true);
            image2 = interpolate(image2, [ih, iw], mode: InterpolationMode.Bilinear, align_corners: true);
        }
        var flow = predictFlow(image1, image2);
        if (!flow.shape.SequenceEqual(new[] { 1L, 2, ih, iw }))
            throw new InvalidOperationException($"FlowBenchmark: the predictor returned [{string.Join(",", flow.shape)}] for pair {pair.Id}, expected [1,2,{ih},{iw}]");
        if (ih != h || iw != w) flow = FlowResize.Resize(flow, h, w);
        // occlusion split: Sintel gives occ directly; KITTI's occluded pixels are the valid ones missing from flow_noc
        var occ = t.Occ ?? (t.Noc is null ? null : 1 - t.Noc);
        return FlowErrors.Evaluate(flow, t.Flow.unsqueeze(0), t.Valid.unsqueeze(0), occ?.unsqueeze(0));
    }

    static double Mean(List<FlowPairError> errors, Func<FlowErrorMetrics, double> get)
    {
        var defined = errors.Select(e => get(e.Metrics)).Where(v => !double.IsNaN(v)).ToList();
        return defined.Count > 0 ? defined.Average() : double.NaN;
    }
}
