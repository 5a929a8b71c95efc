using System.Text.Json;
using DistillKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Tests.Losses;

/// <summary>
/// Golden tensors written by tests/reference/make_loss_golden.py (PyTorch, /usr/bin/python3) into
/// build/golden/losses/ (git-ignored), generated on first use and whenever the script changes (<see cref="ReferenceScripts.Golden"/>).
/// </summary>
internal static class LossGolden
{
    static readonly Lazy<(Dictionary<string, (long[] shape, long offset)> index, float[] data)> s_golden = new(Load);

    /// <summary>A new float32 tensor holding the golden tensor <paramref name="name"/>.</summary>
    public static Tensor Get(string name)
    {
        var (index, data) = s_golden.Value;
        if (!index.TryGetValue(name, out var entry)) throw new KeyNotFoundException($"golden tensor '{name}' not found");
        long n = entry.shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        Array.Copy(data, entry.offset, values, 0, n);
        return torch.tensor(values, entry.shape);
    }

    static (Dictionary<string, (long[] shape, long offset)>, float[]) Load()
    {
        var folder = ReferenceScripts.Golden("losses", "make_loss_golden.py");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "index.json")));
        var index = new Dictionary<string, (long[], long)>();
        foreach (var t in json.RootElement.GetProperty("tensors").EnumerateObject())
            index[t.Name] = (t.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray(), t.Value.GetProperty("offset").GetInt64());
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("golden files are little-endian float32");
        var bytes = File.ReadAllBytes(Path.Combine(folder, "data.bin"));
        var data = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, data, 0, data.Length * 4);
        return (index, data);
    }
}
