using System.Runtime.InteropServices;

namespace DistillKit.Torch;

/// <summary>
/// A libtorch tensor owning one native handle. Dispose it, or create it inside a
/// <see cref="torch.NewDisposeScope"/>. A tensor outside every scope carries a small finalizable guard as a safety
/// net (freed by the GC if never disposed); tensors inside a scope skip it, since the scope frees them, which keeps
/// the per-operation cost low.
/// </summary>
[TypeFormatterSource(typeof(TensorFormatterSource))]
public partial class Tensor : IDisposable
{
    IntPtr _handle;
    HandleGuard? _guard;
    internal DisposeScope? Scope;

    internal Tensor(IntPtr handle)
    {
        _handle = handle;
        var scope = DisposeScope.Current;
        if (scope is null) _guard = new HandleGuard(handle);
        else scope.Add(this);
    }

    /// <summary>Frees the native handle if the tensor is collected without being disposed.</summary>
    sealed class HandleGuard(IntPtr handle)
    {
        IntPtr _handle = handle;

        public void Disarm()
        {
            _handle = IntPtr.Zero;
            GC.SuppressFinalize(this);
        }

        ~HandleGuard()
        {
            var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
            if (h != IntPtr.Zero) Native.dk_free(h);
        }
    }

    /// <summary>Called when the tensor leaves its last dispose scope without being disposed: the GC becomes its safety net.</summary>
    internal void EnsureGuard()
    {
        if (_guard is null && _handle != IntPtr.Zero) _guard = new HandleGuard(_handle);
    }

    /// <summary>The native handle; throws when the tensor was disposed.</summary>
    internal IntPtr Handle =>
        _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException("Tensor", "the tensor was disposed (by its dispose scope?)");

    public bool IsDisposed => _handle == IntPtr.Zero;

    /// <summary>Number of live native tensor handles in the process (for tests and leak diagnostics).</summary>
    public static long LiveCount
    {
        get
        {
            Native.Init();
            return Native.dk_live_count();
        }
    }

    public void Dispose()
    {
        Scope?.Remove(this, leaving: false);
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h == IntPtr.Zero) return;
        _guard?.Disarm();
        Native.dk_free(h);
    }

    /// <summary>Hands this tensor to the enclosing dispose scope.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        Scope?.MoveToOuter(this);
        return this;
    }

    /// <summary>Removes this tensor from its dispose scope: the caller owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope?.Detach(this);
        return this;
    }

    // ------------------------------------------------------------------ queries

    public unsafe long[] shape
    {
        get
        {
            var h = Handle;
            int n = Native.dk_ndim(h);
            var s = new long[n];
            fixed (long* p = s) Native.dk_shape(h, p);
            return s;
        }
    }

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long size(int dim)
    {
        var s = shape;
        return s[dim < 0 ? dim + s.Length : dim];
    }

    public long[] size() => shape;

    public int dim() => Native.dk_ndim(Handle);
    public int ndim => dim();
    public long numel() => Native.dk_numel(Handle);
    public ScalarType dtype => (ScalarType)Native.dk_dtype(Handle);

    public Device device
    {
        get
        {
            var h = Handle;
            return Native.dk_device_type(h) == 1 ? new Device(DeviceType.CUDA, Native.dk_device_index(h)) : Device.CPU;
        }
    }

    public bool is_contiguous() => Native.dk_is_contiguous(Handle) != 0;

    public bool requires_grad
    {
        get => Native.dk_requires_grad(Handle) != 0;
        set => Native.Check(Native.dk_set_requires_grad(Handle, value ? 1 : 0), "requires_grad");
    }

    /// <summary>Sets <see cref="requires_grad"/> and returns this tensor.</summary>
    public Tensor requires_grad_(bool on = true)
    {
        requires_grad = on;
        return this;
    }

    public bool is_leaf => Native.dk_is_leaf(Handle) != 0;

    /// <summary>The accumulated gradient of a leaf (a new handle sharing it), or null.</summary>
    public Tensor? grad
    {
        get
        {
            var g = Native.dk_grad(Handle);
            if (g == IntPtr.Zero)
            {
                var err = Native.LastError();
                if (err.Length > 0) throw new TorchException("grad", err);
                return null;
            }
            return new Tensor(g);
        }
        set => Native.Check(Native.dk_set_grad(Handle, value?.Handle ?? IntPtr.Zero), "set grad");
    }

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false)
    {
        Native.Check(Native.dk_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retain_graph ? 1 : 0, create_graph ? 1 : 0), "backward");
        GC.KeepAlive(gradient);
    }

    /// <summary>A second handle to the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias() => new(Native.CheckHandle(Native.dk_alias(Handle), "alias"));

    // ------------------------------------------------------------------ data transfer

    /// <summary>Copies the elements (any device, any layout) into a new array, row-major.</summary>
    public unsafe T[] data<T>() where T : unmanaged
    {
        var want = ScalarTypeInfo.Of<T>();
        if (dtype != want)
            throw new ArgumentException($"tensor has dtype {dtype}, not {want}: convert with .to_type(ScalarType.{want}) first");
        var n = numel();
        var result = new T[n];
        fixed (T* p = result)
            Native.Check(Native.dk_to_data(Handle, p, n * sizeof(T)), "data");
        return result;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public T item<T>() where T : unmanaged
    {
        if (numel() != 1) throw new ArgumentException($"item() needs a one-element tensor, got shape [{string.Join(",", shape)}]");
        return data<T>()[0];
    }

    /// <summary>The single value of a one-element tensor as double, whatever its dtype.</summary>
    public double ToDouble()
    {
        using var d = to_type(ScalarType.Float64);
        return d.item<double>();
    }

    public float ToSingle() => (float)ToDouble();

    public override string ToString() => $"Tensor[{string.Join(", ", shape)}] {dtype} {device}";
}
