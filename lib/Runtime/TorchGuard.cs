using System.Runtime.InteropServices;
using TorchSharp;

namespace DistillKit.Runtime;

/// <summary>
/// The kit's guard against a finaliser race in TorchSharp 0.107: an operator such as <c>a + b</c> or <c>x * 0.5</c>
/// creates a temporary <see cref="Scalar"/>, passes its native handle to libtorch and keeps nothing alive during the
/// call, so a garbage collection started by another thread (a progress timer, a notebook kernel, parallel tests) can
/// free the scalar while the operator reads it ("Expected false to be true ... toFloat", or a crash). Measured here:
/// 7 failures in 9,037 iterations of <c>x.add(y).mul(2.0)</c> on 1M-element tensors while another thread collects.
/// <para>
/// <see cref="Install"/> makes TorchSharp's P/Invokes resolve through libdktorchguard.so (lib/Native/dktorchguard.c):
/// everything falls through to libLibTorchSharp.so except the two frees that can race, which it delays by a few
/// seconds (native scalars always; tensors only when the .NET finaliser releases them, so an explicit dispose still
/// frees at once). TorchRuntime installs it at load; <c>DISTILLKIT_TORCH_GUARD=0</c> turns it off.
/// </para>
/// </summary>
public static class TorchGuard
{
    internal const string LibraryName = "dktorchguard";

    internal static IntPtr Handle { get; private set; }

    /// <summary>True when TorchSharp's native calls go through the guard.</summary>
    public static bool Installed { get; private set; }

    /// <summary>Why the guard is not installed (null when it is).</summary>
    public static string? NotInstalledBecause { get; private set; } = "not installed yet";

    internal static void Install(string folder)
    {
        var file = Path.Combine(folder, "libdktorchguard.so");
        if (!File.Exists(file))
        {
            NotInstalledBecause = $"{file} is missing (rebuild the kit: environment/build-native.sh makes it)";
            return;
        }
        try
        {
            Handle = NativeLibrary.Load(file);
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) => name == "LibTorchSharp" ? Handle : IntPtr.Zero);
            Installed = true;
            NotInstalledBecause = null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            NotInstalledBecause = e.Message;
            Console.Error.WriteLine($"DistillKit: TorchSharp runs without the kit's scalar guard ({e.Message}); " +
                "long runs may fail in libtorch with 'Expected false to be true' from a freed temporary Scalar.");
        }
    }

    /// <summary>Frees the guard has delayed so far, how many of them it has done, and how many are waiting.</summary>
    public static (long Delayed, long Freed, long Waiting) Stats()
    {
        if (!Installed) throw new InvalidOperationException($"the TorchSharp guard is not installed: {NotInstalledBecause}");
        if (dk_guard_stats(out long delayed, out long freed, out long waiting) == 0)
            throw new InvalidOperationException("the TorchSharp guard could not find THSTorch_dispose_scalar/THSTensor_dispose in libLibTorchSharp.so");
        return (delayed, freed, waiting);
    }

    [DllImport(LibraryName)]
    static extern int dk_guard_stats(out long delayed, out long freed, out long waiting);
}
