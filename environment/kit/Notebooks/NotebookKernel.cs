using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Builds the kernel a notebook runs on: a <see cref="CompositeKernel"/> holding the .NET Interactive
/// <see cref="CSharpKernel"/> (name <c>csharp</c>, aliases <c>c#</c>/<c>C#</c>) set up as the
/// <c>dotnet-interactive</c> tool sets up its <c>.net-csharp</c> Jupyter kernel: kernel helpers
/// (<c>display</c>, <c>HTML</c>, ...), <c>#!who</c>/<c>#!whos</c>, value sharing and the <c>#!time</c> magic.
/// Not available here: <c>#r "nuget:..."</c> (no package restore offline; <see cref="CellMagic"/> reports it) and the
/// tool's other languages.
/// </summary>
public static class NotebookKernel
{
    /// <summary>
    /// Works around a bug of Microsoft.DotNet.Interactive 1.0.0-beta.26120.1 (and the 1.0.712001 tool): <c>display(x)</c>
    /// publishes one <see cref="DisplayedValue"/> and returns another with a different display id, so
    /// <c>.Update(y)</c> never reaches the shown output. A method declared in a submission takes precedence over the
    /// helpers' <c>using static</c>, so this <c>display</c> (same signature, publishing the value it returns) wins.
    /// </summary>
    const string DisplayFix = """
        Microsoft.DotNet.Interactive.Formatting.DisplayedValue display(object value, params string[] mimeTypes) =>
            Microsoft.DotNet.Interactive.KernelInvocationContextExtensions.Display(
                Microsoft.DotNet.Interactive.KernelInvocationContext.Current, value, mimeTypes);
        """;

    /// <summary>A fresh kernel; dispose it when the notebook is done (unless a cell is still running away).</summary>
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseWho().UseValueSharing();
        csharp.DeferCommand(new SubmitCode(DisplayFix));
        var kernel = new CompositeKernel();
        kernel.Add(csharp, ["c#", "C#"]);
        kernel.DefaultKernelName = csharp.Name;
        kernel.AddDirective(new KernelActionDirective("#!time") { Description = "Time the execution of the following code in the submission." }, MeasureTime);
        return kernel;
    }

    /// <summary><c>#!time</c> as the tool's kernel does it: a <c>text/plain</c> display "Wall time: 12.3ms" when the cell ends.</summary>
    static Task MeasureTime(KernelCommand command, KernelInvocationContext context)
    {
        var clock = Stopwatch.StartNew();
        context.OnComplete(done => done.Publish(new DisplayedValueProduced(clock.Elapsed, context.Command,
            [new FormattedValue(PlainTextFormatter.MimeType, $"Wall time: {clock.Elapsed.TotalMilliseconds}ms")])));
        return Task.CompletedTask;
    }
}
