using System.Runtime.CompilerServices;
using DistillKit.Imaging;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace DistillKit.Viz.Display;

/// <summary>
/// Tells .NET Interactive (VS Code, Jupyter's <c>.net-csharp</c> kernel, <c>./kit notebook run</c>) how the kit's values
/// show. The kit types name their formatters with <see cref="TypeFormatterSourceAttribute"/>, which the kernel honours by
/// name; but the kernel asks a type's formatters only for its preferred mime types (HTML unless told otherwise), so
/// this sets them: images and flow grids as <c>image/png</c>, flow fields and results tables as <c>text/html</c> (an <c>img</c> with
/// the colour-wheel legend; a table), each with <c>text/plain</c>. TorchSharp tensors get <see cref="TensorDisplay"/>.
/// Runs when the library loads (module initializer); calling it again does nothing.
/// </summary>
public static class KitFormatters
{
    static int registered;

#pragma warning disable CA2255 // a module initializer is the point: a kernel that only saw #r "Lib.dll" calls nothing else
    [ModuleInitializer]
    internal static void Initialize() => Register();
#pragma warning restore CA2255

    /// <summary>The mime types each kit type shows as, richest first.</summary>
    public static IReadOnlyDictionary<Type, string[]> PreferredMimeTypes { get; } = new Dictionary<Type, string[]>
    {
        [typeof(Image)] = ["image/png", "text/plain"],
        [typeof(ImageView)] = ["image/png", "text/plain"],
        [typeof(FlowField)] = ["text/html", "text/plain"],
        [typeof(FlowGrid)] = ["image/png", "text/plain"],
        [typeof(ResultsTable)] = ["text/html", "text/plain"],
        [typeof(Tensor)] = ["text/plain"],
    };

    /// <summary>Registers the preferred mime types and the tensor formatter with <see cref="Formatter"/>.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        foreach (var (type, mimeTypes) in PreferredMimeTypes) Formatter.SetPreferredMimeTypesFor(type, mimeTypes);
        Formatter.Register<Tensor>((tensor, writer) => writer.Write(TensorDisplay.Describe(tensor)), PlainTextFormatter.MimeType);
    }
}
