using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Formats;

/// <summary>Reads and writes flow files by extension: <c>.flo</c> (Middlebury, Sintel, FlyingChairs) or <c>.png</c> (KITTI 16-bit).</summary>
public static class FlowFile
{
    /// <summary>Reads a <c>.flo</c> or KITTI <c>.png</c> flow file (see <see cref="FlowWithValid"/> for the layout).</summary>
    public static FlowWithValid Read(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".flo" => MiddleburyFlo.Read(path),
        ".png" => KittiFlowPng.Read(path),
        _ => throw new NotSupportedException($"{path}: unknown flow file extension (use .flo or KITTI .png)"),
    };

    /// <summary>Writes <paramref name="flow"/> <c>[2,H,W]</c> (pixels) and an optional <paramref name="valid"/> <c>[1,H,W]</c> by extension.</summary>
    public static void Write(string path, Tensor flow, Tensor? valid = null)
    {
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".flo": MiddleburyFlo.Write(path, flow, valid); break;
            case ".png": KittiFlowPng.Write(path, flow, valid); break;
            default: throw new NotSupportedException($"{path}: unknown flow file extension (use .flo or KITTI .png)");
        }
    }

    /// <summary>
    /// The values of a flow <c>[2,H,W]</c> (channel-major) and of an optional valid mask <c>[1,H,W]</c> or <c>[H,W]</c>
    /// for the writers; throws <see cref="ArgumentException"/> when the shapes do not fit.
    /// </summary>
    internal static (float[] flow, float[]? valid, int h, int w) ReadForWriting(Tensor flow, Tensor? valid)
    {
        var f = Imaging.TensorPixels.ReadChw(flow, nameof(flow), out int c, out int h, out int w);
        if (c != 2) throw new ArgumentException($"flow must be [2,H,W], got [{string.Join(",", flow.shape)}]");
        float[]? m = null;
        if (valid is not null)
        {
            m = Imaging.TensorPixels.ReadChw(valid, nameof(valid), out int vc, out int vh, out int vw, allow2d: true);
            if (vc != 1 || vh != h || vw != w)
                throw new ArgumentException($"valid must be [1,{h},{w}], got [{string.Join(",", valid.shape)}]");
        }
        return (f, m, h, w);
    }
}
