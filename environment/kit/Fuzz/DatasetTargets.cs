using DistillKit.Data.Flow;
using DistillKit.Data.Formats;
using DistillKit.Imaging;
using TorchSharp;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// A dataset index: a tiny valid dataset tree is built once, each case corrupts a copy of it
/// (<see cref="FolderMutations"/>) and every reader opens the index and loads every pair it lists. An error must name
/// the damaged path, a folder holding it (below the dataset root), or something in either.
/// </summary>
public abstract class DatasetTarget : FuzzTarget
{
    string? _template;

    /// <summary>Writes the valid dataset tree under <paramref name="root"/>.</summary>
    protected abstract void Build(string root);

    /// <summary>A reader that opens an index with <paramref name="open"/> and loads every pair.</summary>
    protected static ReaderCall OpenAndLoad(string name, Func<string, FlowDatasetIndex> open) => new($"{name} + FlowPairLoader.Load", root =>
    {
        foreach (var pair in open(root)) FlowPairLoader.Load(pair).Dispose();
    });

    public override IReadOnlyList<string> WriteSeeds(string dir)
    {
        _template = Path.Combine(dir, "dataset");
        Build(_template);
        return [_template];
    }

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        if (_template is null) WriteSeeds(Directory.CreateTempSubdirectory("dk-fuzz-template-").FullName);
        var root = Path.Combine(dir, "dataset");
        FolderMutations.Copy(_template!, root);
        var (what, touched) = FolderMutations.Apply(root, rng);
        var folders = touched.Concat(touched.SelectMany(t => Ancestors(t, root))).Distinct().ToList();
        return new FuzzCase(root, what, false, message => folders.Any(message.Contains));
    }

    /// <summary>The folders holding <paramref name="path"/>, up to but not including <paramref name="root"/>.</summary>
    static IEnumerable<string> Ancestors(string path, string root)
    {
        for (var d = Path.GetDirectoryName(path); d is not null && d.Length > root.Length; d = Path.GetDirectoryName(d)) yield return d;
    }

    /// <summary>A w×h RGB frame, different for each <paramref name="seed"/>.</summary>
    protected static Image Frame(int w, int h, int seed) =>
        Image.FromBytes(w, h, 3, Enumerable.Range(0, w * h * 3).Select(i => (byte)(i * 29 + seed * 53)).ToArray());

    protected static void WritePng(string path, Image image)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Png.Write(path, image);
    }

    protected static void WriteFlo(string path, int w, int h, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var flow = torch.full([2, h, w], seed * 0.25f);
        MiddleburyFlo.Write(path, flow);
    }

    protected static void WriteKittiFlow(string path, int w, int h, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var flow = torch.full([2, h, w], seed * 0.5f);
        using var valid = torch.ones(1, h, w);
        KittiFlowPng.Write(path, flow, valid);
    }
}

/// <summary>MPI Sintel: both passes of training/ (flow, occlusions) and test/.</summary>
public sealed class SintelTarget : DatasetTarget
{
    public override string Name => "sintel";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("MpiSintel.Open(clean)", r => MpiSintel.Open(r, SintelPass.Clean)),
        OpenAndLoad("MpiSintel.Open(final, requireOcclusions: false)", r => MpiSintel.Open(r, SintelPass.Final, requireOcclusions: false)),
        OpenAndLoad("MpiSintel.Open(clean, test)", r => MpiSintel.Open(r, SintelPass.Clean, SintelSplit.Test)),
    ];

    protected override void Build(string root)
    {
        int seed = 0;
        foreach (var (scene, frames) in new[] { ("alley_1", 3), ("cave_4", 2) })
            for (int i = 1; i <= frames; i++)
            {
                foreach (var pass in new[] { "clean", "final" })
                    WritePng(Path.Combine(root, "training", pass, scene, $"frame_{i:D4}.png"), Frame(4, 3, seed++));
                if (i == frames) continue;
                WriteFlo(Path.Combine(root, "training", "flow", scene, $"frame_{i:D4}.flo"), 4, 3, i);
                WritePng(Path.Combine(root, "training", "occlusions", scene, $"frame_{i:D4}.png"), Image.Blank(4, 3, 1));
            }
        for (int i = 1; i <= 2; i++) WritePng(Path.Combine(root, "test", "clean", "market_1", $"frame_{i:D4}.png"), Frame(4, 3, 100 + i));
    }
}

/// <summary>KITTI 2012 and 2015 flow: training (flow_occ, flow_noc) and testing, both image folders.</summary>
public sealed class KittiTarget : DatasetTarget
{
    public override string Name => "kitti";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("KittiFlow.Open(2015)", r => KittiFlow.Open(r, KittiVersion.Kitti2015)),
        OpenAndLoad("KittiFlow.Open(2012)", r => KittiFlow.Open(r, KittiVersion.Kitti2012)),
        OpenAndLoad("KittiFlow.Open(2015, testing)", r => KittiFlow.Open(r, KittiVersion.Kitti2015, KittiSplit.Testing)),
    ];

    protected override void Build(string root)
    {
        for (int n = 0; n < 2; n++)
        {
            foreach (var images in new[] { "image_2", "colored_0" })
                foreach (var part in new[] { "training", "testing" })
                    for (int f = 10; f <= 11; f++) WritePng(Path.Combine(root, part, images, $"{n:D6}_{f}.png"), Frame(5, 3, n * 2 + f));
            WriteKittiFlow(Path.Combine(root, "training", "flow_occ", $"{n:D6}_10.png"), 5, 3, n);
            WriteKittiFlow(Path.Combine(root, "training", "flow_noc", $"{n:D6}_10.png"), 5, 3, n);
        }
    }
}

/// <summary>KITTI 2015 multiview: sequences of frames in training/ and testing/.</summary>
public sealed class KittiMultiviewTarget : DatasetTarget
{
    public override string Name => "kitti-multiview";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("KittiMultiview.Open(both)", r => KittiMultiview.Open(r, KittiVersion.Kitti2015)),
        OpenAndLoad("KittiMultiview.Open(testing)", r => KittiMultiview.Open(r, KittiVersion.Kitti2015, KittiMultiviewSubset.Testing)),
    ];

    protected override void Build(string root)
    {
        foreach (var (part, sequence, frames) in new[] { ("training", 0, new[] { 0, 1, 2, 12, 13 }), ("testing", 1, new[] { 0, 1 }) })
            foreach (var f in frames) WritePng(Path.Combine(root, part, "image_2", $"{sequence:D6}_{f:D2}.png"), Frame(4, 2, f));
    }
}

/// <summary>FlyingChairs: PPM frames and .flo flows, all pairs and the two splits of the split file.</summary>
public sealed class FlyingChairsTarget : DatasetTarget
{
    public override string Name => "flyingchairs";

    public override IReadOnlyList<ReaderCall> Readers { get; } =
    [
        OpenAndLoad("FlyingChairs.Open(all)", r => FlyingChairs.Open(r)),
        OpenAndLoad("FlyingChairs.Open(train)", r => FlyingChairs.Open(r, FlyingChairsSplit.Train)),
        OpenAndLoad("FlyingChairs.Open(val)", r => FlyingChairs.Open(r, FlyingChairsSplit.Val)),
    ];

    /// <summary>Four pairs, 1 3 4 for training and 2 for validation.</summary>
    public static void BuildChairs(string root)
    {
        var data = Path.Combine(root, "FlyingChairs_release", "data");
        Directory.CreateDirectory(data);
        for (int n = 1; n <= 4; n++)
        {
            Ppm.Write(Path.Combine(data, $"{n:D5}_img1.ppm"), Frame(4, 3, n));
            Ppm.Write(Path.Combine(data, $"{n:D5}_img2.ppm"), Frame(4, 3, n + 10));
            WriteFlo(Path.Combine(data, $"{n:D5}_flow.flo"), 4, 3, n);
        }
        FlyingChairsSplitFile.Write(Path.Combine(root, "FlyingChairs_release", FlyingChairs.SplitFileName), [1, 2, 1, 1]);
    }

    protected override void Build(string root) => BuildChairs(root);
}
