using DistillKit.Torch;

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
}
