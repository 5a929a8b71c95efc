using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace DistillKit.Cli.Notebooks;

/// <summary>How one cell ended.</summary>
public enum CellStatus { Succeeded, Failed, TimedOut }

/// <summary>One executed cell: its status, nbformat outputs, wall time and, when it failed, the message.</summary>
public sealed record CellRun(CellStatus Status, JsonArray Outputs, TimeSpan Duration, string? Message);

/// <summary>
/// One notebook's kernel (<see cref="NotebookKernel"/>): each cell is a <see cref="SubmitCode"/>, and the kernel's events
/// become the cell's nbformat outputs as they happen: console text (<see cref="StandardOutputValueProduced"/>,
/// <see cref="StandardErrorValueProduced"/>), displays (<see cref="DisplayedValueProduced"/>; a
/// <see cref="DisplayedValueUpdated"/> replaces the output with that display id, in whichever cell it is), the cell's
/// value (<see cref="ReturnValueProduced"/>) and the failure (<see cref="CommandFailed"/>, compiler errors from
/// <see cref="DiagnosticsProduced"/>). <c>#r</c> paths resolve against the process's current directory, as in the kernel.
/// </summary>
public sealed class KernelSession : IDisposable
{
    readonly CompositeKernel kernel = NotebookKernel.Create();
    readonly Dictionary<string, JsonObject> displays = []; // display id -> its display_data output
    bool runaway;

    /// <summary>Runs <paramref name="source"/> (a code cell, magics included) as the next submission.</summary>
    /// <param name="cellNumber">1-based position among all cells (for messages).</param>
    /// <param name="executionCount">The cell's <c>execution_count</c>.</param>
    /// <param name="timeout">Wall-time limit of the cell; null for none. A cell past it keeps running (.NET cannot abort it), so the session is done.</param>
    /// <param name="echo">Also writes the cell's console text there as it happens (null: captured only).</param>
    /// <param name="echoPrefix">Put before each echoed line.</param>
    public async Task<CellRun> RunCellAsync(string source, int cellNumber, int executionCount, TimeSpan? timeout, TextWriter? echo = null, string echoPrefix = "")
    {
        if (runaway) throw new InvalidOperationException("an earlier cell of this session timed out and is still running");
        var outputs = new CellOutputs(echo, echoPrefix);
        var clock = Stopwatch.StartNew();
        CellRun Fail(CellStatus status, string ename, string message, IEnumerable<string> traceback)
        {
            outputs.Add(CellOutputs.Error(ename, message, traceback));
            return new CellRun(status, outputs.Close(), clock.Elapsed, message);
        }

        if (CellMagic.Parse(source).NuGetPackages is [var package, ..])
            return Fail(CellStatus.Failed, "NuGetNotAvailable",
                $"#r \"nuget:{package}\": packages cannot be downloaded here; reference the built library instead: #r \"../build/kit/Lib.dll\" (built by ./kit; paths are relative to the notebook's folder)", []);

        var diagnostics = new List<string>();
        KernelCommandResult result;
        using (kernel.KernelEvents.Subscribe(e => Collect(e, outputs, executionCount, diagnostics)))
        {
            var send = kernel.SendAsync(new SubmitCode(source));
            if (timeout is { } limit && await Task.WhenAny(send, Task.Delay(limit)) != send)
            {
                runaway = true;
                var seconds = limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
                return Fail(CellStatus.TimedOut, "TimeoutException", $"cell {cellNumber} timed out after {seconds} s", []);
            }
            result = await send;
        }

        if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed)
        {
            var (ename, message, traceback) = Describe(failed, diagnostics);
            return Fail(CellStatus.Failed, ename, message, traceback);
        }
        return new CellRun(CellStatus.Succeeded, outputs.Close(), clock.Elapsed, null);
    }

    void Collect(KernelEvent e, CellOutputs outputs, int executionCount, List<string> diagnostics)
    {
        switch (e)
        {
            case StandardOutputValueProduced o: outputs.Write("stdout", MimeBundle.Text(o)); break;
            case StandardErrorValueProduced o: outputs.Write("stderr", MimeBundle.Text(o)); break;
            case DisplayedValueUpdated u:
                lock (displays)
                    if (u.ValueId is { } id && displays.TryGetValue(id, out var shown)) shown["data"] = MimeBundle.Data(u.FormattedValues);
                break; // an id never shown is dropped, as Jupyter does
            case DisplayedValueProduced d:
                var output = MimeBundle.DisplayData(d);
                if (d.ValueId is { } valueId) lock (displays) displays[valueId] = output;
                outputs.Add(output);
                break;
            case ReturnValueProduced r when r.Value is not DisplayedValue: // `display(x)` as the last line shows x once
                outputs.Add(MimeBundle.ExecuteResult(r, executionCount));
                break;
            case DiagnosticsProduced d:
                lock (diagnostics)
                    diagnostics.AddRange(d.Diagnostics.Where(x => x.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(x => x.ToString()));
                break;
        }
    }

    /// <summary>The error output's name, message and traceback for a failed submission.</summary>
    static (string Ename, string Message, IEnumerable<string> Traceback) Describe(CommandFailed failed, List<string> diagnostics)
    {
        switch (failed.Exception)
        {
            case CodeSubmissionCompilationErrorException:
                return ("CompilationError", failed.Message, failed.Message.Replace("\r\n", "\n").Split('\n'));
            case null:
                lock (diagnostics) return ("Error", failed.Message, diagnostics.ToList());
            case var thrown:
                var inner = Unwrap(thrown);
                return (inner.GetType().Name, inner.Message, Traceback(inner));
        }
    }

    static Exception Unwrap(Exception e)
    {
        while (e is TargetInvocationException or AggregateException && e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>The exception's text, cut before the scripting host's own frames.</summary>
    static IEnumerable<string> Traceback(Exception e)
    {
        var lines = e.ToString().Replace("\r\n", "\n").Split('\n')
            .TakeWhile(l => !l.TrimStart().StartsWith("at Microsoft.CodeAnalysis.Scripting", StringComparison.Ordinal)).ToList();
        while (lines.Count > 1 && lines[^1].StartsWith("---", StringComparison.Ordinal)) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>Disposes the kernel, unless a cell timed out and still runs on it.</summary>
    public void Dispose()
    {
        if (!runaway) kernel.Dispose();
    }
}
