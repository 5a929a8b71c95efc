using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace DistillKit.Torch;

/// <summary>An ATen operator found by schema name and overload (e.g. <c>aten::add</c>, <c>Tensor</c>), handle cached.</summary>
public sealed class Op
{
    static readonly ConcurrentDictionary<(string, string), Op> Cache = new();

    /// <summary>Schema name, e.g. <c>aten::conv2d</c>.</summary>
    public string Name { get; }

    /// <summary>Overload name, empty for the default overload.</summary>
    public string Overload { get; }

    IntPtr _handle;

    public Op(string name, string overload = "")
    {
        Name = name;
        Overload = overload;
    }

    /// <summary>The cached operator for (name, overload).</summary>
    public static Op Get(string name, string overload = "") => Cache.GetOrAdd((name, overload), k => new Op(k.Item1, k.Item2));

    internal IntPtr Handle
    {
        get
        {
            if (_handle != IntPtr.Zero) return _handle;
            Native.Init();
            var h = Native.dk_op_find(Name, Overload);
            if (h == IntPtr.Zero)
                throw new TorchException(FullName, "unknown operator: " + Native.LastError());
            _handle = h;
            return h;
        }
    }

    /// <summary><c>name.overload</c>.</summary>
    public string FullName => Overload.Length == 0 ? Name : Name + "." + Overload;

    /// <summary>The operator's schema as libtorch prints it.</summary>
    public unsafe string Schema
    {
        get
        {
            var h = Handle;
            return Native.ReadString((p, cap) => Native.dk_op_schema(h, (byte*)p, cap));
        }
    }

    public override string ToString() => FullName;
}

/// <summary>
/// Builds the argument list of one boxed operator call on thread-local buffers, keeps the managed tensors alive
/// for the duration of the call, and reads the results back. Usage: <c>Call.Start().T(a).T(b).S(1).Tensor(op)</c>.
/// Arguments left out at the end take the schema's default values.
/// </summary>
public sealed unsafe class Call
{
    [ThreadStatic] static Call? _current;

    const int MaxArgs = 48;
    const int ScratchBytes = 1 << 16;
    readonly DkArg* _args;
    readonly byte* _scratch;
    int _scratchUsed;
    readonly object?[] _keep = new object?[MaxArgs * 4];
    int _nKeep;
    int _n;

    Call()
    {
        _args = (DkArg*)NativeMemory.AllocZeroed((nuint)(MaxArgs * sizeof(DkArg)));
        _scratch = (byte*)NativeMemory.Alloc(ScratchBytes);
    }

    /// <summary>Starts a new argument list on this thread.</summary>
    public static Call Start()
    {
        var c = _current ??= new Call();
        if (c._nKeep > 0)
        {
            // a previous call failed while its arguments were being built or its operator looked up
            Array.Clear(c._keep, 0, c._nKeep);
            c._nKeep = 0;
        }
        c._n = 0;
        c._scratchUsed = 0;
        return c;
    }

    DkArg* Next()
    {
        if (_n >= MaxArgs) throw new ArgumentException("too many operator arguments");
        var a = _args + _n++;
        *a = default;
        return a;
    }

    void* Alloc(int bytes)
    {
        bytes = (bytes + 7) & ~7;
        if (_scratchUsed + bytes > ScratchBytes) throw new ArgumentException("operator arguments too large");
        var p = _scratch + _scratchUsed;
        _scratchUsed += bytes;
        return p;
    }

    void Keep(object o)
    {
        if (_nKeep >= _keep.Length) throw new ArgumentException("too many tensor arguments");
        _keep[_nKeep++] = o;
    }

    /// <summary>A tensor argument.</summary>
    public Call T(Tensor t)
    {
        var a = Next();
        a->Kind = ArgKind.Tensor;
        a->P = t.Handle;
        Keep(t);
        return this;
    }

    /// <summary>An optional tensor argument (null = None).</summary>
    public Call OptT(Tensor? t) => t is null ? None() : T(t);

    public Call None() { Next()->Kind = ArgKind.None; return this; }

    /// <summary>Use the schema's default value for this position.</summary>
    public Call Default() { Next()->Kind = ArgKind.Default; return this; }

    public Call I(long v) { var a = Next(); a->Kind = ArgKind.Int; a->I = v; return this; }
    public Call OptI(long? v) => v is null ? None() : I(v.Value);
    public Call D(double v) { var a = Next(); a->Kind = ArgKind.Double; a->D = v; return this; }
    public Call OptD(double? v) => v is null ? None() : D(v.Value);
    public Call B(bool v) { var a = Next(); a->Kind = ArgKind.Bool; a->I = v ? 1 : 0; return this; }
    public Call OptB(bool? v) => v is null ? None() : B(v.Value);

    public Call S(Scalar s)
    {
        var a = Next();
        switch (s.Kind)
        {
            case ScalarKind.Int: a->Kind = ArgKind.ScalarInt; a->I = s.Long; break;
            case ScalarKind.Bool: a->Kind = ArgKind.ScalarBool; a->I = s.Long; break;
            default: a->Kind = ArgKind.ScalarDouble; a->D = s.Double; break;
        }
        return this;
    }

    public Call OptS(Scalar? s) => s is null ? None() : S(s.Value);

    public Call Dtype(ScalarType t) { var a = Next(); a->Kind = ArgKind.ScalarType; a->I = (long)t; return this; }
    public Call OptDtype(ScalarType? t) => t is null ? None() : Dtype(t.Value);

    public Call Dev(Device d) { var a = Next(); a->Kind = ArgKind.Device; a->I = d.Type == DeviceType.CUDA ? 1 : 0; a->N = d.Index; return this; }
    public Call OptDev(Device? d) => d is null ? None() : Dev(d);

    public Call Ints(ReadOnlySpan<long> v)
    {
        var a = Next();
        a->Kind = ArgKind.IntList;
        a->N = v.Length;
        var p = (long*)Alloc(v.Length * 8);
        v.CopyTo(new Span<long>(p, v.Length));
        a->P = (IntPtr)p;
        return this;
    }

    public Call OptInts(long[]? v) => v is null ? None() : Ints(v);

    public Call Doubles(ReadOnlySpan<double> v)
    {
        var a = Next();
        a->Kind = ArgKind.DoubleList;
        a->N = v.Length;
        var p = (double*)Alloc(v.Length * 8);
        v.CopyTo(new Span<double>(p, v.Length));
        a->P = (IntPtr)p;
        return this;
    }

    public Call OptDoubles(double[]? v) => v is null ? None() : Doubles(v);

    public Call Bools(ReadOnlySpan<bool> v)
    {
        var a = Next();
        a->Kind = ArgKind.BoolList;
        a->N = v.Length;
        var p = (long*)Alloc(v.Length * 8);
        for (int k = 0; k < v.Length; k++) p[k] = v[k] ? 1 : 0;
        a->P = (IntPtr)p;
        return this;
    }

    public Call Tensors(IReadOnlyList<Tensor> ts) => TensorList(ts, ArgKind.TensorList);

    /// <summary>A list of optional tensors (null entries are None), as <c>aten::index</c> takes.</summary>
    public Call OptTensors(IReadOnlyList<Tensor?> ts) => TensorList(ts, ArgKind.OptTensorList);

    Call TensorList(IReadOnlyList<Tensor?> ts, ArgKind kind)
    {
        var a = Next();
        a->Kind = kind;
        a->N = ts.Count;
        var p = (IntPtr*)Alloc(ts.Count * sizeof(IntPtr));
        for (int k = 0; k < ts.Count; k++)
        {
            var t = ts[k];
            p[k] = t is null ? IntPtr.Zero : t.Handle;
            if (t is not null) Keep(t);
        }
        a->P = (IntPtr)p;
        return this;
    }

    public Call Str(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var p = (byte*)Alloc(bytes.Length + 1);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        p[bytes.Length] = 0;
        var a = Next();
        a->Kind = ArgKind.String;
        a->P = (IntPtr)p;
        return this;
    }

    public Call OptStr(string? s) => s is null ? None() : Str(s);

    DkArg _first;

    int Invoke(Op op)
    {
        var handle = op.Handle;
        int n;
        try
        {
            fixed (DkArg* first = &_first) n = Native.dk_op_call(handle, _args, _n, first);
        }
        finally
        {
            Array.Clear(_keep, 0, _nKeep);
            _nKeep = 0;
        }
        if (n < 0) throw new TorchException(op.FullName, Native.LastError());
        return n;
    }

    static DkArg Result(int k)
    {
        DkArg r;
        Native.dk_result(k, &r);
        return r;
    }

    /// <summary>Calls an operator with a single tensor result.</summary>
    public Tensor Tensor(Op op)
    {
        int n = Invoke(op);
        if (n < 1 || _first.Kind != ArgKind.Tensor)
        {
            ReleaseResults(n);
            throw new TorchException(op.FullName, "expected a tensor result");
        }
        var result = _first.P;
        for (int k = 1; k < n; k++) ReleaseResult(Result(k));
        return new Tensor(result);
    }

    /// <summary>Calls an operator and returns every tensor result (tuples and lists flattened in order).</summary>
    public Tensor[] Tensors(Op op)
    {
        int n = Invoke(op);
        var list = new List<Tensor>(n);
        for (int k = 0; k < n; k++)
        {
            var r = Result(k);
            if (r.Kind == ArgKind.Tensor) list.Add(new Tensor(r.P));
        }
        return list.ToArray();
    }

    /// <summary>Calls an operator for its side effect (in-place ops), releasing any returned handles.</summary>
    public void Void(Op op) => ReleaseResults(Invoke(op));

    /// <summary>Calls an operator with a scalar result (int, float or bool).</summary>
    public double Number(Op op)
    {
        int n = Invoke(op);
        if (n < 1) throw new TorchException(op.FullName, "expected a result");
        var r = Result(0);
        ReleaseResults(n);
        return r.Kind switch
        {
            ArgKind.Int or ArgKind.Bool => r.I,
            ArgKind.Double => r.D,
            _ => throw new TorchException(op.FullName, "expected a number result"),
        };
    }

    static void ReleaseResults(int n)
    {
        for (int k = 0; k < n; k++) ReleaseResult(Result(k));
    }

    static void ReleaseResult(DkArg r)
    {
        if (r.Kind == ArgKind.Tensor && r.P != IntPtr.Zero) Native.dk_free(r.P);
    }
}
