using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Flow;

/// <summary>
/// Unsupervised training batches from real image pairs: for step s, <c>batch</c> pairs are drawn with replacement and
/// one random crop (the same offset in both frames) is cut from each, all from a stable stream of (seed, s) only
/// (<see cref="SampleRandom"/>), so a resumed run — in another process — sees the same batches. Images [B,3,h,w]
/// RGB in [0,1]; no flow is loaded (unsupervised). Frames smaller than the crop are an error naming the pair.
/// </summary>
public sealed class CropSampler(IReadOnlyList<FlowPair> pairs, int cropHeight, int cropWidth, long seed)
{
    /// <summary>Stream key of the crop sampler (distinct from other streams of the same seed and step).</summary>
    public const long Stream = 29;

    public FlowBatch Batch(long step, int batch)
    {
        if (pairs.Count == 0) throw new InvalidOperationException("CropSampler: the dataset has no pairs");
        var rng = SampleRandom.For(seed, Stream, step);
        var first = new List<Tensor>(batch);
        var second = new List<Tensor>(batch);
        using var scope = torch.NewDisposeScope();
        for (int b = 0; b < batch; b++)
        {
            var pair = pairs[rng.NextInt(0, pairs.Count)];
            var i1 = Imaging.ImageIO.ReadTensor(pair.Image1Path);
            var i2 = Imaging.ImageIO.ReadTensor(pair.Image2Path);
            long h = i1.size(1), w = i1.size(2);
            if (h < cropHeight || w < cropWidth)
                throw new InvalidDataException($"{pair.Image1Path}: {w}×{h} is smaller than the {cropWidth}×{cropHeight} training crop");
            int y = rng.NextInt(0, (int)(h - cropHeight + 1)), x = rng.NextInt(0, (int)(w - cropWidth + 1));
            first.Add(i1.narrow(1, y, cropHeight).narrow(2, x, cropWidth));
            second.Add(i2.narrow(1, y, cropHeight).narrow(2, x, cropWidth));
        }
        var a = torch.stack(first, 0);
        var c = torch.stack(second, 0);
        scope.MoveToOuter(a, c);
        return new FlowBatch(a, c);
    }
}
