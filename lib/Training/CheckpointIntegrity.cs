using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;

namespace DistillKit.Training;

/// <summary>
/// Whether a checkpoint on disk is whole. Its metadata records the SHA-256 and the length of the tensor file's bytes
/// (<see cref="HashKey"/>, <see cref="LengthKey"/>); a checkpoint written before they existed is checked for structure
/// instead (the safetensors header parses and its tensors end exactly at the end of the file), which catches a
/// truncated file but not changed bytes.
/// </summary>
public static class CheckpointIntegrity
{
    /// <summary>Metadata key of the tensor file's SHA-256 (lower-case hex).</summary>
    public const string HashKey = "sha256";

    /// <summary>Metadata key of the tensor file's length in bytes.</summary>
    public const string LengthKey = "bytes";

    /// <summary>What is wrong with the checkpoint at <paramref name="path"/> in words, or null when it is whole.</summary>
    public static string? Problem(string path)
    {
        if (!File.Exists(path)) return "the tensor file is missing";
        Dictionary<string, string> meta;
        try
        {
            meta = Checkpoint.ReadMetadata(path);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException)
        {
            return $"its metadata is unreadable ({Weights.WeightFiles.FirstLine(e.Message)})";
        }
        if (!meta.TryGetValue("step", out var step) || !long.TryParse(step, out _)) return "its metadata has no step";
        long length = new FileInfo(path).Length;
        if (meta.TryGetValue(LengthKey, out var recorded) && recorded != length.ToString())
            return $"the tensor file has {length} bytes, its metadata records {recorded} (truncated or overwritten)";
        if (!meta.TryGetValue(HashKey, out var expected)) return StructureProblem(path, length);
        var actual = Sha256(path);
        return actual == expected ? null
            : $"its SHA-256 is {actual[..16]}…, its metadata records {expected[..Math.Min(16, expected.Length)]}… (bytes changed after it was written)";
    }

    /// <summary>The SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>A safetensors file whose header does not parse, or whose tensors do not end at the end of the file.</summary>
    static string? StructureProblem(string path, long length)
    {
        using var f = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (f.Read(prefix) != 8) return $"the tensor file has {length} bytes, too short for safetensors (truncated)";
        long n = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (n <= 1 || n > length - 8) return $"its safetensors header length {n} does not fit the file's {length} bytes (truncated)";
        var header = new byte[n];
        f.ReadExactly(header);
        long end = 0;
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var entry in doc.RootElement.EnumerateObject())
                if (entry.Name != "__metadata__" && entry.Value.TryGetProperty("data_offsets", out var offsets))
                    end = Math.Max(end, offsets[1].GetInt64());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            return $"its safetensors header is not valid ({e.Message})";
        }
        return 8 + n + end == length ? null : $"its tensors need {8 + n + end} bytes, the file has {length} (truncated or damaged)";
    }
}

/// <summary>A checkpoint could not be written; the message names the file, the cause and the fix.</summary>
public sealed class CheckpointWriteException(string message, Exception inner) : IOException(message, inner);
