using DistillKit.Data.Flow;
using DistillKit.Geometry;
using DistillKit.Imaging;
using DistillKit.Losses;
using DistillKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Metrics;

/// <summary>
/// How well a flow explains real frames without ground truth, averaged over pairs (per pair, then the mean):
/// <see cref="Census"/> = DDFlow's census loss between frame 1 and frame 2 warped by the forward flow over the pixels
/// whose target lies inside frame 2 (<see cref="CensusLoss"/>; lower is better); <see cref="Photometric"/> = mean
/// |I₁ − warp(I₂, w)| over the same pixels and the three channels, in 8-bit grey levels (lower is better);
/// <see cref="Consistent"/> = fraction of pixels passing the forward-backward check (<see cref="ForwardBackward.Occlusion"/>,
/// α₁ 0.01, α₂ 0.5). Zero flow is trivially consistent (100%): the rate only means something beside the other two.
/// <see cref="MedianLength"/> = median forward flow length |w| over the pixels, in pixels: near 0 on a still scene.
/// <para>
/// Both error measures charge a flow for the bilinear resampling of frame 2 itself, not only for misalignment: on
/// fine-textured real frames a sub-pixel flow blurs the warped frame. Measured on the 8 held-out pairs of opencv-doc's
/// static-camera <c>vtest</c> (320×240): zero flow census 0.41 / photometric 1.68 grey levels; a uniform 0.1 px flow
/// 0.75 / 2.16; frame 2 warped by +0.5 px and back by −0.5 px (no net shift, only the resampling) 1.02 / 3.60. So a
/// model whose flow drifts by a tenth of a pixel on still pixels loses to zero flow there, and <see cref="MedianLength"/>
/// shows it.
/// </para>
/// </summary>
public sealed record UnsupervisedFlowMetrics(double Census, double Photometric, double Consistent, double MedianLength, int Pairs);

/// <summary>Evaluation of flow models on real footage (no ground truth): <see cref="UnsupervisedFlowMetrics"/>.</summary>
public static class FootageEvaluation
{
    /// <summary>
    /// The metrics of <paramref name="model"/> (null = zero flow) on <paramref name="pairs"/> (frames at their own size;
    /// networks pad to their multiple, <see cref="FlowInference.Predict"/>). <paramref name="progress"/> gets the number
    /// of pairs done.
    /// </summary>
    public static UnsupervisedFlowMetrics Of(IFlowModel? model, IReadOnlyList<FlowPair> pairs, IProgress<int>? progress = null)
    {
        if (pairs.Count == 0) throw new ArgumentException("FootageEvaluation: no pairs to evaluate");
        double census = 0, photometric = 0, consistent = 0, median = 0;
        for (int k = 0; k < pairs.Count; k++)
        {
            using var scope = torch.NewDisposeScope();
            var i1 = ImageIO.ReadTensor(pairs[k].Image1Path).unsqueeze(0);
            var i2 = ImageIO.ReadTensor(pairs[k].Image2Path).unsqueeze(0);
            if (!i1.shape.SequenceEqual(i2.shape))
                throw new InvalidDataException($"{pairs[k].Image2Path}: {i2.size(3)}×{i2.size(2)}, but {pairs[k].Image1Path} is {i1.size(3)}×{i1.size(2)}");
            var (fw, bw) = model is null
                ? (torch.zeros(1, 2, i1.size(2), i1.size(3)), torch.zeros(1, 2, i1.size(2), i1.size(3)))
                : FlowInference.Predict(model, i1, i2);
            var m = OfFlows(i1, i2, fw, bw);
            census += m.Census;
            photometric += m.Photometric;
            consistent += m.Consistent;
            median += m.MedianLength;
            progress?.Report(k + 1);
        }
        int n = pairs.Count;
        return new UnsupervisedFlowMetrics(census / n, photometric / n, consistent / n, median / n, n);
    }

    /// <summary>
    /// The metrics of <paramref name="model"/> (null = zero flow) per clip (the part of a pair's id before its '/', as
    /// <see cref="DistillKit.Data.Video.Footage"/> names them: <c>CLIP/AAAAAA-BBBBBB</c>), clips in order of first
    /// appearance, and over all pairs (per pair, then the mean: the pair-weighted mean of the clips' figures). One clip
    /// with a static camera and fine texture can decide the overall figure; the breakdown shows it.
    /// </summary>
    public static (UnsupervisedFlowMetrics All, IReadOnlyList<(string Clip, UnsupervisedFlowMetrics Metrics)> Clips) ByClip(
        IFlowModel? model, IReadOnlyList<FlowPair> pairs)
    {
        if (pairs.Count == 0) throw new ArgumentException("FootageEvaluation: no pairs to evaluate");
        var clips = pairs.GroupBy(ClipOf).Select(g => (g.Key, Of(model, g.ToList()))).ToList();
        int n = pairs.Count;
        double Mean(Func<UnsupervisedFlowMetrics, double> f) => clips.Sum(c => f(c.Item2) * c.Item2.Pairs) / n;
        return (new UnsupervisedFlowMetrics(Mean(m => m.Census), Mean(m => m.Photometric), Mean(m => m.Consistent), Mean(m => m.MedianLength), n), clips);
    }

    /// <summary>The clip a footage pair belongs to: its id up to the first '/' (the whole id when it has none).</summary>
    public static string ClipOf(FlowPair pair) => pair.Id.IndexOf('/') is var k and > 0 ? pair.Id[..k] : pair.Id;

    /// <summary>The metrics of given flows for images [B,3,H,W] RGB in [0,1] and flows [B,2,H,W] (u, v in pixels;
    /// forward maps frame 1 to frame 2, backward frame 2 to frame 1), averaged over the batch.</summary>
    public static UnsupervisedFlowMetrics OfFlows(Tensor image1, Tensor image2, Tensor flowFw, Tensor flowBw)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (warped, inBounds) = Warping.Warp(image2, flowFw);
        double census = CensusLoss.Compute(image1, warped, inBounds).ToDouble();
        var diff = (image1 - warped).abs().mean([1], keepdim: true) * inBounds;
        double photometric = (diff.sum() / inBounds.sum().clamp_min(1)).ToDouble() * 255;
        var (occFw, _) = ForwardBackward.Occlusion(flowFw, flowBw);
        double consistent = 1 - occFw.mean().ToDouble();
        var lengths = flowFw.norm(1).flatten(1).sort(1).Values;   // [B, H·W] ascending
        double median = lengths[.., (lengths.size(1) - 1) / 2].mean().ToDouble();
        return new UnsupervisedFlowMetrics(census, photometric, consistent, median, (int)image1.size(0));
    }
}
