using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data.Formats;

/// <summary>
/// A flow field read from a file and where it is known. <see cref="Flow"/> is <c>[2,H,W]</c> float32: channel 0 =
/// horizontal displacement u (x, to the right), channel 1 = vertical displacement v (y, downwards), in pixels; it is
/// forward flow, mapping pixel p of frame 1 to p + w(p) in frame 2. <see cref="Valid"/> is <c>[1,H,W]</c> float32 in
/// {0,1} (1 = ground truth known); the flow is 0 where <see cref="Valid"/> is 0. Disposing disposes both tensors.
/// </summary>
public sealed record FlowWithValid(Tensor Flow, Tensor Valid) : IDisposable
{
    public void Dispose()
    {
        Flow.Dispose();
        Valid.Dispose();
    }
}
