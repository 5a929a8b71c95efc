namespace DistillKit.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope and disposes them with it,
/// like TorchSharp's <c>torch.NewDisposeScope()</c>. Keep a result with <see cref="MoveToOuter{T}"/> (or
/// <see cref="Tensor.MoveToOuterDisposeScope"/>) or <see cref="Tensor.DetachFromDisposeScope"/>.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] static DisposeScope? _innermost;

    readonly DisposeScope? _outer;
    // Tensors leave a scope by clearing their Scope field (O(1)); the list is filtered when the scope closes.
    readonly List<Tensor> _tensors = new();
    bool _disposed;

    internal DisposeScope()
    {
        _outer = _innermost;
        _innermost = this;
    }

    internal static DisposeScope? Current => _innermost;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _tensors.Count(t => t.Scope == this);

    internal void Add(Tensor t)
    {
        _tensors.Add(t);
        t.Scope = this;
    }

    /// <param name="leaving">True when the tensor lives on outside any scope (it then gets its GC safety net).</param>
    internal void Remove(Tensor t, bool leaving = true)
    {
        t.Scope = null;
        if (leaving) t.EnsureGuard();
    }

    /// <summary>Hands the tensor to the enclosing scope (or to no scope) and returns it.</summary>
    public T MoveToOuter<T>(T t) where T : Tensor
    {
        Move(t);
        return t;
    }

    void Move(Tensor t)
    {
        Remove(t, leaving: _outer is null);
        _outer?.Add(t);
    }

    /// <summary>Hands several tensors to the enclosing scope.</summary>
    public void MoveToOuter(Tensor first, Tensor second, params Tensor[] more)
    {
        Move(first);
        Move(second);
        foreach (var t in more) Move(t);
    }

    /// <summary>Removes a tensor from this scope: the caller disposes it.</summary>
    public T Detach<T>(T t) where T : Tensor
    {
        Remove(t);
        return t;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tensors)
        {
            if (t.Scope != this) continue; // moved out, detached or already disposed
            t.Scope = null;
            t.Dispose();
        }
        _tensors.Clear();
        // Scopes close in LIFO order; tolerate a scope closed out of order by unlinking it.
        if (_innermost == this) _innermost = _outer;
    }
}
