using System.Runtime.CompilerServices;
using DistillKit.Runtime;

namespace DistillKit.Tests.Support;

static class AssemblySetup
{
    /// <summary>The kit's runtime set-up (repaired natives, allocator tuning, TorchSharp guard) before any test's first
    /// TorchSharp call, as a notebook gets it from referencing the kit first.</summary>
#pragma warning disable CA2255
    [ModuleInitializer]
    internal static void Initialize() => _ = TorchRuntime.LibraryFolder;
#pragma warning restore CA2255
}
