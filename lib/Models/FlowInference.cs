using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace DistillKit.Models;

/// <summary>How an image pair of arbitrary size is fitted to a network that needs multiples of 2^levels.</summary>
public enum FitMode
{
    /// <summary>Replicate-pad right and bottom to the next multiple, predict, crop the flow back (no rescaling).</summary>
    Pad,

    /// <summary>Resize to the nearest multiple, predict, resize the flow back with u×W/W', v×H/H' (MDFlow protocol).</summary>
    Resize,
}

/// <summary>Runs a flow network on images of any size.</summary>
public static class FlowInference
{
    /// <summary>
    /// Forward and backward flow [B,2,H,W] (u, v in pixels of the inputs) for images [B,3,H,W] RGB in [0,1] of any
    /// H, W (the one pad-or-resize / predict / crop helper of the kit). No gradients; puts the model in eval mode.
    /// </summary>
    public static (Tensor flowFw, Tensor flowBw) Predict(IFlowModel model, Tensor image1, Tensor image2, FitMode mode = FitMode.Pad)
    {
        var (fw, bw) = Fit(model, image1, image2, mode, (a, b) => model.ForwardBoth(a, b));
        return (fw, bw!);
    }

    /// <summary>The forward flow only [B,2,H,W] (as <see cref="Predict"/>, half the work).</summary>
    public static Tensor PredictForward(IFlowModel model, Tensor image1, Tensor image2, FitMode mode = FitMode.Pad) =>
        Fit(model, image1, image2, mode, (a, b) => (model.ForwardFlow(a, b), null)).flowFw;

    /// <summary>
    /// Forward and backward flow for training on images of any size: replicate-padded right and bottom to the model's
    /// multiple, run in the model's current mode with gradients, and cropped back (<see cref="FitMode.Pad"/>).
    /// </summary>
    public static (Tensor flowFw, Tensor flowBw) ForwardBothPadded(IFlowModel model, Tensor image1, Tensor image2)
    {
        var (fw, bw) = Fit(model, image1, image2, FitMode.Pad, (a, b) => model.ForwardBoth(a, b), inference: false);
        return (fw, bw!);
    }

    /// <summary>The forward flow for training on images of any size (as <see cref="ForwardBothPadded"/>, half the work).</summary>
    public static Tensor ForwardPadded(IFlowModel model, Tensor image1, Tensor image2) =>
        Fit(model, image1, image2, FitMode.Pad, (a, b) => (model.ForwardFlow(a, b), null), inference: false).flowFw;

    /// <summary>
    /// A sequence of forward flows (e.g. RAFT's per-iteration predictions) for training on images of any size: the pair
    /// replicate-padded right and bottom to <paramref name="multiple"/>, <paramref name="run"/> called with gradients,
    /// every flow cropped back to [B,2,H,W].
    /// </summary>
    public static IReadOnlyList<Tensor> SequencePadded(Tensor image1, Tensor image2, int multiple, Func<Tensor, Tensor, IReadOnlyList<Tensor>> run)
    {
        long h = image1.size(2), w = image1.size(3);
        long ph = (multiple - h % multiple) % multiple, pw = (multiple - w % multiple) % multiple;
        if (ph + pw == 0) return run(image1, image2);
        using var scope = torch.NewDisposeScope();
        var flows = run(pad(image1, [0, pw, 0, ph], PaddingModes.Replicate), pad(image2, [0, pw, 0, ph], PaddingModes.Replicate))
            .Select(f => f.narrow(2, 0, h).narrow(3, 0, w)).ToArray();
        scope.MoveToOuter(flows);
        return flows;
    }

    static (Tensor flowFw, Tensor? flowBw) Fit(IFlowModel model, Tensor image1, Tensor image2, FitMode mode, Func<Tensor, Tensor, (Tensor, Tensor?)> run,
        bool inference = true)
    {
        if (image1.dim() == 3) { image1 = image1.unsqueeze(0); image2 = image2.unsqueeze(0); }
        long h = image1.size(2), w = image1.size(3);
        int m = model.SizeMultiple;
        using var scope = torch.NewDisposeScope();
        using var noGrad = inference ? torch.no_grad() : null;
        if (inference) model.SetEval();
        Tensor fw;
        Tensor? bw;
        if (mode == FitMode.Pad)
        {
            long ph = (m - h % m) % m, pw = (m - w % m) % m;
            var a = ph + pw == 0 ? image1 : pad(image1, [0, pw, 0, ph], PaddingModes.Replicate);
            var b = ph + pw == 0 ? image2 : pad(image2, [0, pw, 0, ph], PaddingModes.Replicate);
            (fw, bw) = run(a, b);
            fw = fw.narrow(2, 0, h).narrow(3, 0, w);
            bw = bw?.narrow(2, 0, h).narrow(3, 0, w);
        }
        else
        {
            long rh = Math.Max(m, (long)Math.Round((double)h / m) * m), rw = Math.Max(m, (long)Math.Round((double)w / m) * m);
            var a = interpolate(image1, [rh, rw], mode: InterpolationMode.Bilinear, align_corners: true);
            var b = interpolate(image2, [rh, rw], mode: InterpolationMode.Bilinear, align_corners: true);
            (fw, bw) = run(a, b);
            fw = FlowResize.Resize(fw, h, w);
            bw = bw is null ? null : FlowResize.Resize(bw, h, w);
        }
        scope.MoveToOuter(fw);
        if (bw is not null) scope.MoveToOuter(bw);
        return (fw, bw);
    }
}
