using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Flow;

/// <summary>
/// Unsupervised training batches from real image pairs: for step s, <c>batch</c> pairs are drawn with replacement and
/// one random crop (the same offset in both frames) is cut from each, all from (seed, s) only, so a resumed run sees
/// the same batches. Images [B,3,h,w] RGB in [0,1]; no flow is loaded (unsupervised). Frames smaller than the crop
/// are an error naming the pair.
/// </summary>
public sealed class CropSampler(IReadOnlyList<FlowPair> pairs, int cropHeight, int cropWidth, long seed)
{
    public (Tensor image1, Tensor image2) Batch(long step, int batch)
    {
        if (pairs.Count == 0) throw new InvalidOperationException("CropSampler: the dataset has no pairs");
        var rng = new Random(HashCode.Combine(seed, step, 29));
        var first = new List<Tensor>(batch);
        var second = new List<Tensor>(batch);
        using var scope = torch.NewDisposeScope();
        for (int b = 0; b < batch; b++)
        {
            var pair = pairs[rng.Next(pairs.Count)];
            var i1 = Imaging.ImageIO.ReadTensor(pair.Image1Path);
            var i2 = Imaging.ImageIO.ReadTensor(pair.Image2Path);
            long h = i1.size(1), w = i1.size(2);
            if (h < cropHeight || w < cropWidth)
                throw new InvalidDataException($"{pair.Image1Path}: {w}×{h} is smaller than the {cropWidth}×{cropHeight} training crop");
            int y = rng.Next((int)(h - cropHeight + 1)), x = rng.Next((int)(w - cropWidth + 1));
            first.Add(i1.narrow(1, y, cropHeight).narrow(2, x, cropWidth));
            second.Add(i2.narrow(1, y, cropHeight).narrow(2, x, cropWidth));
        }
        var a = torch.stack(first, 0);
        var c = torch.stack(second, 0);
        scope.MoveToOuter(a, c);
        return (a, c);
    }
}
