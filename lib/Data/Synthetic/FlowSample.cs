using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Synthetic;

/// <summary>
/// One generated pair in managed memory, planar row-major float32: Image1, Image2 [3,H,W] RGB in [0,1];
/// FlowFw, FlowBw [2,H,W] (channel 0 = u (x), 1 = v (y), pixels; forward maps p in image 1 to p + w(p) in image 2,
/// backward maps image 2 to image 1); OccFw, OccBw [1,H,W] (1 = occluded: the point leaves the image or is covered
/// by a layer above in the other frame); Valid [1,H,W] (1 = ground truth known: everywhere for synthetic data).
/// </summary>
public sealed record FlowSampleArrays(int Height, int Width, float[] Image1, float[] Image2, float[] FlowFw, float[] FlowBw,
    float[] OccFw, float[] OccBw, float[] Valid);

/// <summary>
/// One pair as tensors: Image1, Image2 [3,H,W] float32 RGB in [0,1]; FlowFw, FlowBw [2,H,W] (u, v in pixels;
/// forward maps p in image 1 to p + w(p) in image 2); OccFw, OccBw [1,H,W] (1 = occluded); Valid [1,H,W] (1 = ground
/// truth known). Owns its tensors: dispose it (or create it inside a dispose scope).
/// </summary>
public sealed record FlowSample(Tensor Image1, Tensor Image2, Tensor FlowFw, Tensor FlowBw, Tensor OccFw, Tensor OccBw, Tensor Valid)
    : IDisposable
{
    /// <summary>Copies managed arrays into tensors.</summary>
    public static FlowSample FromArrays(FlowSampleArrays a)
    {
        long h = a.Height, w = a.Width;
        return new FlowSample(torch.tensor(a.Image1, [3, h, w]), torch.tensor(a.Image2, [3, h, w]),
            torch.tensor(a.FlowFw, [2, h, w]), torch.tensor(a.FlowBw, [2, h, w]),
            torch.tensor(a.OccFw, [1, h, w]), torch.tensor(a.OccBw, [1, h, w]), torch.tensor(a.Valid, [1, h, w]));
    }

    public void Dispose()
    {
        foreach (var t in new[] { Image1, Image2, FlowFw, FlowBw, OccFw, OccBw, Valid }) t.Dispose();
    }
}
