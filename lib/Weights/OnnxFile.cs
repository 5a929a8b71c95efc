using System.Buffers.Binary;
using Google.Protobuf;

namespace DistillKit.Weights;

/// <summary>An attribute of an ONNX node: the fields the kit reads (ints, one float, one int, one string).</summary>
public sealed record OnnxAttribute(string Name, long[] Ints, float? Float, long? Int, string? Text);

/// <summary>One node of an ONNX graph: operator, tensor names in and out, attributes by name.</summary>
public sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The integers of attribute <paramref name="name"/>, or <paramref name="fallback"/> when the node has none.</summary>
    public long[] Ints(string name, params long[] fallback) => Attributes.TryGetValue(name, out var a) ? a.Ints : fallback;

    /// <summary>The integer of attribute <paramref name="name"/>, or <paramref name="fallback"/> when the node has none.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) && a.Int is { } v ? v : fallback;
}

/// <summary>A float32 initializer (a weight) of an ONNX graph, row-major.</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[] Data);

/// <summary>
/// An ONNX model's graph as the kit reads it: nodes in file order, float32 initializers by name, the names of the graph's
/// inputs (initializers excluded) and outputs, and the producer ("CNTK 2.6").
/// </summary>
public sealed record OnnxGraph(string Path, string Producer, IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyDictionary<string, OnnxTensor> Initializers, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>
/// Reads the graph of an ONNX model file (a protobuf <c>ModelProto</c>) with Google.Protobuf's wire-format reader, which
/// TorchSharp already brings: only the fields the kit needs (ModelProto.graph and producer; GraphProto node, initializer,
/// input, output; NodeProto input, output, name, op_type, attribute; AttributeProto name, f, i, s, ints; TensorProto
/// dims, data_type, float_data, name, raw_data, data_location), every other field skipped. Float32 initializers only,
/// stored inline (float_data or little-endian raw_data). A file that is not such a model gives an
/// <see cref="InvalidDataException"/> that names it.
/// </summary>
public static class OnnxFile
{
    const int FloatType = 1, ExternalLocation = 1;

    /// <summary>Reads <paramref name="path"/>; throws <see cref="FileNotFoundException"/> or <see cref="InvalidDataException"/> naming it.</summary>
    public static OnnxGraph Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such ONNX file: {path}", path);
        try
        {
            return ReadModel(path, new CodedInputStream(File.ReadAllBytes(path)));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a readable ONNX model ({e.Message})", e);
        }
    }

    static OnnxGraph ReadModel(string path, CodedInputStream input)
    {
        string producer = "", version = "";
        ByteString? graph = null;
        for (uint tag; (tag = input.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 2 when IsLength(tag): producer = input.ReadString(); break;
                case 3 when IsLength(tag): version = input.ReadString(); break;
                case 7 when IsLength(tag): graph = input.ReadBytes(); break; // one graph per model
                default: input.SkipLastField(); break;
            }
        if (graph is null) throw new InvalidDataException($"{path}: holds no ONNX graph (ModelProto field 7); is it an ONNX model?");
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var g = graph.CreateCodedInput();
        for (uint tag; (tag = g.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLength(tag): nodes.Add(ReadNode(g.ReadBytes().CreateCodedInput())); break;
                case 5 when IsLength(tag):
                    var t = ReadTensor(path, g.ReadBytes().CreateCodedInput());
                    if (!initializers.TryAdd(t.Name, t)) throw new InvalidDataException($"{path}: initializer '{t.Name}' appears twice");
                    break;
                case 11 when IsLength(tag): inputs.Add(ReadValueInfoName(g.ReadBytes().CreateCodedInput())); break;
                case 12 when IsLength(tag): outputs.Add(ReadValueInfoName(g.ReadBytes().CreateCodedInput())); break;
                default: g.SkipLastField(); break;
            }
        inputs.RemoveAll(initializers.ContainsKey); // IR version 3 lists the initializers among the inputs
        return new OnnxGraph(path, $"{producer} {version}".Trim(), nodes, initializers, inputs, outputs);
    }

    static OnnxNode ReadNode(CodedInputStream n)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string name = "", op = "";
        var attributes = new Dictionary<string, OnnxAttribute>();
        for (uint tag; (tag = n.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLength(tag): inputs.Add(n.ReadString()); break;
                case 2 when IsLength(tag): outputs.Add(n.ReadString()); break;
                case 3 when IsLength(tag): name = n.ReadString(); break;
                case 4 when IsLength(tag): op = n.ReadString(); break;
                case 5 when IsLength(tag):
                    var a = ReadAttribute(n.ReadBytes().CreateCodedInput());
                    attributes[a.Name] = a;
                    break;
                default: n.SkipLastField(); break;
            }
        return new OnnxNode(name, op, [.. inputs], [.. outputs], attributes);
    }

    static OnnxAttribute ReadAttribute(CodedInputStream a)
    {
        string name = "";
        string? text = null;
        float? f = null;
        long? i = null;
        var ints = new List<long>();
        for (uint tag; (tag = a.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when IsLength(tag): name = a.ReadString(); break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Fixed32: f = a.ReadFloat(); break;
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint: i = a.ReadInt64(); break;
                case 4 when IsLength(tag): text = a.ReadBytes().ToStringUtf8(); break;
                case 8: ReadInt64s(a, tag, ints); break;
                default: a.SkipLastField(); break;
            }
        return new OnnxAttribute(name, [.. ints], f, i, text);
    }

    static OnnxTensor ReadTensor(string path, CodedInputStream t)
    {
        var dims = new List<long>();
        long type = 0, location = 0;
        string name = "";
        List<float>? floats = null;
        ByteString? raw = null;
        for (uint tag; (tag = t.ReadTag()) != 0;)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadInt64s(t, tag, dims); break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint: type = t.ReadInt64(); break;
                case 4: ReadFloats(t, tag, floats ??= []); break;
                case 8 when IsLength(tag): name = t.ReadString(); break;
                case 9 when IsLength(tag): raw = t.ReadBytes(); break;
                case 14 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint: location = t.ReadInt64(); break;
                default: t.SkipLastField(); break;
            }
        string What(string s) => $"{path}: initializer '{name}' {s}";
        if (type != FloatType) throw new InvalidDataException(What($"has ONNX data type {type}; the kit reads float32 (1) only"));
        if (location == ExternalLocation) throw new InvalidDataException(What("keeps its data in an external file, which the kit does not read"));
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0 || (d > 0 && count > int.MaxValue / d)) throw new InvalidDataException(What($"has dims [{string.Join(",", dims)}]"));
            count *= d;
        }
        float[] data;
        if (raw is not null && !raw.IsEmpty)
        {
            if (raw.Length != count * 4) throw new InvalidDataException(What($"holds {raw.Length} raw bytes for dims [{string.Join(",", dims)}] ({count * 4} expected)"));
            data = new float[count];
            var span = raw.Span;
            for (int k = 0; k < data.Length; k++) data[k] = BinaryPrimitives.ReadSingleLittleEndian(span[(4 * k)..]);
        }
        else
        {
            data = floats is null ? [] : [.. floats];
            if (data.Length != count) throw new InvalidDataException(What($"holds {data.Length} values for dims [{string.Join(",", dims)}] ({count} expected)"));
        }
        return new OnnxTensor(name, [.. dims], data);
    }

    static string ReadValueInfoName(CodedInputStream v)
    {
        string name = "";
        for (uint tag; (tag = v.ReadTag()) != 0;)
            if (WireFormat.GetTagFieldNumber(tag) == 1 && IsLength(tag)) name = v.ReadString();
            else v.SkipLastField();
        return name;
    }

    /// <summary>A repeated int64 field, packed (one length-delimited run) or one varint per tag.</summary>
    static void ReadInt64s(CodedInputStream s, uint tag, List<long> into)
    {
        if (!IsLength(tag))
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.Varint) { s.SkipLastField(); return; }
            into.Add(s.ReadInt64());
            return;
        }
        var packed = s.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd) into.Add(packed.ReadInt64());
    }

    /// <summary>A repeated float field, packed (little-endian float32 run) or one fixed32 per tag.</summary>
    static void ReadFloats(CodedInputStream s, uint tag, List<float> into)
    {
        if (!IsLength(tag))
        {
            if (WireFormat.GetTagWireType(tag) != WireFormat.WireType.Fixed32) { s.SkipLastField(); return; }
            into.Add(s.ReadFloat());
            return;
        }
        var bytes = s.ReadBytes().Span;
        if (bytes.Length % 4 != 0) throw new FormatException($"a packed float run of {bytes.Length} bytes, not a multiple of 4");
        into.EnsureCapacity(into.Count + bytes.Length / 4);
        for (int k = 0; k < bytes.Length; k += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[k..]));
    }

    static bool IsLength(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
}
