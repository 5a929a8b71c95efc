using System.Collections;

namespace DistillKit.Torch;

/// <summary>
/// A Python global the reader allows (a class or function named by GLOBAL / STACK_GLOBAL), callable by
/// REDUCE and NEWOBJ with the unpickled argument tuple.
/// </summary>
internal sealed class PyCallable(string module, string name, Func<object?[], object?> call)
{
    public string FullName { get; } = module + "." + name;

    public object? Invoke(object?[] args) => call(args);

    public override string ToString() => FullName;
}

/// <summary>A torch storage class (<c>torch.FloatStorage</c>, ...): only names the element type of a storage.</summary>
internal sealed record StorageType(string Name, ScalarType Dtype);

/// <summary>
/// A storage named by a persistent id <c>("storage", type, key, location, numel)</c>: its bytes are the archive
/// entry <c>data/KEY</c>, read when a tensor is rebuilt from it.
/// </summary>
internal sealed record StorageRef(ScalarType Dtype, string Key, string Location, long Numel);

/// <summary>
/// Python-like key equality for unpickled dicts and sets: values as usual, tuples (<c>object?[]</c>) element by
/// element.
/// </summary>
internal sealed class PyKeyComparer : IEqualityComparer<object?>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? a, object? b) => a is object?[] x && b is object?[] y
        ? x.Length == y.Length && x.Zip(y).All(p => Equals(p.First, p.Second))
        : object.Equals(a, b);

    public int GetHashCode(object? o)
    {
        if (o is not object?[] items) return o?.GetHashCode() ?? 0;
        var h = new HashCode();
        foreach (var item in items) h.Add(GetHashCode(item));
        return h.ToHashCode();
    }
}

/// <summary>Constructors and descriptions of the containers the reader returns.</summary>
internal static class PyValues
{
    /// <summary>A Python dict (insertion-ordered, as Python's are).</summary>
    public static OrderedDictionary<object, object?> NewDict() => new(PyKeyComparer.Instance);

    /// <summary>A Python set or frozenset.</summary>
    public static HashSet<object?> NewSet(IEnumerable<object?> items) => new(items, PyKeyComparer.Instance);

    /// <summary>How an error message names a value: its Python-like kind.</summary>
    public static string Describe(object? v) => v switch
    {
        null => "None",
        Tensor => "a tensor",
        IDictionary => "a dict",
        object?[] => "a tuple",
        byte[] => "bytes",
        IList => "a list",
        HashSet<object?> => "a set",
        string => "a string",
        bool => "a bool",
        long or System.Numerics.BigInteger => "an int",
        double => "a float",
        _ => v.GetType().Name,
    };

    /// <summary>Every tensor reachable from <paramref name="root"/> (each once, cycles allowed).</summary>
    public static IEnumerable<Tensor> Tensors(object? root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var todo = new Stack<object?>();
        todo.Push(root);
        while (todo.Count > 0)
        {
            var v = todo.Pop();
            if (v is null or string or byte[] || !seen.Add(v)) continue;
            switch (v)
            {
                case Tensor t: yield return t; break;
                case IDictionary d:
                    foreach (DictionaryEntry e in d) { todo.Push(e.Key); todo.Push(e.Value); }
                    break;
                case IEnumerable items:
                    foreach (var item in items) todo.Push(item);
                    break;
            }
        }
    }
}
