using System.Globalization;
using static TorchSharp.torch.nn;

namespace DistillKit.Models.FastFlow;

/// <summary>
/// Submodules keyed by pyramid level, each registered under its level number, so that state-dict names read as
/// PyTorch's <c>nn.ModuleDict</c> writes them (<c>reduce.6.weight</c>). TorchSharp 0.107's own <c>ModuleDict</c> cannot
/// be converted with <c>to(dtype)</c> (its two indexers collide in the reflection that conversion does).
/// </summary>
public sealed class LevelModules<T> : Module where T : Module
{
    readonly SortedDictionary<int, T> _byLevel = new();

    public LevelModules() : base(nameof(LevelModules<T>)) { }

    /// <summary>Registers <paramref name="module"/> under the name of its <paramref name="level"/>.</summary>
    public void Add(int level, T module)
    {
        register_module(level.ToString(CultureInfo.InvariantCulture), module);
        _byLevel.Add(level, module);
    }

    /// <summary>The module of <paramref name="level"/>.</summary>
    public T At(int level) => _byLevel[level];

    /// <summary>The modules, finest level first.</summary>
    public IEnumerable<T> Modules => _byLevel.Values;

    public int Count => _byLevel.Count;
}
