namespace DistillKit.Torch;

/// <summary>Element types, numbered as c10::ScalarType (and as TorchSharp's <c>.dat</c> dtype codes).</summary>
public enum ScalarType
{
    Byte = 0, Int8 = 1, Int16 = 2, Int32 = 3, Int64 = 4, Float16 = 5, Float32 = 6, Float64 = 7,
    ComplexFloat32 = 9, ComplexFloat64 = 10, Bool = 11, BFloat16 = 15,
}

public enum DeviceType { CPU = 0, CUDA = 1 }

/// <summary>A device: CPU, or a CUDA GPU with an index (-1 = current).</summary>
public sealed record Device(DeviceType Type, int Index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);
    public static readonly Device CUDA = new(DeviceType.CUDA, 0);

    /// <summary>Parses "cpu", "cuda", "cuda:1".</summary>
    public static Device Parse(string s)
    {
        s = s.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == "cuda") return CUDA;
        if (s.StartsWith("cuda:") && int.TryParse(s[5..], out var i)) return new Device(DeviceType.CUDA, i);
        throw new ArgumentException($"unknown device '{s}': use cpu, cuda or cuda:N");
    }

    public override string ToString() => Type == DeviceType.CPU ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}

internal enum ScalarKind { Int, Double, Bool }

/// <summary>A number passed to an operator (int, float or bool), converted implicitly from C# numbers.</summary>
public readonly struct Scalar
{
    internal readonly ScalarKind Kind;
    internal readonly long Long;
    internal readonly double Double;

    Scalar(ScalarKind kind, long l, double d)
    {
        Kind = kind;
        Long = l;
        Double = d;
    }

    public static implicit operator Scalar(int v) => new(ScalarKind.Int, v, v);
    public static implicit operator Scalar(long v) => new(ScalarKind.Int, v, v);
    public static implicit operator Scalar(float v) => new(ScalarKind.Double, 0, v);
    public static implicit operator Scalar(double v) => new(ScalarKind.Double, 0, v);
    public static implicit operator Scalar(bool v) => new(ScalarKind.Bool, v ? 1 : 0, v ? 1 : 0);

    public double ToDouble() => Kind == ScalarKind.Double ? Double : Long;

    public override string ToString() => Kind == ScalarKind.Double ? Double.ToString("R") : Long.ToString();
}

internal static class ScalarTypeInfo
{
    public static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 or ScalarType.ComplexFloat32 => 8,
        ScalarType.ComplexFloat64 => 16,
        _ => throw new ArgumentException($"unsupported dtype {t}"),
    };

    public static ScalarType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return ScalarType.Float32;
        if (typeof(T) == typeof(double)) return ScalarType.Float64;
        if (typeof(T) == typeof(long)) return ScalarType.Int64;
        if (typeof(T) == typeof(int)) return ScalarType.Int32;
        if (typeof(T) == typeof(short)) return ScalarType.Int16;
        if (typeof(T) == typeof(byte)) return ScalarType.Byte;
        if (typeof(T) == typeof(sbyte)) return ScalarType.Int8;
        if (typeof(T) == typeof(bool)) return ScalarType.Bool;
        if (typeof(T) == typeof(Half)) return ScalarType.Float16;
        throw new ArgumentException($"no tensor dtype for {typeof(T).Name}");
    }

    public static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16;
}
