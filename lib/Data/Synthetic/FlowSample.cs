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

/// <summary>
/// A batch of pairs: Image1, Image2 [B,3,H,W] float32 RGB in [0,1]; FlowFw, FlowBw [B,2,H,W] (u, v in pixels;
/// forward maps p in image 1 to p + w(p) in image 2); OccFw, OccBw [B,1,H,W] (1 = occluded); Valid [B,1,H,W]
/// (1 = ground truth known). Owns its tensors: dispose it (or create it inside a dispose scope).
/// </summary>
public sealed record FlowBatch(Tensor Image1, Tensor Image2, Tensor FlowFw, Tensor FlowBw, Tensor OccFw, Tensor OccBw, Tensor Valid)
    : IDisposable
{
    /// <summary>Number of pairs B.</summary>
    public int BatchSize => (int)Image1.size(0);

    /// <summary>Concatenates managed samples (all of one size) into one batch with a single copy per field.</summary>
    public static FlowBatch Collate(IReadOnlyList<FlowSampleArrays> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("FlowBatch.Collate: no samples");
        int h = samples[0].Height, w = samples[0].Width;
        if (samples.Any(s => s.Height != h || s.Width != w)) throw new ArgumentException("FlowBatch.Collate: samples differ in size");
        long b = samples.Count;
        Tensor Field(Func<FlowSampleArrays, float[]> get, long channels)
        {
            int n = (int)(channels * h * w);
            var all = new float[b * n];
            for (int k = 0; k < b; k++) Array.Copy(get(samples[k]), 0, all, (long)k * n, n);
            return torch.tensor(all, [b, channels, h, w]);
        }
        return new FlowBatch(Field(s => s.Image1, 3), Field(s => s.Image2, 3), Field(s => s.FlowFw, 2), Field(s => s.FlowBw, 2),
            Field(s => s.OccFw, 1), Field(s => s.OccBw, 1), Field(s => s.Valid, 1));
    }

    /// <summary>Stacks tensor samples [C,H,W] into a batch [B,C,H,W] (the samples stay owned by the caller).</summary>
    public static FlowBatch Stack(IReadOnlyList<FlowSample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("FlowBatch.Stack: no samples");
        Tensor S(Func<FlowSample, Tensor> get) => torch.stack(samples.Select(get).ToArray(), 0);
        return new FlowBatch(S(s => s.Image1), S(s => s.Image2), S(s => s.FlowFw), S(s => s.FlowBw), S(s => s.OccFw), S(s => s.OccBw), S(s => s.Valid));
    }

    public void Dispose()
    {
        foreach (var t in new[] { Image1, Image2, FlowFw, FlowBw, OccFw, OccBw, Valid }) t.Dispose();
    }
}
