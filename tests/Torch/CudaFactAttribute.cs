using DistillKit.Torch;
using Xunit;

namespace DistillKit.Tests.Torch;

/// <summary>
/// A fact that runs only where libtorch sees a CUDA device; elsewhere xunit reports it as skipped
/// (xunit 2 has no dynamic skip, so the attribute decides at discovery).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!torch.cuda.is_available()) Skip = "CUDA not available";
    }
}
