using System.Diagnostics;
using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DistillKit.Tests.Notebooks;

/// <summary>The .NET Interactive attribute, re-declared here: the runner matches it by type name only.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
}

/// <summary>A fixture value that formats itself as PNG bytes, a plotly figure and plain text (and declines HTML; derived values decline the figure too).</summary>
[TypeFormatterSource(typeof(SwatchFormatterSource))]
public class Swatch
{
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
    public override string ToString() => "Swatch.ToString";
}

/// <summary>Inherits the formatter source of <see cref="Swatch"/> through its base type.</summary>
public sealed class DerivedSwatch : Swatch;

/// <summary>A formatter in the .NET Interactive shape: <c>MimeType</c> and <c>bool Format(object, TextWriter)</c>.</summary>
public sealed class FixtureFormatter(string mimeType, Func<object, TextWriter, bool> format)
{
    public string MimeType { get; } = mimeType;
    public bool Format(object instance, TextWriter writer) => format(instance, writer);
}

public sealed class SwatchFormatterSource
{
    public const string Figure = """{"data":[{"type":"scatter","x":[1,2],"y":[3,4]}],"layout":{"title":{"text":"a < b"}}}""";

    public IEnumerable<object> CreateTypeFormatters() =>
    [
        new FixtureFormatter("image/png", (_, w) => { w.Write(Convert.ToBase64String(Swatch.Png, Base64FormattingOptions.InsertLineBreaks)); return true; }),
        new FixtureFormatter(HtmlReport.PlotlyMime, (o, w) => { w.Write(Figure); return o is not DerivedSwatch; }),
        new FixtureFormatter("text/html", (_, w) => { w.Write("<p>declined</p>"); return false; }),
        new FixtureFormatter("text/plain", (o, w) => { w.Write($"{o.GetType().Name} 2x1"); return true; }),
    ];
}

/// <summary>Helpers shared by the notebook tests: temp folders, reading outputs, nbformat validation, fixture DLLs.</summary>
public static class NotebookTestKit
{
    /// <summary>A fresh empty folder under the temp directory.</summary>
    public static string TempDir(string label)
    {
        var dir = Path.Combine(Path.GetTempPath(), "distillkit-nb-tests", $"{label}-{Guid.NewGuid():N}"[..(label.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The first cell whose source contains <paramref name="snippet"/>.</summary>
    public static NotebookCell Cell(NotebookDocument nb, string snippet) =>
        nb.Cells.FirstOrDefault(c => c.Source.Contains(snippet)).Json is { } json ? new NotebookCell(json) : throw new Xunit.Sdk.XunitException($"no cell contains '{snippet}'");

    public static List<JsonObject> Outputs(NotebookCell cell) => ((JsonArray)cell.Json["outputs"]!).Select(o => (JsonObject)o!).ToList();

    public static List<JsonObject> Outputs(NotebookCell cell, string type) => Outputs(cell).Where(o => (string?)o["output_type"] == type).ToList();

    /// <summary>Text of a string or list-of-lines node.</summary>
    public static string Text(JsonNode? node) => node is JsonArray a ? string.Concat(a.Select(l => (string?)l)) : (string?)node ?? "";

    /// <summary>Runs Debian's nbformat validator on <paramref name="path"/>; returns (exit code, messages).</summary>
    public static (int ExitCode, string Output) ValidateWithNbformat(string path)
    {
        var python = new[] { "/usr/bin/python3", "python3" }.FirstOrDefault(HasNbformat)
            ?? throw new Xunit.Sdk.XunitException("no python3 with the nbformat module (Debian package python3-nbformat) was found");
        var (code, output) = Exec(python, "-c", "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path);
        return (code, output);
    }

    static bool HasNbformat(string python)
    {
        try { return Exec(python, "-c", "import nbformat").ExitCode == 0; }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    static (int ExitCode, string Output) Exec(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    /// <summary>Compiles <paramref name="source"/> into a DLL at <paramref name="path"/> (framework references plus <paramref name="references"/>).</summary>
    public static void CompileLibrary(string path, string source, params string[] references)
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location);
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == runtimeDir && p.EndsWith(".dll"));
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(path), [CSharpSyntaxTree.ParseText(source)],
            framework.Concat(references).Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var emitted = compilation.Emit(path);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
    }
}
