using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Imaging;

/// <summary>Moves small image-like tensors to and from managed float arrays (channels-first, row-major).</summary>
internal static class TensorPixels
{
    /// <summary>
    /// The values of a <c>[C,H,W]</c> tensor (or <c>[1,C,H,W]</c>; <c>[H,W]</c> when <paramref name="allow2d"/>) as float32,
    /// copied to the CPU; <paramref name="what"/> names the argument in errors.
    /// </summary>
    internal static float[] ReadChw(Tensor t, string what, out int c, out int h, out int w, bool allow2d = false)
    {
        ArgumentNullException.ThrowIfNull(t, what);
        var s = t.shape;
        if (s.Length == 4 && s[0] == 1) s = s[1..];
        else if (s.Length == 2 && allow2d) s = [1, s[0], s[1]];
        if (s.Length != 3)
            throw new ArgumentException($"{what} must be [C,H,W] (or [1,C,H,W]), got [{string.Join(",", t.shape)}]");
        c = (int)s[0];
        h = (int)s[1];
        w = (int)s[2];
        using var f = t.detach().to(torch.CPU).to_type(ScalarType.Float32);
        return f.data<float>().ToArray();
    }

    /// <summary>A <c>[C,H,W]</c> float32 CPU tensor over a copy of <paramref name="values"/>.</summary>
    internal static Tensor ToTensor(float[] values, int c, int h, int w) => torch.tensor(values, [c, h, w]);
}
