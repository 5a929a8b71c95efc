using static TorchSharp.torch;

namespace DistillKit.Weights;

/// <summary>
/// Checks a TorchSharp <c>.dat</c> file (<c>Module.save</c>: LEB128 entry count; per entry a length-prefixed name, the
/// LEB128 dtype, rank and sizes, then the raw data) before <c>Module.load</c> reads it. TorchSharp allocates an array
/// of whatever rank the file declares before reading a size, so the kit walks the file first and refuses a rank over
/// 64, a name, dtype or data size that runs past the end of the file.
/// </summary>
internal static class DatScan
{
    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="path"/> when its layout does not fit the file.</summary>
    internal static void Check(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        long length = reader.BaseStream.Length;
        long Left() => length - reader.BaseStream.Position;
        InvalidDataException Bad(string what) => new($"{path}: {what} (a TorchSharp .dat file cut short or corrupt)");
        long Leb(string what)
        {
            long v = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (Left() <= 0) throw Bad($"the file ends inside {what}");
                int b = reader.ReadByte();
                if (shift > 56) throw Bad($"{what} is not a valid LEB128 number");
                v |= (long)(b & 0x7f) << shift;
                if ((b & 0x80) == 0) return v;
            }
        }
        long entries = Leb("the entry count");
        for (long i = 0; i < entries; i++)
        {
            if (Left() <= 0) throw Bad($"it declares {entries} entries but ends after {i}");
            long nameBytes = Leb($"the length of name {i}");
            if (nameBytes > Left()) throw Bad($"name {i} declares {nameBytes} bytes, {Left()} remain");
            reader.BaseStream.Seek(nameBytes, SeekOrigin.Current);
            long size = ElementSize(Leb($"the dtype of entry {i}"));
            if (size == 0) throw Bad($"entry {i} has an unknown dtype");
            long rank = Leb($"the rank of entry {i}");
            if (rank > 64) throw Bad($"entry {i} declares {rank} dimensions"); // guards the array TorchSharp allocates for the sizes
            long bytes = size;
            for (long d = 0; d < rank; d++)
            {
                long n = Leb($"size {d} of entry {i}");
                bytes = n == 0 || bytes == 0 ? 0 : bytes > length / n ? length + 1 : bytes * n;
            }
            if (bytes > Left()) throw Bad($"entry {i} declares {(bytes > length ? "more bytes than the file holds" : bytes + " bytes")}, {Left()} remain");
            reader.BaseStream.Seek(bytes, SeekOrigin.Current);
        }
    }

    /// <summary>Bytes per element of a TorchSharp <see cref="ScalarType"/> code; 0 when unknown.</summary>
    static long ElementSize(long code) => code switch
    {
        (long)ScalarType.Byte or (long)ScalarType.Int8 or (long)ScalarType.Bool => 1,
        (long)ScalarType.Int16 or (long)ScalarType.Float16 or (long)ScalarType.BFloat16 => 2,
        (long)ScalarType.Int32 or (long)ScalarType.Float32 => 4,
        (long)ScalarType.Int64 or (long)ScalarType.Float64 or (long)ScalarType.ComplexFloat32 => 8,
        (long)ScalarType.ComplexFloat64 => 16,
        _ => 0,
    };
}
