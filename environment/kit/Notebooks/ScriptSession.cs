using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace DistillKit.Cli.Notebooks;

/// <summary>How one cell ended.</summary>
public enum CellStatus { Succeeded, Failed, TimedOut }

/// <summary>One executed cell: its status, nbformat outputs, wall time and, when it failed, the message.</summary>
public sealed record CellRun(CellStatus Status, System.Text.Json.Nodes.JsonArray Outputs, TimeSpan Duration, string? Message);

/// <summary>
/// One continuing Roslyn scripting state for a notebook: every cell compiles as a submission that sees the
/// variables of the cells before it. Console output is captured per cell; a cell may be given a time limit.
/// </summary>
public sealed class ScriptSession
{
    static readonly string[] Imports = ["System", "System.Linq", "System.Collections.Generic", "System.IO", "System.Threading.Tasks"];

    readonly NotebookGlobals globals = new();
    readonly ScriptOptions options;
    readonly NotebookReferenceResolver references;
    ScriptState<object>? state;

    /// <param name="notebookPath">The notebook file: <c>#r</c> paths resolve against its folder.</param>
    public ScriptSession(string notebookPath)
    {
        var full = Path.GetFullPath(notebookPath);
        options = ScriptOptions.Default
            .WithReferences(FrameworkReferences().Append(MetadataReference.CreateFromFile(typeof(NotebookGlobals).Assembly.Location)))
            .WithImports(Imports)
            .WithMetadataResolver(references = new NotebookReferenceResolver(Path.GetDirectoryName(full)!))
            .WithFilePath(full)
            .WithFileEncoding(Encoding.UTF8)
            .WithEmitDebugInformation(true)
            .WithOptimizationLevel(OptimizationLevel.Release);
    }

    /// <summary>Runs <paramref name="source"/> (a code cell, magics included) as the next submission.</summary>
    /// <param name="cellNumber">1-based position among all cells (for messages).</param>
    /// <param name="executionCount">The cell's <c>execution_count</c>.</param>
    /// <param name="timeout">Wall-time limit for running (not compiling) the cell; null for none.</param>
    /// <param name="echo">Also writes the cell's console text there as it happens (null: captured only).</param>
    public async Task<CellRun> RunCellAsync(string source, int cellNumber, int executionCount, TimeSpan? timeout, TextWriter? echo = null, string echoPrefix = "")
    {
        var outputs = new CellOutputs(echo, echoPrefix);
        var clock = Stopwatch.StartNew();
        var magic = CellMagic.Parse(source);
        CellRun Fail(CellStatus status, string ename, string message, IEnumerable<string> traceback)
        {
            outputs.Add(CellOutputs.Error(ename, message, traceback));
            return new CellRun(status, outputs.Close(), clock.Elapsed, message);
        }

        if (magic.Unsupported is { } unsupported)
            return Fail(CellStatus.Failed, "UnsupportedMagic", $"magic command '{unsupported}' is not supported by the headless runner (supported: #!csharp, #!time, #!markdown)", []);
        if (magic.NuGetPackages is [var package, ..])
            return Fail(CellStatus.Failed, "NuGetNotAvailable",
                $"#r \"nuget:{package}\": packages cannot be downloaded here; reference the built library instead: #r \"../build/kit/Lib.dll\" (built by ./kit; paths are relative to the notebook's folder)", []);

        state ??= await CSharpScript.Create("", options, typeof(NotebookGlobals)).RunAsync(globals);
        var script = state.Script.ContinueWith(magic.Code, options.WithFilePath($"{options.FilePath}#cell{cellNumber}"));
        var errors = script.Compile().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        while (references.Notices.TryDequeue(out var notice)) outputs.Write("stderr", notice + "\n");
        if (errors.Count > 0)
            return Fail(CellStatus.Failed, "CompilationError", Describe(errors[0]), errors.Select(Describe));

        globals.Current = outputs;
        var previous = state;
        ConsoleRouter.Route(outputs); // flows into the cell's task (and tasks it starts), not into other notebooks
        var run = Task.Run(() => script.RunFromAsync(previous, catchException: _ => true));
        ConsoleRouter.Route(null);
        try
        {
            if (timeout is { } limit && await Task.WhenAny(run, Task.Delay(limit)) != run)
            {
                var seconds = limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                return Fail(CellStatus.TimedOut, "TimeoutException", $"cell {cellNumber} timed out after {seconds} s", []);
            }
            state = await run;
        }
        catch (Exception e) // a failure of the scripting host itself, not of the cell's code
        {
            return Fail(CellStatus.Failed, e.GetType().Name, e.Message, Lines(e.ToString()));
        }
        finally
        {
            globals.Current = null;
        }

        if (state.Exception is { } thrown)
        {
            var inner = Unwrap(thrown);
            return Fail(CellStatus.Failed, inner.GetType().Name, inner.Message, Traceback(inner));
        }
        if (magic.Time) outputs.Write("stdout", $"Wall time: {clock.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms\n");
        if (state.ReturnValue is { } value and not DisplayedValue)
        {
            try { outputs.Add(ValueFormatter.ExecuteResult(value, executionCount)); }
            catch (Exception e)
            {
                var inner = Unwrap(e);
                return Fail(CellStatus.Failed, inner.GetType().Name, $"formatting the cell's value failed: {inner.Message}", Traceback(inner));
            }
        }
        return new CellRun(CellStatus.Succeeded, outputs.Close(), clock.Elapsed, null);
    }

    /// <summary>References to every assembly of the shared .NET runtime (the trusted platform assemblies in its folder).</summary>
    static IEnumerable<MetadataReference> FrameworkReferences()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        return tpa.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && Path.GetDirectoryName(p) == runtimeDir)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
    }

    /// <summary>A compiler message positioned within the cell: <c>(2,9): error CS0103: ...</c>.</summary>
    static string Describe(Diagnostic d)
    {
        var at = d.Location.GetLineSpan().StartLinePosition;
        var where = d.Location.IsInSource ? $"({at.Line + 1},{at.Character + 1}): " : "";
        return $"{where}error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
    }

    static Exception Unwrap(Exception e)
    {
        while (e is TargetInvocationException or AggregateException && e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>The exception's text, cut before the scripting host's own frames.</summary>
    static IEnumerable<string> Traceback(Exception e)
    {
        var lines = Lines(e.ToString()).TakeWhile(l => !l.TrimStart().StartsWith("at Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal)).ToList();
        while (lines.Count > 1 && lines[^1].StartsWith("---", StringComparison.Ordinal)) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    static IEnumerable<string> Lines(string text) => text.Replace("\r\n", "\n").Split('\n');
}
