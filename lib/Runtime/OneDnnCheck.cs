using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Runtime;

/// <summary>
/// A guard against a silent wrong-gradient bug of LibTorch 2.10's oneDNN (MKL-DNN) convolutions on some CPUs: measured
/// on an AMD EPYC with AVX-512 (oneDNN 3.7.1, jit:avx512_core and jit:avx2 alike), the float32 input gradient of a
/// stride-1 convolution with a kernel larger than 1×1 whose output channels are not a multiple of 16 (a flow head's 2,
/// and 8, 24, 40, 62, 81, 126, 196 alike) is off by 30–50% or NaN, while the forward pass, the weight gradient and
/// float64 are right. Every flow network ends in such a convolution, so training silently degrades. Running those
/// convolutions channels-last avoids that case, but then oneDNN's grouped channels-last forward pass goes wrong
/// (FastFlowNet off by 1.6 px, NaN at mini): no layout is safe. Padding only the affected convolutions to 16 outputs
/// fixes those, yet FastFlowNet's and PWC-Net's other gradients stay wrong (up to 130%): more oneDNN paths are broken.
/// At load the kit therefore runs that convolution's backward pass in float32 and float64 (a few milliseconds, over
/// memory poisoned with NaN so that an unzeroed padding cannot pass by luck) and, when they disagree, turns oneDNN off
/// (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, PyTorch's <c>torch.backends.mkldnn.enabled = False</c>):
/// LibTorch's own convolutions are right, and about 3× slower on the PWC-Net training step (./kit bench pwcnet).
/// <c>DISTILLKIT_ONEDNN=on</c> keeps oneDNN whatever the check says, <c>off</c> turns it off without checking.
/// </summary>
public static class OneDnnCheck
{
    /// <summary>What the check found: null when it did not run (no LibTorch beside Lib.dll), else a one-line summary.</summary>
    public static string? Outcome { get; private set; }

    /// <summary>True when oneDNN convolutions are in use (LibTorch's user flag).</summary>
    public static bool Enabled
    {
        get
        {
            var ctx = Context(out var get, out _);
            return ctx == IntPtr.Zero || Get(get, ctx);
        }
    }

    /// <summary>Runs the check (once per process) with the libtorch_cpu.so at <paramref name="libtorchCpu"/>.</summary>
    internal static void Run(string libtorchCpu)
    {
        if (Outcome is not null) return;
        library = NativeLibrary.TryLoad(libtorchCpu, out var handle) ? handle : IntPtr.Zero;
        DisableNnpack();
        var mode = (Environment.GetEnvironmentVariable("DISTILLKIT_ONEDNN") ?? "auto").Trim().ToLowerInvariant();
        if (mode == "on") { Outcome = "oneDNN kept on (DISTILLKIT_ONEDNN=on)"; return; }
        if (mode == "off") { Disable(); Outcome = "oneDNN turned off (DISTILLKIT_ONEDNN=off)"; return; }
        double error = InputGradientError();
        if (error <= 1e-4)
        {
            Outcome = $"oneDNN convolution gradients checked (float32 vs float64: {error:E1})";
            return;
        }
        bool disabled = Disable();
        Outcome = disabled
            ? $"oneDNN turned off: its float32 convolution input gradients are wrong on this CPU (relative error {error:E1}); LibTorch's own convolutions are used"
            : $"oneDNN's float32 convolution input gradients are wrong on this CPU (relative error {error:E1}) and it could not be turned off: training results are unreliable";
        Console.Error.WriteLine("DistillKit: " + Outcome);
    }

    static IntPtr library;

    /// <summary>The largest relative error (NaN counts as infinite) of the float32 input gradient of a 3×3, 32 → 2
    /// channel convolution, over three tries.</summary>
    static double InputGradientError()
    {
        double worst = 0;
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(5);
        var x = torch.randn(2, 32, 8, 12, generator: generator);
        var w = torch.randn(2, 32, 3, 3, generator: generator).mul(0.1);
        var up = torch.randn(2, 2, 8, 12, generator: generator);
        var reference = InputGradient(x, w, up, ScalarType.Float64);
        double scale = reference.abs().max().ToDouble();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using (var poison = torch.full(1 << 16, double.NaN)) { }
            var g = InputGradient(x, w, up, ScalarType.Float32).to_type(ScalarType.Float64);
            double error = g.sub(reference).abs().max().ToDouble() / scale;
            worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }
        return worst;
    }

    static Tensor InputGradient(Tensor x, Tensor w, Tensor up, ScalarType type)
    {
        var input = x.to_type(type).detach().requires_grad_(true);
        var output = nn.functional.conv2d(input, w.to_type(type), padding: new long[] { 1, 1 });
        output.mul(up.to_type(type)).sum().backward();
        return input.grad!.detach().clone();
    }

    static unsafe bool Disable()
    {
        var ctx = Context(out var get, out var set);
        if (ctx == IntPtr.Zero || set == IntPtr.Zero) return false;
        ((delegate* unmanaged<IntPtr, byte, void>)set)(ctx, 0);
        return !Get(get, ctx);
    }

    /// <summary>
    /// NNPACK off (<c>torch.backends.nnpack.set_flags(False)</c>): on CPUs it does not support (the AMD EPYC above) LibTorch
    /// tries to initialise it before convolutions and prints "Could not initialize NNPACK! Reason: Unsupported hardware"
    /// on every thread, into every notebook cell; oneDNN or LibTorch's own convolutions serve instead.
    /// <c>DISTILLKIT_NNPACK=on</c> keeps it.
    /// </summary>
    static unsafe void DisableNnpack()
    {
        if ((Environment.GetEnvironmentVariable("DISTILLKIT_NNPACK") ?? "").Trim().Equals("on", StringComparison.OrdinalIgnoreCase)) return;
        if (library == IntPtr.Zero
            || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var global)
            || !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledNNPACKEb", out var set))
            return;
        ((delegate* unmanaged<IntPtr, byte, void>)set)(((delegate* unmanaged<IntPtr>)global)(), 0);
    }

    static unsafe bool Get(IntPtr get, IntPtr ctx) => get == IntPtr.Zero || ((delegate* unmanaged<IntPtr, byte>)get)(ctx) != 0;

    /// <summary>at::globalContext() and the user-enabled-MKL-DNN getter and setter of LibTorch (C++ exports).</summary>
    static unsafe IntPtr Context(out IntPtr get, out IntPtr set)
    {
        get = set = IntPtr.Zero;
        if (library == IntPtr.Zero
            || !NativeLibrary.TryGetExport(library, "_ZN2at13globalContextEv", out var global)
            || !NativeLibrary.TryGetExport(library, "_ZNK2at7Context17userEnabledMkldnnEv", out get)
            || !NativeLibrary.TryGetExport(library, "_ZN2at7Context20setUserEnabledMkldnnEb", out set))
            return IntPtr.Zero;
        return ((delegate* unmanaged<IntPtr>)global)();
    }
}
