using System.IO.Compression;
using System.Text;

namespace DistillKit.Torch;

/// <summary>
/// The zip container of <c>torch.save</c> (PyTorch 1.6 and later): <c>PREFIX/data.pkl</c> (the pickled object),
/// <c>PREFIX/data/KEY</c> (one raw little-endian storage per key), <c>PREFIX/version</c> and maybe
/// <c>PREFIX/byteorder</c>, where PREFIX is the archive's single top folder (any name). Every problem throws
/// <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal sealed class PthArchive : IDisposable
{
    readonly ZipArchive _zip;
    readonly string _prefix;
    string? _lastKey;      // storages are read whole; tensors sharing one are usually adjacent in the pickle
    byte[]? _lastBytes;

    public string Path { get; }

    PthArchive(string path, ZipArchive zip, string prefix)
    {
        Path = path;
        _zip = zip;
        _prefix = prefix;
    }

    /// <summary>Opens the archive and checks that it is a torch.save file.</summary>
    public static PthArchive Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        var stream = File.OpenRead(path);
        ZipArchive? zip = null;
        try
        {
            var head = new byte[4];
            int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            stream.Position = 0;
            if (n < 4 || head[0] != (byte)'P' || head[1] != (byte)'K')
                throw Bad(path, n > 0 && head[0] == 0x80
                    ? "legacy torch.save format (a bare pickle, PyTorch < 1.6): re-save it in Python with " +
                      "torch.save(torch.load(path), path, _use_new_zipfile_serialization=True)"
                    : "not a zip archive, so not a torch.save file (legacy files written before PyTorch 1.6 must be " +
                      "re-saved with torch.save(..., _use_new_zipfile_serialization=True))");
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            }
            catch (InvalidDataException e)
            {
                throw Bad(path, "corrupt or truncated zip archive: " + e.Message);
            }
            var names = zip.Entries.Select(e => e.FullName).ToList();
            var pkl = names.FirstOrDefault(f => f.EndsWith("/data.pkl", StringComparison.Ordinal) && f.IndexOf('/') == f.Length - 9);
            if (pkl is null)
                throw Bad(path, "the zip archive holds no FOLDER/data.pkl, so it is not a torch.save file" +
                    (names.Any(f => f.EndsWith("/constants.pkl")) ? " (it is a TorchScript archive: save model.state_dict() instead)" : ""));
            var archive = new PthArchive(path, zip, pkl[..^"data.pkl".Length]);
            archive.CheckByteOrder();
            return archive;
        }
        catch
        {
            zip?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of <c>data.pkl</c>.</summary>
    public byte[] ReadPickle() => ReadEntry(_prefix + "data.pkl", "the pickle");

    /// <summary>
    /// The tensor <c>storage.as_strided(size, stride, offset)</c> in compact row-major memory of its own, on the CPU.
    /// </summary>
    public Tensor Materialize(StorageRef storage, long offset, long[] size, long[] stride)
    {
        if (size.Length != stride.Length) throw Bad($"a tensor of storage {storage.Key} has {size.Length} sizes but {stride.Length} strides");
        if (offset < 0 || size.Any(s => s < 0) || stride.Any(s => s < 0))
            throw Bad($"a tensor of storage {storage.Key} has a negative offset, size or stride");
        int es = ScalarTypeInfo.ElementSize(storage.Dtype);
        var bytes = StorageBytes(storage.Key);
        if (bytes.Length % es != 0) throw Bad($"storage {storage.Key} holds {bytes.Length} bytes, not a whole number of {storage.Dtype} elements");
        long available = bytes.Length / es;
        long numel = checked(size.Aggregate(1L, (a, b) => a * b));
        if (numel == 0) return Serialization.FromBytes([], storage.Dtype, size);
        long extent = checked(offset + 1 + size.Zip(stride).Sum(p => (p.First - 1) * p.Second));
        if (extent > available)
            throw Bad($"a tensor needs {extent} elements of storage {storage.Key} but it holds {available} (truncated?)");
        if (IsContiguous(size, stride))
            return Serialization.FromBytes(bytes.AsSpan((int)(offset * es), (int)(numel * es)), storage.Dtype, size);
        // a strided view (a transpose, a column, ...): let libtorch gather it
        using var flat = Serialization.FromBytes(bytes, storage.Dtype, [available]);
        using var view = Call.Start().T(flat).Ints(size).Ints(stride).I(offset).Tensor(Op.Get("aten::as_strided"));
        return view.contiguous();
    }

    /// <summary>Row-major strides (dimensions of size 1 may have any stride), as libtorch's is_contiguous decides.</summary>
    static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] == 1) continue;
            if (stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }

    byte[] StorageBytes(string key)
    {
        if (key != _lastKey)
        {
            _lastBytes = ReadEntry(_prefix + "data/" + key, $"storage {key}");
            _lastKey = key;
        }
        return _lastBytes!;
    }

    byte[] ReadEntry(string name, string what)
    {
        var entry = _zip.GetEntry(name) ?? throw Bad($"{what} (zip entry {name}) is missing from the archive (truncated or edited?)");
        if (entry.Length > Array.MaxLength) throw Bad($"{what} is {entry.Length} bytes, more than this reader can hold in one array");
        try
        {
            using var s = entry.Open();
            var bytes = new byte[entry.Length];
            s.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw Bad($"cannot read {what} (zip entry {name}): {e.Message}");
        }
    }

    void CheckByteOrder()
    {
        var entry = _zip.GetEntry(_prefix + "byteorder");
        if (entry is null) return;
        var order = Encoding.ASCII.GetString(ReadEntry(entry.FullName, "the byte order")).Trim();
        if (order != "little") throw Bad($"storages are {order}-endian; only little-endian files are supported");
    }

    /// <summary>An error naming this file.</summary>
    public InvalidDataException Bad(string what) => Bad(Path, what);

    static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");

    public void Dispose() => _zip.Dispose();
}
