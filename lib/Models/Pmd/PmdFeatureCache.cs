using DistillKit.Models.Backbones;
using DistillKit.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>Where <see cref="PmdFeatureCache"/> keeps the features it has computed.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<FeatureCacheMode>))]
public enum FeatureCacheMode
{
    /// <summary>No cache: every call runs the backbone.</summary>
    None,

    /// <summary>In memory for the life of the cache (mini: about 100 KB per 128×128 image with ResNet-18).</summary>
    Memory,

    /// <summary>One file per image in a folder (paper: about 2.4 MB per 320×320 image with ResNet-101), kept in memory
    /// too only while the batch that asked for it is alive.</summary>
    Disk,
}

/// <summary>
/// The frozen backbone's layer3/layer4 features per image, computed once (<see cref="PmdBackbone"/> never trains, so the
/// features of an unchanged image never change). Images are named by a key the caller chooses (e.g. "train/12/source");
/// a key must always name the same pixels. Results are exactly the backbone's: each image's features are computed in the
/// batch of the images missing from the cache, and the backbone runs in eval mode, where an image's features do not
/// depend on the rest of the batch. Disk entries are float32 files written whole (<see cref="AtomicFile"/>); an
/// unreadable one is computed again.
/// </summary>
public sealed class PmdFeatureCache : IDisposable
{
    const int Magic = 0x43464B44; // "DKFC"
    readonly PmdBackbone _backbone;
    readonly Dictionary<string, (Tensor layer3, Tensor layer4)> _memory = new();

    /// <param name="folder">The folder of <see cref="FeatureCacheMode.Disk"/> entries (created when needed).</param>
    public PmdFeatureCache(PmdBackbone backbone, FeatureCacheMode mode, string? folder = null)
    {
        if (mode == FeatureCacheMode.Disk && string.IsNullOrEmpty(folder))
            throw new ArgumentException("PmdFeatureCache: the disk cache needs a folder");
        _backbone = backbone;
        Mode = mode;
        Folder = folder;
    }

    public FeatureCacheMode Mode { get; }
    public string? Folder { get; }

    /// <summary>Images served from the cache and images computed, since creation.</summary>
    public long Hits { get; private set; }
    public long Misses { get; private set; }

    /// <summary>
    /// The features of the images named by <paramref name="keys"/>, stacked in that order: layer3 [B,C3,S/16,S/16],
    /// layer4 [B,C4,S/32,S/32]. <paramref name="images"/> renders the images at the given positions of
    /// <paramref name="keys"/> ([M,3,S,S] RGB in [0,1]); it is called once, for the missing ones only (never when all
    /// are cached). No gradient.
    /// </summary>
    public ResNetFeatures Features(IReadOnlyList<string> keys, Func<IReadOnlyList<int>, Tensor> images)
    {
        if (Mode == FeatureCacheMode.None)
        {
            Misses += keys.Count;
            using var all = images(Enumerable.Range(0, keys.Count).ToArray());
            return _backbone.Features(all);
        }
        using var scope = torch.NewDisposeScope();
        var found = new (Tensor layer3, Tensor layer4)?[keys.Count];
        var missing = new List<int>();
        for (int i = 0; i < keys.Count; i++)
        {
            found[i] = Lookup(keys[i]);
            if (found[i] is null) missing.Add(i);
        }
        Hits += keys.Count - missing.Count;
        Misses += missing.Count;
        if (missing.Count > 0)
        {
            using var batch = images(missing);
            using var computed = _backbone.Features(batch);
            for (int m = 0; m < missing.Count; m++)
            {
                var entry = (computed.Layer3[m].clone(), computed.Layer4[m].clone());
                Store(keys[missing[m]], entry);
                found[missing[m]] = entry;
            }
        }
        var layer3 = torch.stack(found.Select(f => f!.Value.layer3).ToArray());
        var layer4 = torch.stack(found.Select(f => f!.Value.layer4).ToArray());
        scope.MoveToOuter(layer3, layer4);
        return new ResNetFeatures(layer3, layer4);
    }

    (Tensor, Tensor)? Lookup(string key)
    {
        if (_memory.TryGetValue(key, out var entry)) return entry;
        if (Mode != FeatureCacheMode.Disk) return null;
        var path = PathOf(key);
        return File.Exists(path) ? Read(path) : null;
    }

    void Store(string key, (Tensor layer3, Tensor layer4) entry)
    {
        if (Mode == FeatureCacheMode.Memory)
        {
            var kept = (entry.layer3.clone().DetachFromDisposeScope(), entry.layer4.clone().DetachFromDisposeScope());
            _memory[key] = kept;
            return;
        }
        Directory.CreateDirectory(Folder!);
        AtomicFile.Write(PathOf(key), $"the cached features of {key}", stream =>
        {
            using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            foreach (var t in new[] { entry.layer3, entry.layer4 })
            {
                w.Write((int)t.dim());
                foreach (var d in t.shape) w.Write(d);
                var data = t.contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
                var bytes = new byte[data.Length * sizeof(float)];
                Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
                w.Write(bytes);
            }
        });
    }

    /// <summary>A disk entry, or null when it is not a whole cache file (it is then computed again).</summary>
    static (Tensor, Tensor)? Read(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path));
            if (r.ReadInt32() != Magic) return null;
            var tensors = new Tensor[2];
            for (int k = 0; k < 2; k++)
            {
                int rank = r.ReadInt32();
                if (rank is < 1 or > 4) return null;
                var shape = new long[rank];
                long count = 1;
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = r.ReadInt64();
                    if (shape[d] is < 1 or > 1 << 16) return null;
                    count *= shape[d];
                }
                if (count * sizeof(float) > r.BaseStream.Length - r.BaseStream.Position) return null;
                var bytes = r.ReadBytes(checked((int)(count * sizeof(float))));
                var data = new float[count];
                Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
                tensors[k] = torch.tensor(data, shape);
            }
            return r.BaseStream.Position == r.BaseStream.Length ? (tensors[0], tensors[1]) : null;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    string PathOf(string key) => Path.Combine(Folder!, string.Concat(key.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')) + ".features");

    /// <summary>Frees the memory entries (disk entries stay).</summary>
    public void Dispose()
    {
        foreach (var (l3, l4) in _memory.Values)
        {
            l3.Dispose();
            l4.Dispose();
        }
        _memory.Clear();
    }
}
