using System.Buffers.Binary;
using System.Text.Json;

namespace DistillKit.Weights;

/// <summary>
/// Reads only the <c>__metadata__</c> of a safetensors file's JSON header (8-byte little-endian length, then JSON):
/// kit 0.1 stored its checkpoint metadata there. Tensors are read by TorchSharp.PyBridge.
/// </summary>
public static class SafetensorsHeader
{
    const long MaxHeader = 100 * 1024 * 1024;

    /// <summary>The metadata strings of <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the file when it is not safetensors.</summary>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> len = stackalloc byte[8];
        if (f.Read(len) != 8) throw new InvalidDataException($"{path}: too short for a safetensors file (truncated?)");
        long n = BinaryPrimitives.ReadInt64LittleEndian(len);
        if (n <= 1 || n > MaxHeader || n > f.Length - 8)
            throw new InvalidDataException($"{path}: safetensors header length {n} does not fit the file ({f.Length} bytes): truncated or not safetensors");
        var header = new byte[n];
        f.ReadExactly(header);
        try
        {
            using var doc = JsonDocument.Parse(header);
            var result = new Dictionary<string, string>();
            if (doc.RootElement.TryGetProperty("__metadata__", out var meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (var p in meta.EnumerateObject())
                    result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>True when the file is safetensors with a <c>step</c> entry in its metadata (a kit 0.1 checkpoint).</summary>
    public static bool HasMetadata(string path)
    {
        try
        {
            return ReadMetadata(path).ContainsKey("step");
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return false;
        }
    }
}
