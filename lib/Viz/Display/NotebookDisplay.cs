using System.Reflection;

namespace DistillKit.Viz.Display;

/// <summary>
/// Shows a value as a new output of the running .NET Interactive cell, and replaces that output later, when the library
/// runs inside a kernel (VS Code Polyglot Notebooks, Jupyter's <c>.net-csharp</c>, <c>./kit notebook run</c>); does
/// nothing elsewhere (a test, the <c>kit</c> command line). The kernel is found by reflection on the already loaded
/// <c>Microsoft.DotNet.Interactive</c> assembly, so the library does not depend on the kernel package and never loads
/// it. It calls <c>KernelInvocationContextExtensions.Display(KernelInvocationContext.Current, value)</c>, which publishes
/// the <c>DisplayedValue</c> it returns, so that value's <c>Update</c> reaches the shown output (the kernel helpers'
/// <c>display</c> of Microsoft.DotNet.Interactive 1.0.0-beta.26120.1 returns a different one: see the kit's notebook
/// kernel).
/// </summary>
static class NotebookDisplay
{
    const string KernelAssembly = "Microsoft.DotNet.Interactive";

    /// <summary>
    /// Displays <paramref name="value"/> in the current cell and returns the action that replaces that output with another
    /// value; null when no kernel cell is running on this thread's execution context.
    /// </summary>
    public static Action<object>? Show(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var kernel = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == KernelAssembly);
        var contextType = kernel?.GetType(KernelAssembly + ".KernelInvocationContext");
        var context = contextType?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        var display = kernel?.GetType(KernelAssembly + ".KernelInvocationContextExtensions")
            ?.GetMethod("Display", BindingFlags.Public | BindingFlags.Static, [contextType!, typeof(object), typeof(string[])]);
        if (context is null || display is null) return null;
        var shown = display.Invoke(null, [context, value, Array.Empty<string>()]);
        var update = shown?.GetType().GetMethod("Update", [typeof(object)]);
        if (shown is null || update is null) return null;
        return next => update.Invoke(shown, [next]);
    }
}
