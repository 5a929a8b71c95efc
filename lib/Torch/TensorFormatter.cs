using System.Globalization;
using System.Text;

namespace DistillKit.Torch;

/// <summary>Display formatters for <see cref="Tensor"/>: a summary line and, for small tensors, the values.</summary>
public sealed class TensorFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new TypeFormatter(typeof(Tensor), "text/plain", (o, w) => { w.Write(Describe((Tensor)o)); return true; });
    }

    /// <summary>Shape, dtype, device and (up to 64 elements) the values.</summary>
    public static string Describe(Tensor t)
    {
        var sb = new StringBuilder(t.ToString());
        if (t.IsDisposed) return "Tensor (disposed)";
        if (t.numel() <= 64 && t.numel() > 0)
        {
            using var f = t.detach().to_type(ScalarType.Float64);
            var v = f.data<double>();
            sb.Append(" = [").Append(string.Join(", ", v.Select(x => x.ToString("G5", CultureInfo.InvariantCulture)))).Append(']');
        }
        return sb.ToString();
    }
}
