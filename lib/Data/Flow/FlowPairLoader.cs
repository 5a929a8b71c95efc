using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Flow;

/// <summary>
/// One real pair read into tensors, unbatched. Image1, Image2: <c>[3,H,W]</c> float32 RGB in [0,1]. Flow: <c>[2,H,W]</c>
/// forward flow (channel 0 = u/x, 1 = v/y, pixels; p in image 1 maps to p + w(p) in image 2), 0 where not valid.
/// Valid: <c>[1,H,W]</c> {0,1}, 1 = ground truth known. Occ: <c>[1,H,W]</c> {0,1}, 1 = occluded (Sintel). Noc:
/// <c>[1,H,W]</c> {0,1}, 1 = visible in both frames with ground truth (KITTI: the valid mask of <c>flow_noc</c>). A
/// field is null when the dataset does not provide it. Disposing disposes every tensor.
/// </summary>
public sealed record FlowPairTensors(string Id, Tensor Image1, Tensor Image2, Tensor? Flow, Tensor? Valid, Tensor? Occ, Tensor? Noc)
    : IDisposable
{
    /// <summary>Height H of the pair.</summary>
    public long Height => Image1.size(1);

    /// <summary>Width W of the pair.</summary>
    public long Width => Image1.size(2);

    public void Dispose()
    {
        foreach (var t in new[] { Image1, Image2, Flow, Valid, Occ, Noc }) t?.Dispose();
    }
}

/// <summary>Reads a <see cref="FlowPair"/>'s files into a <see cref="FlowPairTensors"/>.</summary>
public static class FlowPairLoader
{
    /// <summary>
    /// Reads the pair: images with <see cref="ImageIO.ReadTensor"/>, flow with <see cref="FlowFile.Read"/> (<c>.flo</c> or
    /// KITTI PNG), the occlusion PNG as its first channel &gt; 0.5 (white = occluded), the noc mask as the valid mask of
    /// the <c>flow_noc</c> file. Throws <see cref="InvalidDataException"/> naming the files when their sizes differ, and
    /// the readers' exceptions (naming the file) on a missing or bad file.
    /// </summary>
    public static FlowPairTensors Load(FlowPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        using var scope = torch.NewDisposeScope();
        var image1 = ImageIO.ReadTensor(pair.Image1Path);
        var image2 = ImageIO.ReadTensor(pair.Image2Path);
        long h = image1.size(1), w = image1.size(2);
        CheckSize(pair, pair.Image2Path, image2, h, w);
        Tensor? flow = null, valid = null, occ = null, noc = null;
        if (pair.FlowPath is not null)
        {
            var f = FlowFile.Read(pair.FlowPath);
            (flow, valid) = (f.Flow, f.Valid);
            CheckSize(pair, pair.FlowPath, flow, h, w);
        }
        if (pair.OccPath is not null)
        {
            var mask = ImageIO.ReadTensor(pair.OccPath);
            CheckSize(pair, pair.OccPath, mask, h, w);
            occ = mask.narrow(0, 0, 1).gt(0.5).to_type(ScalarType.Float32);
        }
        if (pair.FlowNocPath is not null)
        {
            noc = FlowFile.Read(pair.FlowNocPath).Valid;
            CheckSize(pair, pair.FlowNocPath, noc, h, w);
        }
        foreach (var t in new[] { image1, image2, flow, valid, occ, noc })
            if (t is not null) scope.MoveToOuter(t);
        return new FlowPairTensors(pair.Id, image1, image2, flow, valid, occ, noc);
    }

    static void CheckSize(FlowPair pair, string path, Tensor t, long h, long w)
    {
        if (t.size(1) != h || t.size(2) != w)
            throw new InvalidDataException($"{path}: size {t.size(2)}x{t.size(1)} differs from frame 1 {pair.Image1Path} ({w}x{h}) of pair {pair.Id}");
    }
}
