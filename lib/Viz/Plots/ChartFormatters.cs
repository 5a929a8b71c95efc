using System.Runtime.CompilerServices;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace DistillKit.Viz.Plots;

/// <summary>
/// Shows Plotly.NET charts in .NET Interactive (VS Code, Jupyter, the kit's headless runner) as <c>text/html</c>
/// through <see cref="ChartHtml.Fragment"/>, offline-first. Registered when the library loads.
/// </summary>
public static class ChartFormatters
{
    /// <summary>
    /// The chart classes the formatters are registered for: the concrete cases of <see cref="GenericChart"/>.
    /// .NET Interactive uses the formatter of the most specific registered type, so these win over a formatter for
    /// <see cref="GenericChart"/> itself (Plotly.NET.Interactive's, which loads plotly.js from the CDN through
    /// require.js) whichever is registered last.
    /// </summary>
    public static IReadOnlyList<Type> ChartTypes { get; } = [typeof(GenericChart.Chart), typeof(GenericChart.MultiChart)];

    /// <summary>Registers the <c>text/html</c> formatter for every <see cref="ChartTypes"/> entry (again after a formatter reset).</summary>
    public static void Register()
    {
        foreach (var type in ChartTypes)
            Formatter.Register(type, (chart, writer) => writer.Write(ChartHtml.Fragment((GenericChart)chart)), HtmlFormatter.MimeType);
    }

#pragma warning disable CA2255 // a library module initializer on purpose: charts must show without a set-up call in every notebook
    /// <summary>When Lib loads: one FSharp.Core for Plotly.NET first (before anything touches it), then the formatters.</summary>
    [ModuleInitializer]
    internal static void RegisterOnLoad()
    {
        HostFSharpCore.Install();
        Register();
    }
#pragma warning restore CA2255
}
