using System.Reflection;
using System.Runtime.InteropServices;

namespace DistillKit.Torch;

/// <summary>One argument or result of a boxed operator call (mirror of DkArg in lib/Native/dkshim.cpp).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DkArg
{
    public ArgKind Kind;
    public int N;
    public long I;
    public double D;
    public IntPtr P;
}

internal enum ArgKind : int
{
    None = 0, Tensor = 1, Int = 2, Double = 3, Bool = 4, IntList = 5, TensorList = 6, OptTensorList = 7,
    ScalarInt = 8, ScalarDouble = 9, ScalarType = 10, String = 11, DoubleList = 12, Device = 13, Default = 14,
    BoolList = 15, ScalarBool = 16,
}

/// <summary>P/Invoke declarations of the native shim. The shim is found next to Lib.dll (or via DISTILLKIT_SHIM).</summary>
internal static unsafe partial class Native
{
    const string Lib = "dkshim";

    static Native()
    {
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
        if (Environment.GetEnvironmentVariable("DISTILLKIT_MALLOC_TUNING") != "0") dk_tune_allocator();
        // libtorch's OpenMP pool may start with one thread in containers; use every core unless the user chose.
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null && Environment.GetEnvironmentVariable("DISTILLKIT_THREADS") is null)
            dk_set_num_threads(Environment.ProcessorCount);
        else if (int.TryParse(Environment.GetEnvironmentVariable("DISTILLKIT_THREADS"), out var n) && n > 0)
            dk_set_num_threads(n);
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        // "dkshim": the libtorch shim; "dkimage": the libpng/libjpeg-turbo shim used by DistillKit.Imaging.
        if (name != Lib && name != "dkimage") return IntPtr.Zero;
        var file = name == Lib ? "libdkshim.so" : "libdkimage.so";
        var candidates = new List<string>();
        var env = name == Lib ? Environment.GetEnvironmentVariable("DISTILLKIT_SHIM") : null;
        if (!string.IsNullOrEmpty(env)) candidates.Add(env);
        var here = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(here)) candidates.Add(Path.Combine(here, file));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, file));
        foreach (var c in candidates)
            if (File.Exists(c) && NativeLibrary.TryLoad(c, out var h)) return h;
        if (NativeLibrary.TryLoad(file, assembly, path, out var h2)) return h2;
        var needs = name == Lib ? "Debian's libtorch-dev" : "Debian's libpng-dev and libturbojpeg0-dev";
        throw new DllNotFoundException(
            $"{file} (a DistillKit native shim) was not found next to Lib.dll. Build the kit with " +
            $"`bash environment/setup.sh` or `dotnet build`; it needs {needs}. Tried: " + string.Join(", ", candidates));
    }

    /// <summary>Forces the static constructor (the resolver) before the first call.</summary>
    internal static void Init() { }

    [DllImport(Lib)] internal static extern IntPtr dk_last_error();
    [DllImport(Lib)] internal static extern void dk_free(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern long dk_live_count();

    [DllImport(Lib)] internal static extern IntPtr dk_op_find([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string overload);
    [DllImport(Lib)] internal static extern int dk_op_num_args(IntPtr op);
    [DllImport(Lib)] internal static extern int dk_op_schema(IntPtr op, byte* buf, int cap);
    [DllImport(Lib)] internal static extern int dk_op_call(IntPtr op, DkArg* args, int nargs, DkArg* first);
    [DllImport(Lib), SuppressGCTransition] internal static extern void dk_result(int index, DkArg* result);

    [DllImport(Lib)] internal static extern IntPtr dk_from_data(void* data, int dtype, long* shape, int ndim);
    [DllImport(Lib)] internal static extern int dk_to_data(IntPtr t, void* dst, long nbytes);
    [DllImport(Lib), SuppressGCTransition] internal static extern int dk_ndim(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern void dk_shape(IntPtr t, long* shape);
    [DllImport(Lib), SuppressGCTransition] internal static extern int dk_dtype(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern int dk_device_type(IntPtr t);
    [DllImport(Lib)] internal static extern int dk_device_index(IntPtr t);
    [DllImport(Lib)] internal static extern int dk_defined(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern long dk_numel(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr dk_alias(IntPtr t);
    [DllImport(Lib), SuppressGCTransition] internal static extern int dk_is_contiguous(IntPtr t);

    [DllImport(Lib), SuppressGCTransition] internal static extern int dk_requires_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int dk_set_requires_grad(IntPtr t, int on);
    [DllImport(Lib)] internal static extern int dk_is_leaf(IntPtr t);
    [DllImport(Lib)] internal static extern int dk_backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);
    [DllImport(Lib)] internal static extern IntPtr dk_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int dk_set_grad(IntPtr t, IntPtr g);
    [DllImport(Lib)] internal static extern int dk_set_data(IntPtr t, IntPtr src);
    [DllImport(Lib)] internal static extern int dk_grad_enabled();
    [DllImport(Lib)] internal static extern void dk_set_grad_enabled(int on);

    [DllImport(Lib)] internal static extern int dk_tune_allocator();
    [DllImport(Lib)] internal static extern void dk_manual_seed(ulong seed);
    [DllImport(Lib)] internal static extern void dk_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int dk_get_num_threads();
    [DllImport(Lib)] internal static extern int dk_cuda_available();
    [DllImport(Lib)] internal static extern int dk_cuda_device_count();
    [DllImport(Lib)] internal static extern int dk_config(byte* buf, int cap);

    [DllImport(Lib)] internal static extern int dk_pickle_save([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr* names, IntPtr* tensors, int n);

    /// <summary>The last native error message of this thread.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(dk_last_error()) ?? "unknown native error";

    /// <summary>Throws a <see cref="TorchException"/> with the native message when <paramref name="rc"/> signals failure.</summary>
    internal static void Check(int rc, string what)
    {
        if (rc < 0) throw new TorchException(what, LastError());
    }

    internal static IntPtr CheckHandle(IntPtr h, string what)
    {
        if (h == IntPtr.Zero) throw new TorchException(what, LastError());
        return h;
    }

    internal static string ReadString(Func<IntPtr, int, int> fill)
    {
        int n = fill(IntPtr.Zero, 0);
        var buf = new byte[n + 1];
        fixed (byte* p = buf) fill((IntPtr)p, buf.Length);
        return System.Text.Encoding.UTF8.GetString(buf, 0, n);
    }
}

/// <summary>An error raised by libtorch (shape mismatch, bad dtype, unknown operator...), with the operator name.</summary>
public sealed class TorchException : Exception
{
    /// <summary>The operator or entry point that failed, e.g. <c>aten::mm</c>.</summary>
    public string Operation { get; }

    /// <summary>libtorch's own message.</summary>
    public string NativeMessage { get; }

    public TorchException(string operation, string nativeMessage)
        : base($"{operation}: {FirstLines(nativeMessage)}")
    {
        Operation = operation;
        NativeMessage = nativeMessage;
    }

    static string FirstLines(string m)
    {
        var lines = m.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" ", lines.Take(3)).Trim();
    }
}
