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
        using var doc = ReadHeader(path, out _);
        var result = new Dictionary<string, string>();
        try
        {
            if (doc.RootElement.TryGetProperty("__metadata__", out var meta) && meta.ValueKind == JsonValueKind.Object)
                foreach (var p in meta.EnumerateObject())
                    result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        catch (InvalidOperationException e) // a string that is not valid UTF-8: JsonDocument checks strings only when read
        {
            throw new InvalidDataException($"{path}: the safetensors metadata holds text that is not valid UTF-8 ({e.Message})", e);
        }
        return result;
    }

    /// <summary>
    /// Checks every tensor entry against the file before TorchSharp.PyBridge reads it: PyBridge allocates the header
    /// length it is told (up to 2 GiB) and a tensor of the declared shape before comparing it with the data offsets.
    /// Throws <see cref="InvalidDataException"/> naming the file and the entry for an unknown dtype, a shape that is
    /// not a list of non-negative integers, or offsets that leave the data section or disagree with dtype × shape.
    /// </summary>
    internal static void CheckLayout(string path)
    {
        using var doc = ReadHeader(path, out long dataBytes);
        foreach (var entry in doc.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            var e = entry.Value;
            string Bad(string what) => $"{path}: safetensors entry '{entry.Name}': {what}";
            if (e.ValueKind != JsonValueKind.Object) throw new InvalidDataException(Bad($"is {e.ValueKind}, not an object"));
            long size = e.TryGetProperty("dtype", out var dtype) && dtype.ValueKind == JsonValueKind.String ? ElementSize(dtype.GetString()!) : 0;
            if (size == 0) throw new InvalidDataException(Bad($"unsupported dtype {(e.TryGetProperty("dtype", out var d) ? d.GetRawText() : "(none)")}"));
            long bytes = size;
            if (!e.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException(Bad("no shape list"));
            foreach (var dim in shape.EnumerateArray())
            {
                if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long n) || n < 0)
                    throw new InvalidDataException(Bad($"shape {shape.GetRawText()} is not a list of non-negative integers"));
                bytes = n == 0 || bytes == 0 ? 0 : bytes > dataBytes / n ? dataBytes + 1 : bytes * n; // past the data is past the data
            }
            if (!e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2 ||
                !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataBytes)
                throw new InvalidDataException(Bad($"data_offsets {(e.TryGetProperty("data_offsets", out var o) ? o.GetRawText() : "(none)")} are not [begin, end] inside the {dataBytes} data bytes"));
            if (end - begin != bytes) // guards a crafted shape that PyBridge would allocate before checking it against the offsets
                throw new InvalidDataException(Bad($"dtype {dtype.GetString()} × shape {shape.GetRawText()} needs {(bytes > dataBytes ? "more than the file holds" : bytes + " bytes")}, the offsets hold {end - begin}"));
        }
    }

    static long ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" => 8,
        "F32" or "I32" => 4,
        "F16" or "BF16" or "I16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0, // what TorchSharp.PyBridge reads
    };

    /// <summary>The parsed JSON header, an object (at most <see cref="MaxHeader"/> bytes, nesting at most 64 deep), and the size of the data after it.</summary>
    static JsonDocument ReadHeader(string path, out long dataBytes)
    {
        using var f = File.OpenRead(path);
        Span<byte> len = stackalloc byte[8];
        if (f.ReadAtLeast(len, 8, throwOnEndOfStream: false) != 8) throw new InvalidDataException($"{path}: too short for a safetensors file (truncated?)");
        long n = BinaryPrimitives.ReadInt64LittleEndian(len);
        if (n <= 1 || n > MaxHeader || n > f.Length - 8) // guards a crafted length that PyBridge would allocate
            throw new InvalidDataException($"{path}: safetensors header length {n} does not fit the file ({f.Length} bytes): truncated or not safetensors");
        var header = new byte[n];
        f.ReadExactly(header);
        dataBytes = f.Length - 8 - n;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message})", e);
        }
        var kind = doc.RootElement.ValueKind;
        if (kind == JsonValueKind.Object) return doc;
        doc.Dispose();
        throw new InvalidDataException($"{path}: the safetensors header is a JSON {kind}, not an object");
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
