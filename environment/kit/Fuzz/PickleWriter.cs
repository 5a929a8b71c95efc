using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace DistillKit.Cli.Fuzz;

/// <summary>
/// Writes pickle opcodes (Python's pickle protocol 2, which <c>torch.save</c> uses) so the fuzz can build
/// <c>.pth</c> files field by field, and crafted ones no writer would produce.
/// </summary>
public sealed class PickleWriter
{
    readonly MemoryStream _s = new();

    public PickleWriter Op(byte op, params byte[] args)
    {
        _s.WriteByte(op);
        _s.Write(args);
        return this;
    }

    public PickleWriter Proto() => Op(0x80, 2);
    public PickleWriter Mark() => Op((byte)'(');
    public PickleWriter Tuple() => Op((byte)'t');
    public PickleWriter EmptyTuple() => Op((byte)')');
    public PickleWriter Reduce() => Op((byte)'R');
    public PickleWriter SetItems() => Op((byte)'u');
    public PickleWriter BinPersid() => Op((byte)'Q');
    public PickleWriter False() => Op(0x89);
    public PickleWriter Stop() => Op((byte)'.');

    /// <summary>GLOBAL: <c>module.name</c>, two newline-terminated lines.</summary>
    public PickleWriter Global(string module, string name) => Op((byte)'c', Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    /// <summary>BINUNICODE: a 4-byte length, then UTF-8.</summary>
    public PickleWriter Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        var len = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, b.Length);
        return Op((byte)'X', [.. len, .. b]);
    }

    /// <summary>BININT1, BININT2 or BININT when the value fits (the unpickler gives an int), else LONG1 (a long).</summary>
    public PickleWriter Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K', (byte)v);
        if (v is >= 0 and < 65536) return Op((byte)'M', (byte)v, (byte)(v >> 8));
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            return Op((byte)'J', b);
        }
        var bytes = new BigInteger(v).ToByteArray(); // little-endian two's complement, as LONG1 stores it
        return Op(0x8a, [(byte)bytes.Length, .. bytes]);
    }

    /// <summary>A tuple of integers: MARK, the values, TUPLE.</summary>
    public PickleWriter IntTuple(IEnumerable<long> values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    public byte[] ToArray() => _s.ToArray();

    /// <summary>One tensor of a <c>torch.save</c> state dict: its name, storage (type, archive key, elements) and view.</summary>
    public sealed record TensorSpec(string Name, string Storage, string Key, long Numel, long Offset, long[] Shape, long[] Stride, byte[] Data);

    /// <summary>
    /// The pickle <c>torch.save(state_dict)</c> writes: an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls
    /// on persistent storages <c>('storage', torch.&lt;Type&gt;Storage, key, 'cpu', numel)</c>.
    /// </summary>
    public static byte[] StateDict(IEnumerable<TensorSpec> tensors, Action<PickleWriter>? inject = null)
    {
        var w = new PickleWriter().Proto();
        inject?.Invoke(w);
        w.Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark();
        foreach (var t in tensors)
        {
            w.Str(t.Name).Global("torch._utils", "_rebuild_tensor_v2").Mark();
            w.Mark().Str("storage").Global("torch", t.Storage).Str(t.Key).Str("cpu").Int(t.Numel).Tuple().BinPersid();
            w.Int(t.Offset).IntTuple(t.Shape).IntTuple(t.Stride).False();
            w.Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
        }
        return w.SetItems().Stop().ToArray();
    }

    /// <summary>A zip as <c>torch.save</c> lays it out: <c>archive/data.pkl</c>, <c>archive/version</c>, <c>archive/data/KEY</c>.</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Data)> entries, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, level).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }
}
