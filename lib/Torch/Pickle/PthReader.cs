using System.Collections;
using System.Globalization;

namespace DistillKit.Torch;

/// <summary>
/// Reads <c>torch.save</c> files without Python: the zip container (<see cref="PthArchive"/>), the pickle
/// (<see cref="Unpickler"/>) and the torch globals it may name (<see cref="TorchGlobals"/>).
/// </summary>
internal static class PthReader
{
    /// <summary>The whole pickled object (see <see cref="Serialization.LoadPthObject"/>).</summary>
    public static object? ReadObject(string path)
    {
        using var archive = PthArchive.Open(path);
        var globals = new TorchGlobals(archive);
        try
        {
            return new Unpickler(archive.ReadPickle(), path, globals.Find, globals.PersistentLoad).Load();
        }
        catch
        {
            foreach (var t in globals.Created) t.Dispose();
            throw;
        }
    }

    /// <summary>The tensors of a top-level dict, nested dicts flattened (see <see cref="Serialization.LoadPth"/>).</summary>
    public static OrderedDictionary<string, Tensor> ReadTensors(string path)
    {
        var root = ReadObject(path);
        var result = new OrderedDictionary<string, Tensor>();
        var kept = new HashSet<object>(ReferenceEqualityComparer.Instance);
        try
        {
            if (root is not IDictionary dict)
                throw new InvalidDataException($"{path}: holds {PyValues.Describe(root)}, not a dict of tensors; read it with Serialization.LoadPthObject");
            Flatten(path, dict, "", result, kept, new HashSet<object>(ReferenceEqualityComparer.Instance));
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            kept.Clear();
            throw;
        }
        finally
        {
            // tensors that are not returned (in lists, tuples, ...) are freed now rather than by the finalizer
            foreach (var t in PyValues.Tensors(root))
                if (!kept.Contains(t)) t.Dispose();
        }
        return result;
    }

    static void Flatten(string path, IDictionary dict, string prefix, OrderedDictionary<string, Tensor> into,
                        HashSet<object> kept, HashSet<object> visiting)
    {
        if (!visiting.Add(dict)) return; // a dict that contains itself
        foreach (DictionaryEntry e in dict)
        {
            if (e.Value is not (Tensor or IDictionary)) continue; // epoch, lr, names, lists: not tensors
            var name = prefix + KeyText(path, e.Key);
            if (into.ContainsKey(name))
                throw new InvalidDataException($"{path}: the key '{name}' occurs twice once nested dicts are flattened; read it with Serialization.LoadPthObject");
            if (e.Value is Tensor t)
                into[name] = kept.Add(t) ? t : t.alias(); // a tensor saved under two names (tied weights) gets a second handle
            else
                Flatten(path, (IDictionary)e.Value, name + ".", into, kept, visiting);
        }
        visiting.Remove(dict);
    }

    static string KeyText(string path, object key) => key switch
    {
        string s => s,
        long or System.Numerics.BigInteger => Convert.ToString(key, CultureInfo.InvariantCulture)!,
        _ => throw new InvalidDataException($"{path}: a dict key is {PyValues.Describe(key)}, which cannot name a tensor; read it with Serialization.LoadPthObject"),
    };
}
