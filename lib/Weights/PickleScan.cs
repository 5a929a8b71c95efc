using System.Buffers.Binary;
using System.IO.Compression;

namespace DistillKit.Weights;

/// <summary>
/// Checks a <c>torch.save</c> zip before TorchSharp.PyBridge unpickles it. Its unpickler (Razorvine.Pickle) allocates a
/// buffer of whatever length a string or bytes opcode declares (up to 2 GiB) before reading a byte, and reads
/// <c>data.pkl</c> however large it inflates; so the kit walks the opcodes first and refuses a declared length that
/// runs past the pickle's end, a pickle over <see cref="MaxPickleBytes"/>, and anything that is not a pickle.
/// </summary>
internal static class PickleScan
{
    /// <summary>The largest <c>data.pkl</c> read: a state dict's pickle holds names and shapes only (kilobytes).</summary>
    internal const int MaxPickleBytes = 64 << 20;

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> when its <c>data.pkl</c> is not a sound
    /// pickle; a broken zip throws the archive reader's own exceptions (the caller names the file).
    /// </summary>
    internal static void Check(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal)) // the entry PyBridge takes
            ?? throw new InvalidDataException($"{path}: no data.pkl in the archive: not a torch.save file");
        if (entry.Length > MaxPickleBytes) // guards a data.pkl declared (or inflating) to gigabytes
            throw new InvalidDataException($"{path}: data.pkl declares {entry.Length} bytes, over the {MaxPickleBytes >> 20} MiB a state dict's pickle can need");
        Walk(ReadCapped(entry, path), path);
    }

    static byte[] ReadCapped(ZipArchiveEntry entry, string path)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        for (int n; (n = s.Read(buffer)) > 0;)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > MaxPickleBytes) throw new InvalidDataException($"{path}: data.pkl inflates to over {MaxPickleBytes >> 20} MiB");
        }
        return ms.ToArray();
    }

    /// <summary>Walks the opcodes (pickle protocols 0–5) up to STOP, checking that every argument lies inside the pickle.</summary>
    static void Walk(byte[] p, string path)
    {
        int pos = 0;
        while (pos < p.Length)
        {
            int at = pos;
            byte op = p[pos++];
            if (op == (byte)'.') return; // STOP
            long need = op switch
            {
                (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'R' or (byte)'a' or (byte)'b' or (byte)'d' or (byte)'}'
                    or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')' or (byte)'u' or (byte)'Q'
                    or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x93 or 0x94 or 0x97 or 0x98 => 0,
                (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => 1,
                (byte)'M' or 0x83 => 2,
                (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => 4,
                (byte)'G' or 0x95 => 8,
                (byte)'I' or (byte)'L' or (byte)'F' or (byte)'S' or (byte)'V' or (byte)'P' or (byte)'g' or (byte)'p' => Line(p, pos, 1),
                (byte)'c' or (byte)'i' => Line(p, pos, 2),
                (byte)'U' or 0x8c or (byte)'C' or 0x8a => Prefixed(p, pos, 1),
                (byte)'T' or (byte)'X' or (byte)'B' or 0x8b => Prefixed(p, pos, 4),
                0x8d or 0x8e or 0x96 => Prefixed(p, pos, 8),
                _ => throw new InvalidDataException($"{path}: data.pkl: unknown pickle opcode 0x{op:X2} at offset {at}"),
            };
            if (need < 0 || need > p.Length - pos) // guards a crafted length that the unpickler would allocate before reading
                throw new InvalidDataException($"{path}: data.pkl: opcode 0x{op:X2} at offset {at} declares {(need < 0 ? "a negative length" : need + " bytes")}, " +
                    $"but only {p.Length - pos} remain: truncated or corrupt");
            pos += (int)need;
        }
        throw new InvalidDataException($"{path}: data.pkl ends without the STOP opcode: truncated or corrupt");
    }

    /// <summary>Bytes taken by <paramref name="lines"/> newline-terminated lines from <paramref name="pos"/>, or past the end when one is not terminated.</summary>
    static long Line(byte[] p, int pos, int lines)
    {
        int end = pos;
        for (int k = 0; k < lines; k++)
        {
            int nl = Array.IndexOf(p, (byte)'\n', end);
            if (nl < 0) return long.MaxValue;
            end = nl + 1;
        }
        return end - pos;
    }

    /// <summary>Bytes taken by a <paramref name="size"/>-byte little-endian length and the data it announces.</summary>
    static long Prefixed(byte[] p, int pos, int size)
    {
        if (p.Length - pos < size) return long.MaxValue;
        long len = size switch
        {
            1 => p[pos],
            4 => BinaryPrimitives.ReadInt32LittleEndian(p.AsSpan(pos)),
            _ => BinaryPrimitives.ReadInt64LittleEndian(p.AsSpan(pos)),
        };
        return len < 0 || len > long.MaxValue - size ? -1 : size + len;
    }
}
