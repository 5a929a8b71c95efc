namespace DistillKit.Torch;

/// <summary>The <c>torch.*</c> namespace, shaped like TorchSharp / PyTorch: creation, joining, engine settings.</summary>
public static partial class torch
{
    public const ScalarType float32 = ScalarType.Float32, float64 = ScalarType.Float64, int64 = ScalarType.Int64;
    public const ScalarType int32 = ScalarType.Int32, uint8 = ScalarType.Byte, @bool = ScalarType.Bool, float16 = ScalarType.Float16;

    static readonly Op s_zeros = new("aten::zeros"), s_ones = new("aten::ones"), s_full = new("aten::full"), s_empty = new("aten::empty", "memory_format");
    static readonly Op s_arange = new("aten::arange", "start_step"), s_linspace = new("aten::linspace");
    static readonly Op s_rand = new("aten::rand"), s_randn = new("aten::randn"), s_randint = new("aten::randint", "low"), s_randperm = new("aten::randperm");
    static readonly Op s_zerosLike = new("aten::zeros_like"), s_onesLike = new("aten::ones_like"), s_fullLike = new("aten::full_like");
    static readonly Op s_randLike = new("aten::rand_like"), s_randnLike = new("aten::randn_like");
    static readonly Op s_cat = new("aten::cat"), s_stack = new("aten::stack"), s_meshgrid = new("aten::meshgrid", "indexing");
    static readonly Op s_einsum = new("aten::einsum"), s_where = new("aten::where", "self"), s_eye = new("aten::eye");
    static readonly Op s_scalarTensor = new("aten::scalar_tensor");

    /// <summary>Opens a dispose scope: every tensor created on this thread until it closes is disposed with it.</summary>
    public static DisposeScope NewDisposeScope() => new();

    public static Tensor zeros(long[] size, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) =>
        Grad(Call.Start().Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_zeros), requires_grad);
    public static Tensor zeros(params long[] size) => zeros(size, ScalarType.Float32);
    public static Tensor ones(long[] size, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requires_grad = false) =>
        Grad(Call.Start().Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_ones), requires_grad);
    public static Tensor ones(params long[] size) => ones(size, ScalarType.Float32);
    public static Tensor full(long[] size, Scalar value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().Ints(size).S(value).Dtype(dtype).None().OptDev(device).Tensor(s_full);
    public static Tensor empty(long[] size, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_empty);

    /// <summary>A zero-dimensional tensor holding one number.</summary>
    public static Tensor tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().S(value).Dtype(dtype).None().OptDev(device).Tensor(s_scalarTensor);

    /// <summary>Values start, start+step, ... below end.</summary>
    public static Tensor arange(Scalar start, Scalar end, Scalar? step = null, ScalarType? dtype = null, Device? device = null) =>
        Call.Start().S(start).S(end).S(step ?? 1).OptDtype(dtype).None().OptDev(device).Tensor(s_arange);
    public static Tensor arange(Scalar end, ScalarType? dtype = null, Device? device = null) => arange(0, end, 1, dtype, device);
    public static Tensor linspace(double start, double end, long steps, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().S(start).S(end).I(steps).Dtype(dtype).None().OptDev(device).Tensor(s_linspace);
    public static Tensor eye(long n, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().I(n).Dtype(dtype).None().OptDev(device).Tensor(s_eye);

    /// <summary>Uniform samples in [0, 1) from the global generator (see <see cref="manual_seed"/>).</summary>
    public static Tensor rand(long[] size, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_rand);
    public static Tensor rand(params long[] size) => rand(size, ScalarType.Float32);

    /// <summary>Standard normal samples from the global generator.</summary>
    public static Tensor randn(long[] size, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Call.Start().Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_randn);
    public static Tensor randn(params long[] size) => randn(size, ScalarType.Float32);

    /// <summary>Integers in [low, high).</summary>
    public static Tensor randint(long low, long high, long[] size, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Call.Start().I(low).I(high).Ints(size).Dtype(dtype).None().OptDev(device).Tensor(s_randint);
    public static Tensor randperm(long n, ScalarType dtype = ScalarType.Int64, Device? device = null) =>
        Call.Start().I(n).Dtype(dtype).None().OptDev(device).Tensor(s_randperm);

    public static Tensor zeros_like(Tensor t, ScalarType? dtype = null) => Call.Start().T(t).OptDtype(dtype).Tensor(s_zerosLike);
    public static Tensor ones_like(Tensor t, ScalarType? dtype = null) => Call.Start().T(t).OptDtype(dtype).Tensor(s_onesLike);
    public static Tensor full_like(Tensor t, Scalar value, ScalarType? dtype = null) => Call.Start().T(t).S(value).OptDtype(dtype).Tensor(s_fullLike);
    public static Tensor rand_like(Tensor t) => Call.Start().T(t).Tensor(s_randLike);
    public static Tensor randn_like(Tensor t) => Call.Start().T(t).Tensor(s_randnLike);

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static unsafe Tensor from_array<T>(T[] data, params long[] shape) where T : unmanaged
    {
        if (shape.Length == 0) shape = [data.LongLength];
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != data.LongLength)
            throw new ArgumentException($"from_array: {data.LongLength} values do not fill shape [{string.Join(",", shape)}] ({n} elements)");
        Native.Init();
        fixed (T* p = data)
        fixed (long* sp = shape)
            return new Tensor(Native.CheckHandle(Native.dk_from_data(p, (int)ScalarTypeInfo.Of<T>(), sp, shape.Length), "from_array"));
    }

    /// <summary>A tensor from a 2-D array (rows × columns).</summary>
    public static Tensor from_array<T>(T[,] data) where T : unmanaged
    {
        var flat = new T[data.Length];
        Buffer.BlockCopy(data, 0, flat, 0, System.Runtime.InteropServices.Marshal.SizeOf<T>() * data.Length);
        return from_array(flat, data.GetLength(0), data.GetLength(1));
    }

    /// <summary>A float32 tensor of the given values and shape (default 1-D).</summary>
    public static Tensor tensor(float[] values, params long[] shape) => from_array(values, shape);

    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Call.Start().Tensors(tensors).I(dim).Tensor(s_cat);
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Call.Start().Tensors(tensors).I(dim).Tensor(s_stack);

    /// <summary>Coordinate grids; <paramref name="indexing"/> "ij" (matrix) or "xy" (Cartesian).</summary>
    public static Tensor[] meshgrid(IReadOnlyList<Tensor> tensors, string indexing = "ij") => Call.Start().Tensors(tensors).Str(indexing).Tensors(s_meshgrid);
    public static Tensor einsum(string equation, params Tensor[] tensors) => Call.Start().Str(equation).Tensors(tensors).Tensor(s_einsum);
    public static Tensor where(Tensor condition, Tensor x, Tensor y) => Call.Start().T(condition).T(x).T(y).Tensor(s_where);

    // ------------------------------------------------------------------ engine settings

    /// <summary>Seeds libtorch's global generators (CPU and CUDA).</summary>
    public static void manual_seed(long seed)
    {
        Native.Init();
        Native.dk_manual_seed((ulong)seed);
    }

    public static void set_num_threads(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), "thread count must be at least 1");
        Native.Init();
        Native.dk_set_num_threads(n);
    }

    public static int get_num_threads()
    {
        Native.Init();
        return Native.dk_get_num_threads();
    }

    /// <summary>libtorch's build configuration and parallel settings (BLAS, oneDNN, OpenMP, threads).</summary>
    public static unsafe string config()
    {
        Native.Init();
        return Native.ReadString((p, cap) => Native.dk_config((byte*)p, cap));
    }

    public static bool is_grad_enabled()
    {
        Native.Init();
        return Native.dk_grad_enabled() != 0;
    }

    public static void set_grad_enabled(bool on)
    {
        Native.Init();
        Native.dk_set_grad_enabled(on ? 1 : 0);
    }

    /// <summary>Disables gradient recording on this thread until disposed: <c>using var _ = torch.no_grad();</c></summary>
    public static IDisposable no_grad() => new GradModeGuard(false);

    /// <summary>Enables gradient recording on this thread until disposed.</summary>
    public static IDisposable enable_grad() => new GradModeGuard(true);

    sealed class GradModeGuard : IDisposable
    {
        readonly bool _previous;
        bool _done;

        public GradModeGuard(bool enabled)
        {
            _previous = is_grad_enabled();
            set_grad_enabled(enabled);
        }

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            set_grad_enabled(_previous);
        }
    }

    static Tensor Grad(Tensor t, bool requiresGrad) => requiresGrad ? t.requires_grad_() : t;

    /// <summary>CUDA queries and device helpers.</summary>
    public static class cuda
    {
        public static bool is_available()
        {
            Native.Init();
            return Native.dk_cuda_available() != 0;
        }

        public static int device_count()
        {
            Native.Init();
            return Native.dk_cuda_device_count();
        }
    }
}
