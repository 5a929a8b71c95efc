using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Semantic.Synthetic;

/// <summary>
/// One semantic pair in managed memory: two different instances of <see cref="Category"/>. Image1, Image2 [3,H,W]
/// planar RGB in [0,1]; Mask1, Mask2 [1,H,W] (1 = object visible); Keypoints1, Keypoints2 [N,2] row-major (x, y) in
/// pixels of their own image, row i of both being keypoint KeypointIds[i] (named KeypointNames[i]) — only the keypoints
/// visible in both images, in category order; Box1, Box2 the object boxes (<see cref="SemanticImageArrays.Box"/>).
/// </summary>
public sealed record SyntheticSemanticPairArrays(SemanticCategory Category, int Height, int Width,
    float[] Image1, float[] Image2, float[] Mask1, float[] Mask2, float[] Keypoints1, float[] Keypoints2,
    int[] KeypointIds, string[] KeypointNames, AxisBox Box1, AxisBox Box2)
{
    /// <summary>Number of shared keypoints N.</summary>
    public int Count => KeypointIds.Length;
}

/// <summary>
/// One semantic pair as tensors: Image1, Image2 [3,H,W] float32 RGB in [0,1]; Keypoints1, Keypoints2 [N,2] float32
/// (x, y) in pixels of their own image, matching row by row (only keypoints visible in both images; invalid ones are
/// dropped, never padded); KeypointIds / KeypointNames name each row; Box1, Box2 the object boxes (pixel-centre
/// coordinates of the extreme object pixels, occluded parts included); Mask1, Mask2 [1,H,W] float32 (1 = object
/// visible). Owns its tensors.
/// </summary>
public sealed record SyntheticSemanticPair(SemanticCategory Category, Tensor Image1, Tensor Image2, Tensor Keypoints1,
    Tensor Keypoints2, IReadOnlyList<int> KeypointIds, IReadOnlyList<string> KeypointNames, AxisBox Box1, AxisBox Box2,
    Tensor Mask1, Tensor Mask2) : IDisposable
{
    /// <summary>Copies managed arrays into tensors.</summary>
    public static SyntheticSemanticPair FromArrays(SyntheticSemanticPairArrays a)
    {
        long h = a.Height, w = a.Width, n = a.Count;
        return new SyntheticSemanticPair(a.Category, torch.tensor(a.Image1, [3, h, w]), torch.tensor(a.Image2, [3, h, w]),
            torch.tensor(a.Keypoints1, [n, 2]), torch.tensor(a.Keypoints2, [n, 2]), a.KeypointIds, a.KeypointNames,
            a.Box1, a.Box2, torch.tensor(a.Mask1, [1, h, w]), torch.tensor(a.Mask2, [1, h, w]));
    }

    public void Dispose()
    {
        foreach (var t in new[] { Image1, Image2, Keypoints1, Keypoints2, Mask1, Mask2 }) t.Dispose();
    }
}
