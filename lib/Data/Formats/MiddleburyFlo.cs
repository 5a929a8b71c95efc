using System.Buffers.Binary;
using DistillKit.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Formats;

/// <summary>
/// Middlebury <c>.flo</c> files (also MPI Sintel and FlyingChairs). Layout, little-endian: float32 magic 202021.25
/// (the bytes "PIEH"), int32 width, int32 height, then width·height (u, v) float32 pairs, row by row from the top.
/// A component with |value| &gt; 1e9 (or not finite) marks unknown flow. Tensors: flow <c>[2,H,W]</c> (channel 0 = u/x,
/// channel 1 = v/y, pixels, forward flow) and valid <c>[1,H,W]</c> in {0,1}; unknown pixels get valid 0 and flow 0.
/// </summary>
public static class MiddleburyFlo
{
    /// <summary>The magic number, read as a float32.</summary>
    public const float Magic = 202021.25f;

    /// <summary>Components whose magnitude exceeds this are unknown.</summary>
    public const float UnknownThreshold = 1e9f;

    /// <summary>What <see cref="Write"/> stores for unknown flow.</summary>
    public const float UnknownValue = 1e10f;

    /// <summary>Reads a .flo file.</summary>
    public static FlowWithValid Read(string path) => Decode(ImageFiles.ReadAll(path, ".flo flow"), path);

    /// <summary>Decodes .flo bytes; <paramref name="source"/> names them in error messages.</summary>
    public static FlowWithValid Decode(ReadOnlySpan<byte> data, string source = "<memory>")
    {
        if (data.Length < 12)
            throw new InvalidDataException($"{source}: truncated .flo file ({data.Length} bytes, the header alone needs 12)");
        float magic = BinaryPrimitives.ReadSingleLittleEndian(data);
        if (magic != Magic)
            throw new InvalidDataException($"{source}: not a .flo file (wrong magic number {magic}, expected {Magic} = \"PIEH\")");
        int w = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        int h = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        if (w <= 0 || h <= 0 || (long)w * h > 1L << 28)
            throw new InvalidDataException($"{source}: bad .flo size {w}x{h}");
        long need = 12 + 8L * w * h;
        if (data.Length != need)
            throw new InvalidDataException($"{source}: size mismatch: a {w}x{h} .flo file has {need} bytes, this one has {data.Length}" +
                (data.Length < need ? " (truncated)" : ""));
        long hw = (long)w * h;
        var flow = new float[2 * hw];
        var valid = new float[hw];
        var body = data[12..];
        for (long p = 0; p < hw; p++)
        {
            float u = BinaryPrimitives.ReadSingleLittleEndian(body[(int)(8 * p)..]);
            float v = BinaryPrimitives.ReadSingleLittleEndian(body[(int)(8 * p + 4)..]);
            if (Known(u) && Known(v))
            {
                flow[p] = u;
                flow[hw + p] = v;
                valid[p] = 1f;
            }
        }
        return new FlowWithValid(torch.tensor(flow, [2, h, w]), torch.tensor(valid, [1, h, w]));
    }

    /// <summary>Writes <paramref name="flow"/> <c>[2,H,W]</c> (pixels); pixels where <paramref name="valid"/> is 0 (or flow not finite) are stored as unknown.</summary>
    public static void Write(string path, Tensor flow, Tensor? valid = null) => ImageFiles.WriteAll(path, Encode(flow, valid));

    /// <summary>Encodes .flo bytes (see <see cref="Write"/>).</summary>
    public static byte[] Encode(Tensor flow, Tensor? valid = null)
    {
        var (f, m, h, w) = FlowFile.ReadForWriting(flow, valid);
        long hw = (long)w * h;
        var bytes = new byte[12 + 8 * hw];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteSingleLittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], w);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], h);
        for (long p = 0; p < hw; p++)
        {
            float u = f[p], v = f[hw + p];
            bool known = (m is null || m[p] > 0.5f) && Known(u) && Known(v);
            BinaryPrimitives.WriteSingleLittleEndian(span[(int)(12 + 8 * p)..], known ? u : UnknownValue);
            BinaryPrimitives.WriteSingleLittleEndian(span[(int)(16 + 8 * p)..], known ? v : UnknownValue);
        }
        return bytes;
    }

    static bool Known(float x) => float.IsFinite(x) && MathF.Abs(x) <= UnknownThreshold;
}
