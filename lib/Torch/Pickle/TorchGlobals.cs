namespace DistillKit.Torch;

/// <summary>
/// The Python globals a torch.save file may name, and its persistent ids (storages). Only the classes and
/// functions below are allowed; any other global is refused with its name, since loading it would need the
/// Python code that defines it. Tensors are rebuilt on the CPU, whatever device they were saved from.
/// </summary>
internal sealed class TorchGlobals(PthArchive archive)
{
    static readonly Dictionary<string, ScalarType> Storages = new()
    {
        ["FloatStorage"] = ScalarType.Float32, ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16, ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64, ["IntStorage"] = ScalarType.Int32, ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8, ["ByteStorage"] = ScalarType.Byte, ["BoolStorage"] = ScalarType.Bool,
    };

    /// <summary>Every tensor rebuilt so far (the caller disposes them if the load fails).</summary>
    public List<Tensor> Created { get; } = [];

    /// <summary>Resolves GLOBAL module.name, or throws naming it.</summary>
    public object Find(string module, string name)
    {
        if (module == "torch" && Storages.TryGetValue(name, out var dtype)) return new StorageType(name, dtype);
        Func<object?[], object?>? call = (module, name) switch
        {
            ("collections", "OrderedDict") => _ => PyValues.NewDict(),
            ("collections", "defaultdict") => _ => PyValues.NewDict(), // the default factory is not kept
            ("builtins", "dict") => _ => PyValues.NewDict(),
            ("builtins", "list") => _ => new List<object?>(),
            ("builtins", "int") => _ => 0L,
            ("builtins", "float") => _ => 0.0,
            ("builtins", "set" or "frozenset") => args => PyValues.NewSet(args.Length > 0 ? Items(args[0]) : []),
            ("torch", "device") => MakeDevice,
            ("torch", "Size") => args => Arg<object?[]>(args, 0, "torch.Size"),
            ("torch._utils", "_rebuild_tensor_v2") => RebuildTensor,
            ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state") => RebuildParameter,
            // libtorch's own pickler (torch::pickle_save, SavePth) tags typed containers: the value is the first argument
            ("torch.jit._pickle", "restore_type_tag" or "build_intlist" or "build_doublelist" or "build_boollist"
                or "build_tensorlist" or "build_genericlist") => args => Arg<object>(args, 0, name),
            _ => null,
        };
        return call is not null
            ? new PyCallable(module, name, call)
            : throw archive.Bad($"unsupported pickled class {module}.{name}; save a plain state dict " +
                                "(tensors in dicts, lists, numbers and strings) instead");
    }

    /// <summary>BINPERSID: torch writes <c>("storage", storage_type, key, location, numel)</c>.</summary>
    public object? PersistentLoad(object? pid)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] as string != "storage")
            throw archive.Bad($"unsupported persistent id {PyValues.Describe(pid)} (expected a ('storage', ...) tuple)");
        if (t[1] is not StorageType type) throw archive.Bad($"persistent id names {t[1]} as its storage class");
        if (t[2] is not string key || t[3] is not string location || t[4] is not long numel)
            throw archive.Bad("malformed storage persistent id (key, location or size of the wrong type)");
        return new StorageRef(type.Dtype, key, location, numel);
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    object? RebuildTensor(object?[] args)
    {
        const string what = "_rebuild_tensor_v2";
        if (args.Length is < 6 or > 7) throw archive.Bad($"{what} called with {args.Length} arguments");
        var storage = Arg<StorageRef>(args, 0, what);
        var offset = Arg<long>(args, 1, what);
        var size = Longs(Arg<object?[]>(args, 2, what), what);
        var stride = Longs(Arg<object?[]>(args, 3, what), what);
        var requiresGrad = Arg<bool>(args, 4, what);
        var t = archive.Materialize(storage, offset, size, stride);
        Created.Add(t);
        if (requiresGrad) t.requires_grad = true;
        return t;
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks[, state]): a Parameter is a tensor here.
    object? RebuildParameter(object?[] args)
    {
        const string what = "_rebuild_parameter";
        var t = Arg<Tensor>(args, 0, what);
        if (Arg<bool>(args, 1, what)) t.requires_grad = true;
        return t;
    }

    // torch.device('cuda', 0) or torch.device('cpu')
    object? MakeDevice(object?[] args)
    {
        var type = Arg<string>(args, 0, "torch.device");
        return Device.Parse(args.Length > 1 && args[1] is long index ? $"{type}:{index}" : type);
    }

    static IEnumerable<object?> Items(object? o) => o as IEnumerable<object?> ?? throw new InvalidCastException($"cannot make a set of {PyValues.Describe(o)}");

    long[] Longs(object?[] items, string what) =>
        items.Select(x => x is long v ? v : throw archive.Bad($"{what}: a size or stride entry is {PyValues.Describe(x)}")).ToArray();

    T Arg<T>(object?[] args, int k, string what) =>
        k < args.Length && args[k] is T v ? v
            : throw archive.Bad($"{what}: argument {k} is {(k < args.Length ? PyValues.Describe(args[k]) : "missing")}, not {typeof(T).Name}");
}
