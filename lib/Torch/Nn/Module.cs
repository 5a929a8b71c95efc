using System.Collections.Concurrent;
using System.Reflection;

namespace DistillKit.Torch.Modules;

/// <summary>A trainable tensor owned by a module (leaf, requires_grad, never in a dispose scope).</summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps the data of <paramref name="data"/> (which the caller may dispose afterwards) as a parameter.</summary>
    public Parameter(Tensor data, bool requires_grad = true) : base(Detached(data))
    {
        DetachFromDisposeScope();
        this.requires_grad = requires_grad;
    }

    static IntPtr Detached(Tensor data)
    {
        using var d = data.detach();
        return Native.CheckHandle(Native.dk_alias(d.Handle), "Parameter");
    }
}

/// <summary>
/// Base of all network modules, like PyTorch's nn.Module. Submodules, parameters and buffers are discovered from
/// the fields of the derived class: a field named <c>conv1</c> holding a Conv2d yields state-dict keys
/// <c>conv1.weight</c>, <c>conv1.bias</c>, exactly as in PyTorch. Fields of type <see cref="Tensor"/> that are not
/// parameters are buffers (saved in the state dict, not trained). Modules added at run time use
/// <see cref="register_module"/>, <see cref="register_parameter"/> and <see cref="register_buffer"/>.
/// </summary>
public abstract class Module : IDisposable
{
    static readonly ConcurrentDictionary<Type, FieldInfo[]> FieldCache = new();

    readonly List<(string Name, Module Module)> _extraModules = new();
    readonly List<(string Name, Parameter Param)> _extraParams = new();
    readonly List<(string Name, Tensor Buffer)> _extraBuffers = new();
    readonly HashSet<string> _nonPersistent = new();

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
    public bool training { get; private set; } = true;

    static FieldInfo[] Fields(Type t) => FieldCache.GetOrAdd(t, type =>
    {
        var chain = new List<Type>();
        for (var c = type; c is not null && c != typeof(Module) && c != typeof(object); c = c.BaseType) chain.Add(c);
        chain.Reverse();
        return chain
            .SelectMany(c => c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => !f.Name.Contains('<') && (typeof(Module).IsAssignableFrom(f.FieldType) || typeof(Tensor).IsAssignableFrom(f.FieldType)))
            .ToArray();
    });

    /// <summary>Direct submodules in declaration order.</summary>
    public IEnumerable<(string name, Module module)> named_children()
    {
        foreach (var f in Fields(GetType()))
            if (f.GetValue(this) is Module m) yield return (f.Name, m);
        foreach (var e in _extraModules) yield return (e.Name, e.Module);
    }

    public IEnumerable<Module> children() => named_children().Select(c => c.module);

    /// <summary>This module's own parameters (not its children's).</summary>
    protected IEnumerable<(string name, Parameter param)> OwnParameters()
    {
        foreach (var f in Fields(GetType()))
            if (f.GetValue(this) is Parameter p) yield return (f.Name, p);
        foreach (var e in _extraParams) yield return (e.Name, e.Param);
    }

    IEnumerable<(string name, Tensor buffer)> OwnBuffers()
    {
        foreach (var f in Fields(GetType()))
            if (f.GetValue(this) is Tensor t && t is not Parameter) yield return (f.Name, t);
        foreach (var e in _extraBuffers) yield return (e.Name, e.Buffer);
    }

    /// <summary>All modules below (and including) this one, with dotted names ("" for this one).</summary>
    public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (n, m) in named_children())
            foreach (var x in m.named_modules(prefix.Length == 0 ? n : prefix + "." + n))
                yield return x;
    }

    public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
    {
        if (!recurse) return OwnParameters();
        return named_modules().SelectMany(m => m.module.OwnParameters().Select(p => (Join(m.name, p.name), p.param)));
    }

    public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

    public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
    {
        if (!recurse) return OwnBuffers();
        return named_modules().SelectMany(m => m.module.OwnBuffers().Select(b => (Join(m.name, b.name), b.buffer)));
    }

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Total number of parameter elements.</summary>
    public long parameter_count() => parameters().Sum(p => p.numel());

    public void register_module(string name, Module module) => _extraModules.Add((name, module));
    public void register_parameter(string name, Parameter p) => _extraParams.Add((name, p));

    /// <summary>Registers a buffer (saved in the state dict unless <paramref name="persistent"/> is false).</summary>
    public void register_buffer(string name, Tensor t, bool persistent = true)
    {
        t.DetachFromDisposeScope();
        _extraBuffers.Add((name, t));
        if (!persistent) _nonPersistent.Add(name);
    }

    /// <summary>Sets training mode on this module and every submodule.</summary>
    public virtual Module train(bool on = true)
    {
        foreach (var (_, m) in named_modules()) m.training = on;
        return this;
    }

    public Module eval() => train(false);

    /// <summary>Clears the gradients of every parameter.</summary>
    public void zero_grad()
    {
        foreach (var p in parameters()) p.grad = null;
    }

    /// <summary>Parameters and persistent buffers by PyTorch state-dict key, in registration order (shared, not copied).</summary>
    public OrderedDictionary<string, Tensor> state_dict()
    {
        var d = new OrderedDictionary<string, Tensor>();
        foreach (var (name, m) in named_modules())
        {
            foreach (var (n, p) in m.OwnParameters()) d[Join(name, n)] = p;
            foreach (var (n, b) in m.OwnBuffers())
                if (!m._nonPersistent.Contains(n)) d[Join(name, n)] = b;
        }
        return d;
    }

    /// <summary>
    /// Copies values by key into this module's parameters and buffers. With <paramref name="strict"/>, a missing or
    /// unexpected key is an error listing the keys; a shape mismatch is always an error naming the key.
    /// </summary>
    public void load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        var own = state_dict();
        var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new KeyNotFoundException(
                $"load_state_dict into {GetType().Name}: " +
                (missing.Count > 0 ? $"missing keys [{string.Join(", ", missing)}]" : "") +
                (missing.Count > 0 && unexpected.Count > 0 ? "; " : "") +
                (unexpected.Count > 0 ? $"unexpected keys [{string.Join(", ", unexpected)}]" : ""));
        using var noGrad = torch.no_grad();
        foreach (var (key, target) in own)
        {
            if (!source.TryGetValue(key, out var value)) continue;
            var ts = target.shape;
            var vs = value.shape;
            if (!ts.SequenceEqual(vs))
                throw new ArgumentException($"load_state_dict into {GetType().Name}: '{key}' has shape [{string.Join(",", vs)}] in the source but [{string.Join(",", ts)}] in the model");
            using var converted = value.to_type(target.dtype);
            target.copy_(converted);
        }
    }

    /// <summary>Saves the state dict by extension (.safetensors, .dat, .pth); atomic.</summary>
    public void save(string path) => Serialization.Save(state_dict(), path);

    /// <summary>Loads a state dict file (.safetensors, .dat, .pth) strictly by key.</summary>
    public Module load(string path, bool strict = true)
    {
        var sd = Serialization.Load(path);
        try
        {
            load_state_dict(sd, strict);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
        return this;
    }

    /// <summary>Moves every parameter and buffer to a device (parameters keep their identity).</summary>
    public Module to(Device device) => Apply(t => t.to(device));

    /// <summary>Converts every floating parameter and buffer to a dtype.</summary>
    public Module to(ScalarType dtype) => Apply(t => ScalarTypeInfo.IsFloating(t.dtype) ? t.to_type(dtype) : t.alias());

    Module Apply(Func<Tensor, Tensor> convert)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in named_modules())
        {
            foreach (var (_, p) in m.OwnParameters())
            {
                using var moved = convert(p);
                Native.Check(Native.dk_set_data(p.Handle, moved.Handle), "Module.to");
            }
            foreach (var (_, b) in m.OwnBuffers())
            {
                using var moved = convert(b);
                Native.Check(Native.dk_set_data(b.Handle, moved.Handle), "Module.to");
            }
        }
        return this;
    }

    /// <summary>Disposes every parameter and buffer of this module and its children.</summary>
    public virtual void Dispose()
    {
        foreach (var (_, m) in named_modules())
        {
            foreach (var (_, p) in m.OwnParameters()) p.Dispose();
            foreach (var (_, b) in m.OwnBuffers()) b.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{GetType().Name}({parameter_count():N0} parameters)";
}

/// <summary>A module with one input and one output.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut forward(TIn input);
    public TOut call(TIn input) => forward(input);
}

/// <summary>A module with two inputs and one output.</summary>
public abstract class Module<TIn1, TIn2, TOut> : Module
{
    public abstract TOut forward(TIn1 input1, TIn2 input2);
    public TOut call(TIn1 input1, TIn2 input2) => forward(input1, input2);
}
