using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Semantic;

/// <summary>
/// One semantic pair read into tensors, unbatched and at the original resolution. Source, Target: <c>[3,H,W]</c> float32
/// RGB in [0,1] (each its own size). SourceKeypoints, TargetKeypoints: <c>[N,2]</c> float32 rows (x, y) in pixels of the
/// original source/target image, row i of one matching row i of the other. Disposing disposes every tensor.
/// </summary>
public sealed record SemanticPairTensors(SemanticPair Pair, Tensor Source, Tensor Target, Tensor SourceKeypoints, Tensor TargetKeypoints)
    : IDisposable
{
    public void Dispose()
    {
        foreach (var t in new[] { Source, Target, SourceKeypoints, TargetKeypoints }) t.Dispose();
    }
}

/// <summary>Reads a <see cref="SemanticPair"/>'s images through the kit's image reader.</summary>
public static class SemanticPairLoader
{
    /// <summary>
    /// Reads both images with <see cref="ImageIO.ReadTensor"/> (PNG, JPEG or PPM, by content) and the keypoints as tensors.
    /// A reader's error (naming the image) is rethrown with the place the pair is listed appended.
    /// </summary>
    public static SemanticPairTensors Load(SemanticPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        using var scope = torch.NewDisposeScope();
        var source = Read(pair.SourcePath, pair);
        var target = Read(pair.TargetPath, pair);
        var sk = KeypointTensor(pair.SourceKeypoints);
        var tk = KeypointTensor(pair.TargetKeypoints);
        scope.MoveToOuter(source, target, sk, tk);
        return new SemanticPairTensors(pair, source, target, sk, tk);
    }

    /// <summary>A <c>float[N,2]</c> as a <c>[N,2]</c> float32 tensor.</summary>
    public static Tensor KeypointTensor(float[,] keypoints)
    {
        if (keypoints.GetLength(1) != 2) throw new ArgumentException($"keypoints must be [N,2], got [{keypoints.GetLength(0)},{keypoints.GetLength(1)}]");
        var flat = new float[keypoints.Length];
        Buffer.BlockCopy(keypoints, 0, flat, 0, flat.Length * sizeof(float));
        return torch.tensor(flat, [keypoints.GetLength(0), 2]);
    }

    static Tensor Read(string path, SemanticPair pair)
    {
        try { return ImageIO.ReadTensor(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"{e.Message} (pair {pair.Id} listed at {pair.ListedAt})", path, e); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{e.Message} (pair {pair.Id} listed at {pair.ListedAt})", e); }
        catch (NotSupportedException e) { throw new NotSupportedException($"{e.Message} (pair {pair.Id} listed at {pair.ListedAt})", e); }
    }
}
