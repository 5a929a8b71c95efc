using DistillKit.Tests.Support;
using static TorchSharp.torch;

namespace DistillKit.Tests.Losses;

/// <summary>
/// Golden tensors written by tests/reference/make_loss_golden.py (PyTorch, /usr/bin/python3) into
/// build/golden/losses/ (git-ignored), generated on first use and whenever the script changes (<see cref="ReferenceScripts.Golden"/>).
/// </summary>
internal static class LossGolden
{
    static readonly GoldenTensors s_golden = new("losses", "make_loss_golden.py");

    /// <summary>A new float32 tensor holding the golden tensor <paramref name="name"/>.</summary>
    public static Tensor Get(string name) => s_golden.Get(name);
}
