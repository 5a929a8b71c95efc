using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Tests.Support;

/// <summary>
/// A set of golden tensors written by a checked-in script of tests/reference (index.json: name → shape and offset in
/// float32 elements; data.bin: raw little-endian float32) into build/golden/NAME, generated on first use and whenever
/// the script changes (<see cref="ReferenceScripts.Golden"/>).
/// </summary>
internal sealed class GoldenTensors(string name, string script)
{
    readonly Lazy<(Dictionary<string, (long[] shape, long offset)> index, float[] data)> _golden = new(() => Load(name, script));

    /// <summary>A new float32 tensor holding the golden tensor <paramref name="tensor"/>.</summary>
    public Tensor Get(string tensor)
    {
        var (index, data) = _golden.Value;
        if (!index.TryGetValue(tensor, out var entry)) throw new KeyNotFoundException($"golden tensor '{tensor}' not found in {name}");
        long n = entry.shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        Array.Copy(data, entry.offset, values, 0, n);
        return torch.tensor(values, entry.shape);
    }

    static (Dictionary<string, (long[] shape, long offset)>, float[]) Load(string name, string script)
    {
        var folder = ReferenceScripts.Golden(name, script);
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
