using System.Diagnostics;
using System.Text.Json.Nodes;
using DistillKit.Cli.Notebooks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace DistillKit.Tests.Notebooks;

/// <summary>
/// The .NET Interactive attribute, re-declared here as the kit declares its own: the kernel's formatter honours any
/// attribute of this name (by convention), with <see cref="PreferredMimeTypes"/> choosing what a value shows as.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = true)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
    public string[]? PreferredMimeTypes { get; set; }
}

/// <summary>A fixture value that formats itself as PNG bytes and plain text.</summary>
[TypeFormatterSource(typeof(SwatchFormatterSource), PreferredMimeTypes = ["image/png", "text/plain"])]
public class Swatch
{
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 1, 2, 3];
    public override string ToString() => "Swatch.ToString";
}

/// <summary>Inherits the formatter source of <see cref="Swatch"/> through its base type.</summary>
public sealed class DerivedSwatch : Swatch;

/// <summary>A fixture value shown as a plotly figure (<c>application/vnd.plotly.v1+json</c>) and plain text.</summary>
[TypeFormatterSource(typeof(SwatchFormatterSource), PreferredMimeTypes = [HtmlReport.PlotlyMime, "text/plain"])]
public sealed class PlotFixture;

/// <summary>A formatter in the .NET Interactive shape: <c>Type</c>, <c>MimeType</c> and <c>bool Format(object, TextWriter)</c>.</summary>
public sealed class FixtureFormatter(Type type, string mimeType, Func<object, TextWriter, bool> format)
{
    public Type Type { get; } = type;
    public string MimeType { get; } = mimeType;
    public bool Format(object instance, TextWriter writer) => format(instance, writer);
}

public sealed class SwatchFormatterSource
{
    public const string Figure = """{"data":[{"type":"scatter","x":[1,2],"y":[3,4]}],"layout":{"title":{"text":"a < b"}}}""";

    public IEnumerable<object> CreateTypeFormatters() =>
    [
        new FixtureFormatter(typeof(Swatch), "image/png", (_, w) => { w.Write(Convert.ToBase64String(Swatch.Png)); return true; }),
        new FixtureFormatter(typeof(Swatch), "text/plain", (o, w) => { w.Write($"{o.GetType().Name} 2x1"); return true; }),
        new FixtureFormatter(typeof(PlotFixture), HtmlReport.PlotlyMime, (_, w) => { w.Write(Figure); return true; }),
        new FixtureFormatter(typeof(PlotFixture), "text/plain", (_, w) => { w.Write("a figure"); return true; }),
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

    /// <summary>The DOM of <paramref name="page"/> after headless Chromium ran its scripts, offline (fails when Chromium is missing: run environment/setup.sh).</summary>
    public static string RenderedDom(string page)
    {
        const string chromium = "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"{chromium} not found: run environment/setup.sh (installs Debian's chromium)");
        var profile = Directory.CreateTempSubdirectory("dk-chromium-").FullName;
        var (code, dom) = Exec(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri);
        Directory.Delete(profile, recursive: true);
        Assert.True(code == 0, $"chromium exited with {code}: {dom[^Math.Min(dom.Length, 2000)..]}");
        return dom;
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
