using System.Reflection;
using System.Runtime.Loader;

namespace DistillKit.Viz.Plots;

/// <summary>
/// Keeps one FSharp.Core in a process whose host already has one. The <c>dotnet-interactive</c> tool behind VS Code and
/// Jupyter ships FSharp.Core 10.0, and Plotly.NET 6 asks for 10.1: the notebook's assembly loader then loads a second
/// FSharp.Core from Lib's folder for Plotly.NET while Giraffe.ViewEngine and DynamicObj bind to the host's, and the first
/// chart fails with a <see cref="MissingMethodException"/> (<c>Giraffe.ViewEngine.Attributes.get__id()</c>). A request
/// the host's own list cannot satisfy reaches <see cref="AssemblyLoadContext.Default"/>'s <c>Resolving</c> event; this
/// answers it with the FSharp.Core already loaded there. In the kit's own processes (FSharp.Core 10.1 on the app's list)
/// the event never fires for FSharp.Core.
/// </summary>
public static class HostFSharpCore
{
    static int installed;

    /// <summary>Adds <see cref="Resolve"/> to the default context's <c>Resolving</c> event (once).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref installed, 1) == 0) AssemblyLoadContext.Default.Resolving += Resolve;
    }

    /// <summary>The FSharp.Core loaded in <paramref name="context"/> when <paramref name="name"/> asks for FSharp.Core (any version); otherwise null.</summary>
    public static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == "FSharp.Core" ? context.Assemblies.FirstOrDefault(a => a.GetName().Name == "FSharp.Core") : null;
}
