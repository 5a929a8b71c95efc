using DistillKit.Data.Flow;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Semantic;

/// <summary>
/// One TSS pair folder as paths. Flow1 maps pixel p of image 1 to p + w(p) in image 2 and lies on image 1's grid; Flow2
/// is the other direction on image 2's grid; Mask1/Mask2 are the foreground masks of image 1/2 (white = object).
/// </summary>
/// <param name="Id"><c>&lt;group&gt;/&lt;pair folder&gt;</c>, e.g. <c>FG3DCar/001</c>.</param>
/// <param name="Folder">The pair folder.</param>
/// <param name="Image1Path"><c>image1.png</c>.</param>
/// <param name="Image2Path"><c>image2.png</c>.</param>
/// <param name="Flow1Path"><c>flow1.flo</c>, image 1 → image 2.</param>
/// <param name="Flow2Path"><c>flow2.flo</c>, image 2 → image 1.</param>
/// <param name="Mask1Path"><c>mask1.png</c>, foreground of image 1.</param>
/// <param name="Mask2Path"><c>mask2.png</c>, foreground of image 2.</param>
public sealed record TssPair(string Id, string Folder, string Image1Path, string Image2Path, string Flow1Path, string Flow2Path,
    string Mask1Path, string Mask2Path);

/// <summary>
/// A TSS pair read into tensors (unbatched): images <c>[3,H_i,W_i]</c> float32 RGB in [0,1]; flows <c>[2,H_i,W_i]</c>
/// (u = x, v = y, pixels, forward from image i) on the grid of image i; Valid1/Valid2 <c>[1,H_i,W_i]</c> {0,1} (0 where the
/// .flo holds an unknown value, |value| &gt; 1e9); Mask1/Mask2 <c>[1,H_i,W_i]</c> {0,1}, 1 = foreground (first channel
/// &gt; 0.5). Disposing disposes every tensor.
/// </summary>
public sealed record TssPairTensors(string Id, Tensor Image1, Tensor Image2, Tensor Flow1, Tensor Valid1, Tensor Flow2, Tensor Valid2,
    Tensor Mask1, Tensor Mask2) : IDisposable
{
    public void Dispose()
    {
        foreach (var t in new[] { Image1, Image2, Flow1, Valid1, Flow2, Valid2, Mask1, Mask2 }) t.Dispose();
    }
}

/// <summary>
/// TSS (Taniai et al., CVPR 2016, "Joint recovery of dense correspondence and cosegmentation"): dense flow ground truth
/// between images of the same category, evaluated by dense PCK at α = 0.05 in both directions
/// (<see cref="DistillKit.Metrics.Pck.Dense"/>). Layout read: ROOT (or <c>ROOT/TSS_CVPR2016</c>) holds group folders
/// (FG3DCar, JODS, PASCAL in the real data), each holding one folder per pair with <c>image1.png</c>, <c>image2.png</c>,
/// <c>flow1.flo</c> (image 1 → 2), <c>flow2.flo</c> (image 2 → 1), <c>mask1.png</c>, <c>mask2.png</c> (METHODS.md §7).
/// Every subfolder of a group is a pair folder and must hold all six files. Assumption (not checked against the real
/// files here): the masks are gray or RGB PNGs with the foreground white.
/// </summary>
public static class Tss
{
    /// <summary>The six files of a pair folder.</summary>
    public static IReadOnlyList<string> PairFiles { get; } = ["image1.png", "image2.png", "flow1.flo", "flow2.flo", "mask1.png", "mask2.png"];

    const string Script = "get-tss.sh";

    /// <summary>The dataset folder: <c>ROOT/TSS_CVPR2016</c> when it exists, else ROOT.</summary>
    public static string DatasetFolder(string root)
    {
        SemanticFiles.Require(root, "TSS", Script);
        var inner = Path.Combine(root, "TSS_CVPR2016");
        return Directory.Exists(inner) ? inner : root;
    }

    /// <summary>
    /// Lists the pairs: groups ordered by name, pair folders within a group by name (ordinal). Errors:
    /// <see cref="DirectoryNotFoundException"/> naming the missing root and the data-script; <see cref="InvalidDataException"/>
    /// naming a pair folder's missing file, a group folder without pair folders, or the root when it holds no group.
    /// </summary>
    public static IReadOnlyList<TssPair> Open(string root)
    {
        var dir = DatasetFolder(root);
        var groups = DatasetFolders.Subfolders(dir);
        if (groups.Count == 0) throw new InvalidDataException($"{dir}: no TSS group folder (FG3DCar, JODS, PASCAL) found ({SemanticFiles.Advice(Script)})");
        var pairs = new List<TssPair>();
        foreach (var group in groups)
        {
            var folders = DatasetFolders.Subfolders(group);
            if (folders.Count == 0) throw new InvalidDataException($"{group}: TSS group folder without pair folders ({SemanticFiles.Advice(Script)})");
            foreach (var folder in folders)
            {
                var id = $"{Path.GetFileName(group)}/{Path.GetFileName(folder)}";
                var files = PairFiles.Select(f => Path.Combine(folder, f)).ToArray();
                foreach (var file in files)
                    if (!File.Exists(file))
                        throw new InvalidDataException($"{file}: file missing for pair {id} (a TSS pair folder holds {string.Join(", ", PairFiles)}; " +
                            $"incomplete dataset? {SemanticFiles.Advice(Script)})");
                pairs.Add(new TssPair(id, folder, files[0], files[1], files[2], files[3], files[4], files[5]));
            }
        }
        return pairs;
    }

    /// <summary>
    /// Reads a pair: images with <see cref="ImageIO.ReadTensor"/>, flows with <see cref="MiddleburyFlo.Read"/>, masks as
    /// their first channel &gt; 0.5. Throws <see cref="InvalidDataException"/> naming both files when a flow or mask differs in
    /// size from its image, and the readers' exceptions (naming the file) on a missing or bad file.
    /// </summary>
    public static TssPairTensors Load(TssPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        using var scope = torch.NewDisposeScope();
        var image1 = ImageIO.ReadTensor(pair.Image1Path);
        var image2 = ImageIO.ReadTensor(pair.Image2Path);
        var (flow1, valid1) = MiddleburyFlo.Read(pair.Flow1Path);
        var (flow2, valid2) = MiddleburyFlo.Read(pair.Flow2Path);
        var mask1 = Mask(pair.Mask1Path);
        var mask2 = Mask(pair.Mask2Path);
        CheckSize(pair.Flow1Path, flow1, pair.Image1Path, image1);
        CheckSize(pair.Mask1Path, mask1, pair.Image1Path, image1);
        CheckSize(pair.Flow2Path, flow2, pair.Image2Path, image2);
        CheckSize(pair.Mask2Path, mask2, pair.Image2Path, image2);
        scope.MoveToOuter(image1, image2, flow1, valid1, flow2, valid2, mask1, mask2);
        return new TssPairTensors(pair.Id, image1, image2, flow1, valid1, flow2, valid2, mask1, mask2);
    }

    static Tensor Mask(string path) => ImageIO.ReadTensor(path).narrow(0, 0, 1).gt(0.5).to_type(ScalarType.Float32);

    static void CheckSize(string path, Tensor t, string imagePath, Tensor image)
    {
        if (t.size(1) != image.size(1) || t.size(2) != image.size(2))
            throw new InvalidDataException($"{path}: size {t.size(2)}x{t.size(1)} differs from its image {imagePath} ({image.size(2)}x{image.size(1)})");
    }
}
