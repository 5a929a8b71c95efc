using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DistillKit.Torch;

namespace DistillKit.Tests.Torch;

/// <summary>
/// One operator case written by tests/reference/make_op_golden.py: the op name, its arguments, and named
/// tensors (<c>in.*</c> inputs, <c>out.k</c> outputs, <c>w.k</c> output weights, <c>grad.*</c> input gradients).
/// File layout: "DKG1", uint32 LE header length, UTF-8 JSON header, raw little-endian tensor data.
/// </summary>
public sealed class GoldenCase
{
    /// <summary>Where one tensor lies in the file.</summary>
    public sealed record Entry(string Name, string Dtype, long[] Shape, int Offset);

    readonly byte[] _bytes;
    readonly int _dataStart;
    readonly Dictionary<string, Entry> _entries;

    public string Family { get; }
    public string Name { get; }
    public string Op { get; }
    public JsonElement Args { get; }

    /// <summary>Names of the inputs the reference differentiated.</summary>
    public string[] Grads { get; }

    /// <summary>Input names in file order (without the <c>in.</c> prefix).</summary>
    public IReadOnlyList<string> Inputs { get; }

    GoldenCase(string path)
    {
        _bytes = File.ReadAllBytes(path);
        if (_bytes.Length < 8 || Encoding.ASCII.GetString(_bytes, 0, 4) != "DKG1")
            throw new InvalidDataException($"{path}: not a DKG1 golden file");
        int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(4));
        _dataStart = 8 + headerLength;
        using var doc = JsonDocument.Parse(_bytes.AsMemory(8, headerLength));
        var root = doc.RootElement;
        Family = root.GetProperty("family").GetString()!;
        Name = root.GetProperty("name").GetString()!;
        Op = root.GetProperty("op").GetString()!;
        Args = root.GetProperty("args").Clone();
        Grads = root.GetProperty("grads").EnumerateArray().Select(e => e.GetString()!).ToArray();
        _entries = root.GetProperty("tensors").EnumerateArray().Select(e => new Entry(
            e.GetProperty("name").GetString()!, e.GetProperty("dtype").GetString()!,
            e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
            e.GetProperty("offset").GetInt32())).ToDictionary(e => e.Name);
        Inputs = _entries.Keys.Where(k => k.StartsWith("in.")).Select(k => k[3..]).ToList();
    }

    public static GoldenCase Read(string path) => new(path);

    public override string ToString() => $"{Family}/{Name} ({Op})";

    public bool Has(string tensorName) => _entries.ContainsKey(tensorName);

    public Entry this[string tensorName] => _entries.TryGetValue(tensorName, out var e)
        ? e : throw new KeyNotFoundException($"{this}: no tensor '{tensorName}' in the golden file");

    /// <summary>The stored values as doubles (bool as 0/1), row-major.</summary>
    public double[] Values(string tensorName)
    {
        var e = this[tensorName];
        var span = Bytes(e);
        return e.Dtype switch
        {
            "float32" => MemoryMarshal.Cast<byte, float>(span).ToArray().Select(v => (double)v).ToArray(),
            "float64" => MemoryMarshal.Cast<byte, double>(span).ToArray(),
            "int64" => MemoryMarshal.Cast<byte, long>(span).ToArray().Select(v => (double)v).ToArray(),
            "bool" => span.ToArray().Select(v => (double)v).ToArray(),
            _ => throw new InvalidDataException($"{this}: unknown dtype {e.Dtype}"),
        };
    }

    /// <summary>The stored tensor as a new kit tensor with the stored dtype and shape.</summary>
    public Tensor Load(string tensorName)
    {
        var e = this[tensorName];
        var span = Bytes(e);
        // from_array treats an empty shape as 1-D, so 0-d tensors are read as [1] and reshaped.
        long[] shape = e.Shape.Length == 0 ? [1] : e.Shape;
        var t = e.Dtype switch
        {
            "float32" => torch.from_array(MemoryMarshal.Cast<byte, float>(span).ToArray(), shape),
            "float64" => torch.from_array(MemoryMarshal.Cast<byte, double>(span).ToArray(), shape),
            "int64" => torch.from_array(MemoryMarshal.Cast<byte, long>(span).ToArray(), shape),
            "bool" => torch.from_array(span.ToArray().Select(v => v != 0).ToArray(), shape),
            _ => throw new InvalidDataException($"{this}: unknown dtype {e.Dtype}"),
        };
        return e.Shape.Length == 0 ? t.reshape() : t;
    }

    public static ScalarType DtypeOf(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        "int64" => ScalarType.Int64,
        "bool" => ScalarType.Bool,
        _ => throw new InvalidDataException($"unknown dtype {name}"),
    };

    ReadOnlySpan<byte> Bytes(Entry e)
    {
        long n = e.Shape.Aggregate(1L, (a, b) => a * b) * (e.Dtype switch { "float64" or "int64" => 8, "bool" => 1, _ => 4 });
        return _bytes.AsSpan(_dataStart + e.Offset, (int)n);
    }

    // ------------------------------------------------------------------ arguments

    public bool HasArg(string key) => Args.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    JsonElement Arg(string key) => Args.TryGetProperty(key, out var v)
        ? v : throw new KeyNotFoundException($"{this}: no argument '{key}'");

    public long L(string key) => Arg(key).GetInt64();
    public long? OptL(string key) => HasArg(key) ? L(key) : null;
    public double D(string key) => Arg(key).GetDouble();
    public double? OptD(string key) => HasArg(key) ? D(key) : null;
    public bool B(string key) => Arg(key).GetBoolean();
    public bool? OptB(string key) => HasArg(key) ? B(key) : null;
    public string S(string key) => Arg(key).GetString()!;
    public bool IsList(string key) => Arg(key).ValueKind == JsonValueKind.Array;
    public long[] Ls(string key) => Arg(key).EnumerateArray().Select(v => v.GetInt64()).ToArray();
    public long[]? OptLs(string key) => HasArg(key) ? Ls(key) : null;

    /// <summary>A number argument as the reference passed it: an integer scalar when written without a point.</summary>
    public Scalar Num(string key)
    {
        var v = Arg(key);
        var raw = v.GetRawText();
        return raw.Contains('.') || raw.Contains('e') || raw.Contains('E') ? v.GetDouble() : v.GetInt64();
    }

    public Scalar? OptNum(string key) => HasArg(key) ? Num(key) : null;
}
