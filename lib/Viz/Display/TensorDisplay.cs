using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Viz.Display;

/// <summary>
/// How a TorchSharp tensor shows in a notebook: shape, dtype, device (and <c>requires_grad</c> when set), then the values
/// nested by dimension as PyTorch prints them when there are at most <see cref="MaxValues"/> elements.
/// <example><c>tensor [2, 3] Float32 cpu</c> then <c>[[1, 2, 3],</c> / <c> [4, 5, 6]]</c>.</example>
/// </summary>
public static class TensorDisplay
{
    /// <summary>Tensors with more elements show only their header.</summary>
    public const int MaxValues = 64;

    /// <summary>The text shown for <paramref name="tensor"/> (a disposed tensor says so rather than throwing).</summary>
    public static string Describe(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.IsInvalid) return "tensor (disposed)";
        var header = $"tensor [{string.Join(", ", tensor.shape)}] {tensor.dtype} {tensor.device}{(tensor.requires_grad ? " requires_grad" : "")}";
        long count = tensor.numel();
        if (count > MaxValues) return header + $" ({count} elements; values shown up to {MaxValues})";
        if (tensor.dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64) return header;
        var values = Values(tensor);
        var text = new StringBuilder(header).Append('\n');
        Nest(text, values, tensor.shape, 0, 0, 0);
        return text.ToString();
    }

    static string[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var flat = tensor.detach().cpu().flatten();
        if (flat.dtype == ScalarType.Bool) return flat.data<bool>().Select(b => b ? "true" : "false").ToArray();
        if (flat.is_floating_point())
            return flat.to_type(ScalarType.Float64).data<double>().Select(v => v.ToString("G6", CultureInfo.InvariantCulture)).ToArray();
        return flat.to_type(ScalarType.Int64).data<long>().Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Writes the block of dimension <paramref name="dim"/> starting at flat index <paramref name="offset"/>.</summary>
    static int Nest(StringBuilder text, string[] values, long[] shape, int dim, int offset, int indent)
    {
        if (shape.Length == 0) { text.Append(values[0]); return 1; }
        text.Append('[');
        int size = (int)shape[dim], used = 0;
        for (int i = 0; i < size; i++)
        {
            if (i > 0) text.Append(dim == shape.Length - 1 ? ", " : ",\n" + new string(' ', indent + 1));
            if (dim == shape.Length - 1) { text.Append(values[offset + used]); used++; }
            else used += Nest(text, values, shape, dim + 1, offset + used, indent + 1);
        }
        text.Append(']');
        return used;
    }
}
