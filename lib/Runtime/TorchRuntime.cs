using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace DistillKit.Runtime;

/// <summary>
/// What the library sets up when it loads, wherever it is referenced from (the kit, a test host, a .NET Interactive
/// kernel that only saw <c>#r "Lib.dll"</c>):
/// <list type="bullet">
/// <item>glibc allocator tuning (<see cref="MallocTuning"/>), unless <c>DISTILLKIT_MALLOC_TUNING=0</c>;</item>
/// <item>TorchSharp's native libraries loaded by absolute path from the folder that holds Lib.dll, so that the copy
/// repaired by the set-up (environment/repair-torchsharp.sh) is the one in use, not an unrepaired copy that TorchSharp's
/// own search would take from the NuGet cache;</item>
/// <item>SIGXFSZ ignored, so a write over the file-size limit fails with an exception naming the file instead of ending
/// the process silently (<see cref="WriteFailures"/>);</item>
/// <item>managed assemblies beside Lib.dll resolvable by name (a kernel has no deps.json for them);</item>
/// <item>TorchSharp's native calls routed through the kit's guard library (libdktorchguard.so, lib/Native/dktorchguard.c),
/// which delays the frees that race with TorchSharp's temporary Scalars and finalised temporary tensors
/// (<see cref="TorchGuard"/>); <c>DISTILLKIT_TORCH_GUARD=0</c> turns it off;</item>
/// <item>oneDNN's convolution gradients checked, and oneDNN turned off where they are wrong (<see cref="OneDnnCheck"/>).</item>
/// </list>
/// Reference the kit (<c>#r</c>) before the first TorchSharp call in a notebook, so that all of this is in place.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The folder that holds Lib.dll (and, in a kit build output, TorchSharp and its natives).</summary>
    public static string LibraryFolder { get; } = Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>True when the allocator settings were applied at load.</summary>
    public static bool MallocTuned { get; private set; }

    /// <summary>Why the natives beside Lib.dll could not be loaded (null when they were, or none were there).</summary>
    public static string? NativeLoadError { get; private set; }

#pragma warning disable CA2255 // a module initializer is the point: it must run before TorchSharp's first call
    [ModuleInitializer]
    internal static void Initialize()
#pragma warning restore CA2255
    {
        if (Environment.GetEnvironmentVariable("DISTILLKIT_MALLOC_TUNING") != "0") MallocTuned = MallocTuning.Apply();
        WriteFailures.IgnoreFileSizeSignal();
        AppDomain.CurrentDomain.AssemblyResolve += ResolveBesideLibrary;
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += (_, requested) => AlreadyLoaded(requested.Name);
        NativeLibrary.SetDllImportResolver(typeof(TorchRuntime).Assembly, ResolveKitNative);
        PreloadNatives();
        // The image codecs first: OpenCvSharp's runtime (SLIC, classical flow) exports its own bundled libpng and
        // libjpeg under the system libraries' symbol versions. Whichever library brings the system libpng16 in first
        // decides where libpng's internal calls bind; if OpenCV does, libpng's png_malloc/png_free resolve into
        // OpenCV's copy and the kit's PNG encoder corrupts the heap ("double free or corruption", seen in notebook 03).
        ResolveKitNative("dkimage", typeof(TorchRuntime).Assembly, null);
    }

    /// <summary>The kit's own native libraries (libdkimage.so) are found beside Lib.dll, then on the loader's path.</summary>
    static IntPtr ResolveKitNative(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name == TorchGuard.LibraryName) return TorchGuard.Handle;
        if (name != "dkimage") return IntPtr.Zero;
        var file = Path.Combine(LibraryFolder, "libdkimage.so");
        if (File.Exists(file)) return NativeLibrary.Load(file);
        var built = Path.GetFullPath(Path.Combine(LibraryFolder, "..", "native", "libdkimage.so"));
        return File.Exists(built) ? NativeLibrary.Load(built) : IntPtr.Zero;
    }

    /// <summary>Throws a clear exception when TorchSharp's natives could not be loaded; call before the first tensor.</summary>
    public static void EnsureLoaded()
    {
        if (NativeLoadError is not null)
            throw new InvalidOperationException($"TorchSharp's native libraries in {LibraryFolder} could not be loaded: {NativeLoadError}. " +
                "Rebuild with ./kit setup (it repairs libLibTorchSharp.so for libstdc++ older than GCC 13).");
        _ = torch.get_num_threads();
    }

    static void PreloadNatives()
    {
        var cpu = Path.Combine(LibraryFolder, "libtorch_cpu.so");
        var sharp = Path.Combine(LibraryFolder, "libLibTorchSharp.so");
        if (!File.Exists(sharp) || !File.Exists(cpu)) return;
        try
        {
            NativeLibrary.Load(cpu);
            var cuda = Path.Combine(LibraryFolder, "libtorch_cuda.so");
            if (File.Exists(cuda)) NativeLibrary.TryLoad(cuda, out _);
            NativeLibrary.Load(sharp);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            NativeLoadError = e.Message;
            Console.Error.WriteLine($"DistillKit: could not load TorchSharp's natives from {LibraryFolder}: {e.Message}");
            return;
        }
        if (Environment.GetEnvironmentVariable("DISTILLKIT_TORCH_GUARD") != "0") TorchGuard.Install(LibraryFolder);
        try { OneDnnCheck.Run(cpu); }
        catch (Exception e) { Console.Error.WriteLine($"DistillKit: the oneDNN convolution check could not run: {e.Message}"); }
    }

    /// <summary>A copy of the assembly already loaded in any load context. The .NET Interactive kernel loads each
    /// <c>#r</c> assembly into its own context and asks the default context's Resolving event before loading a second
    /// copy; without this, TorchSharp.PyBridge would bind to a second TorchSharp (MissingMethodException on save).</summary>
    static Assembly? AlreadyLoaded(string? name) =>
        name is null ? null : AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && a.GetName().Name == name);

    static Assembly? ResolveBesideLibrary(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name is null) return null;
        var candidate = Path.Combine(LibraryFolder, name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
    }
}
