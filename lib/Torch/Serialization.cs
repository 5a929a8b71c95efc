using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistillKit.Torch;

/// <summary>
/// Named-tensor files: safetensors (readable by Python's <c>safetensors</c>), TorchSharp's <c>.dat</c>, and
/// PyTorch's <c>torch.save(state_dict)</c> (read by the managed reader in <c>Pickle/</c>, written through
/// libtorch's own pickler). Every reader throws <see cref="InvalidDataException"/> naming the file and the
/// problem on bad input.
/// </summary>
public static class Serialization
{
    // ------------------------------------------------------------------ raw bytes

    internal static unsafe byte[] ToBytes(Tensor t)
    {
        var n = t.numel() * ScalarTypeInfo.ElementSize(t.dtype);
        var bytes = new byte[n];
        fixed (byte* p = bytes) Native.Check(Native.dk_to_data(t.Handle, p, n), "tensor bytes");
        return bytes;
    }

    internal static unsafe Tensor FromBytes(ReadOnlySpan<byte> data, ScalarType dtype, long[] shape)
    {
        Native.Init();
        fixed (byte* p = data)
        fixed (long* s = shape)
            return new Tensor(Native.CheckHandle(Native.dk_from_data(p, (int)dtype, s, shape.Length), "from bytes"));
    }

    static long Elements(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    // ------------------------------------------------------------------ safetensors

    static readonly Dictionary<ScalarType, string> StDtype = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    /// <summary>Writes tensors as a safetensors file (8-byte header length, JSON header, raw little-endian data); atomic.</summary>
    public static void SaveSafetensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path, IDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header["__metadata__"] = m;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            if (!StDtype.TryGetValue(t.dtype, out var code)) throw new NotSupportedException($"safetensors: dtype {t.dtype} of '{name}' is not supported");
            var bytes = ToBytes(t);
            blobs.Add(bytes);
            header[name] = new JsonObject
            {
                ["dtype"] = code,
                ["shape"] = new JsonArray(t.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.LongLength),
            };
            offset += bytes.LongLength;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8;
        WriteAtomic(path, s =>
        {
            using var w = new BinaryWriter(s);
            w.Write((ulong)(json.Length + pad));
            w.Write(json);
            for (int i = 0; i < pad; i++) w.Write((byte)' ');
            foreach (var b in blobs) w.Write(b);
        });
    }

    /// <summary>Reads a safetensors file into name → tensor (insertion order of the file's header).</summary>
    public static OrderedDictionary<string, Tensor> LoadSafetensors(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 8) throw Bad(path, "shorter than the 8-byte header length");
        var n = BitConverter.ToUInt64(bytes, 0);
        if (n > (ulong)(bytes.Length - 8)) throw Bad(path, $"header length {n} exceeds the file size {bytes.Length} (truncated?)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))?.AsObject() ?? throw Bad(path, "empty header");
        }
        catch (JsonException e)
        {
            throw Bad(path, "header is not valid JSON (not a safetensors file?): " + e.Message);
        }
        var dataStart = 8 + (long)n;
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var code = node?["dtype"]?.GetValue<string>() ?? throw Bad(path, $"'{name}' has no dtype");
            var dtype = StDtype.FirstOrDefault(kv => kv.Value == code).Key;
            if (!StDtype.ContainsValue(code)) throw Bad(path, $"'{name}' has unsupported dtype {code}");
            var shape = node["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            var offs = node["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            long len = offs[1] - offs[0];
            if (len != Elements(shape) * ScalarTypeInfo.ElementSize(dtype)) throw Bad(path, $"'{name}' data size {len} does not match shape [{string.Join(",", shape)}]");
            if (dataStart + offs[1] > bytes.Length) throw Bad(path, $"'{name}' data runs past the end of the file (truncated?)");
            result[name] = FromBytes(bytes.AsSpan((int)(dataStart + offs[0]), (int)len), dtype, shape);
        }
        return result;
    }

    /// <summary>The <c>__metadata__</c> strings of a safetensors file.</summary>
    public static Dictionary<string, string> ReadSafetensorsMetadata(string path)
    {
        var bytes = ReadAll(path);
        if (bytes.Length < 8) throw Bad(path, "shorter than the 8-byte header length");
        var n = BitConverter.ToUInt64(bytes, 0);
        if (n > (ulong)(bytes.Length - 8)) throw Bad(path, "header length exceeds the file size");
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        return header["__metadata__"] is JsonObject m ? m.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>()) : new();
    }

    // ------------------------------------------------------------------ TorchSharp .dat

    /// <summary>Writes TorchSharp's format: LEB128 count; per entry LEB128-length UTF-8 key, dtype code, rank, dims, raw data.</summary>
    public static void SaveDat(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
    {
        var list = tensors.ToList();
        WriteAtomic(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8);
            w.Write7BitEncodedInt64(list.Count);
            foreach (var (name, t) in list)
            {
                w.Write(name);
                w.Write7BitEncodedInt64((long)t.dtype);
                var shape = t.shape;
                w.Write7BitEncodedInt64(shape.Length);
                foreach (var d in shape) w.Write7BitEncodedInt64(d);
                w.Write(ToBytes(t));
            }
        });
    }

    /// <summary>Reads a TorchSharp <c>.dat</c> state dict.</summary>
    public static OrderedDictionary<string, Tensor> LoadDat(string path)
    {
        var bytes = ReadAll(path);
        var result = new OrderedDictionary<string, Tensor>();
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            long count = r.Read7BitEncodedInt64();
            if (count < 0 || count > bytes.Length) throw Bad(path, $"implausible entry count {count} (not a TorchSharp .dat file?)");
            for (long e = 0; e < count; e++)
            {
                var name = r.ReadString();
                var code = r.Read7BitEncodedInt64();
                if (!Enum.IsDefined(typeof(ScalarType), (int)code)) throw Bad(path, $"'{name}' has unknown dtype code {code}");
                var dtype = (ScalarType)code;
                var rank = r.Read7BitEncodedInt64();
                if (rank < 0 || rank > 16) throw Bad(path, $"'{name}' has implausible rank {rank}");
                var shape = new long[rank];
                for (int k = 0; k < rank; k++) shape[k] = r.Read7BitEncodedInt64();
                var len = Elements(shape) * ScalarTypeInfo.ElementSize(dtype);
                if (r.BaseStream.Position + len > bytes.Length) throw Bad(path, $"'{name}' data runs past the end of the file (truncated?)");
                result[name] = FromBytes(bytes.AsSpan((int)r.BaseStream.Position, (int)len), dtype, shape);
                r.BaseStream.Position += len;
            }
        }
        catch (EndOfStreamException)
        {
            throw Bad(path, "unexpected end of file (truncated?)");
        }
        catch (FormatException e)
        {
            throw Bad(path, "corrupt LEB128 integer or string: " + e.Message);
        }
        return result;
    }

    // ------------------------------------------------------------------ PyTorch pickle (torch.save)

    /// <summary>
    /// Reads a file written by Python's <c>torch.save</c> (zip format, PyTorch 1.6 and later) into name → tensor:
    /// the tensors of the top-level dict (a state dict is an <c>OrderedDict</c>; its <c>_metadata</c> is ignored),
    /// with nested dicts flattened under dotted keys, so <c>{"model": {"conv1.weight": w}, "epoch": 3}</c> gives
    /// <c>model.conv1.weight</c>; non-tensor leaves (numbers, strings, lists) are skipped. Tensors come back on the
    /// CPU, contiguous, in file order, one handle per key (a tensor saved under two names shares its memory).
    /// Read by a managed unpickler that only accepts tensors, storages and plain containers: any other pickled
    /// class throws <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static OrderedDictionary<string, Tensor> LoadPth(string path) => PthReader.ReadTensors(path);

    /// <summary>
    /// Reads a <c>torch.save</c> file into its whole object tree: dicts as <c>OrderedDictionary&lt;object, object?&gt;</c>
    /// (keys <c>string</c> or <c>long</c>), lists as <c>List&lt;object?&gt;</c>, tuples as <c>object?[]</c>, sets as
    /// <c>HashSet&lt;object?&gt;</c>, ints as <c>long</c> (<c>BigInteger</c> past 64 bits), floats as <c>double</c>, <c>string</c>, <c>bool</c>,
    /// <c>null</c>, <c>byte[]</c>, <see cref="Device"/> and <see cref="Tensor"/> (CPU, contiguous; the caller disposes
    /// them). Throws <see cref="InvalidDataException"/> naming the file and the problem.
    /// </summary>
    public static object? LoadPthObject(string path) => PthReader.ReadObject(path);

    /// <summary>Writes name → tensor in the format Python's <c>torch.load</c> reads.</summary>
    public static unsafe void SavePth(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
    {
        var list = tensors.ToList();
        var names = list.Select(kv => Marshal.StringToCoTaskMemUTF8(kv.Key)).ToArray();
        var handles = list.Select(kv => kv.Value.Handle).ToArray();
        try
        {
            var tmp = path + ".tmp";
            fixed (IntPtr* np = names)
            fixed (IntPtr* hp = handles)
                Native.Check(Native.dk_pickle_save(tmp, np, hp, list.Count), "save " + path);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            foreach (var p in names) Marshal.FreeCoTaskMem(p);
            GC.KeepAlive(list);
        }
    }

    // ------------------------------------------------------------------ by extension

    /// <summary>Saves by extension: .safetensors, .dat (TorchSharp) or .pth/.pt (PyTorch).</summary>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".safetensors": SaveSafetensors(tensors, path); break;
            case ".dat": SaveDat(tensors, path); break;
            case ".pth" or ".pt": SavePth(tensors, path); break;
            default: throw new ArgumentException($"cannot tell the format of '{path}': use .safetensors, .dat or .pth");
        }
    }

    /// <summary>Loads by extension: .safetensors, .dat (TorchSharp) or .pth/.pt (PyTorch).</summary>
    public static OrderedDictionary<string, Tensor> Load(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => LoadSafetensors(path),
        ".dat" => LoadDat(path),
        ".pth" or ".pt" => LoadPth(path),
        _ => throw new ArgumentException($"cannot tell the format of '{path}': use .safetensors, .dat or .pth"),
    };

    static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        return File.ReadAllBytes(path);
    }

    static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");

    /// <summary>Writes through a temporary file and renames it, so a crash never leaves a half-written file.</summary>
    public static void WriteAtomic(string path, Action<Stream> write)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + ".tmp");
        using (var s = File.Create(tmp)) write(s);
        File.Move(tmp, path, overwrite: true);
    }
}
