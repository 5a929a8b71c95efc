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
    readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    bool _disposed;

    internal DisposeScope()
    {
        _outer = _innermost;
        _innermost = this;
    }

    internal static DisposeScope? Current => _innermost;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _tensors.Count;

    internal void Add(Tensor t)
    {
        _tensors.Add(t);
        t.Scope = this;
    }

    internal void Remove(Tensor t)
    {
        _tensors.Remove(t);
        t.Scope = null;
    }

    /// <summary>Hands the tensor to the enclosing scope (or to no scope) and returns it.</summary>
    public T MoveToOuter<T>(T t) where T : Tensor
    {
        Move(t);
        return t;
    }

    void Move(Tensor t)
    {
        Remove(t);
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
            t.Scope = null;
            t.Dispose();
        }
        _tensors.Clear();
        // Scopes close in LIFO order; tolerate a scope closed out of order by unlinking it.
        if (_innermost == this) _innermost = _outer;
    }
}
