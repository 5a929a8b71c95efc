using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DistillKit.Cli.Notebooks;

/// <summary>Settings of a headless notebook run.</summary>
public sealed record RunOptions
{
    /// <summary>Overrides of the <c>parameters</c> cell: name → value as typed on the command line.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the executed <c>.ipynb</c> and <c>.html</c> go (relative to the current directory).</summary>
    public string OutDir { get; init; } = Path.Combine("out", "notebooks");

    /// <summary>Wall-time limit of each cell; null for none.</summary>
    public TimeSpan? CellTimeout { get; init; }

    /// <summary>Progress lines (<c>[name] cell 3/12 ... 0.4 s</c>); null for none.</summary>
    public TextWriter? Progress { get; init; }

    /// <summary>Echo each cell's console output to <see cref="Progress"/> as it happens (the CLI does; tests do not).</summary>
    public bool EchoCellOutput { get; init; }

    /// <summary>run-all: the kit command that runs each notebook in a child process (<see cref="NotebookProcesses"/>), so
    /// that a crash or a runaway cell ends only that notebook; null runs them in this process, one after another.</summary>
    public IReadOnlyList<string>? ChildKit { get; init; }

    /// <summary>run-all with <see cref="ChildKit"/>: how many notebooks run at once (each with cores / jobs threads).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>Save the executed notebook after every cell (run-all's child processes do), so that a process that dies
    /// keeps the outputs of the cells before.</summary>
    public bool SaveEachCell { get; init; }

    /// <summary>plotly.min.js to copy beside the HTML; null to look for it (<see cref="HtmlReport.FindPlotly"/>).</summary>
    public string? PlotlyJs { get; init; }
}

/// <summary>How a notebook run ended.</summary>
public enum RunStatus { Succeeded, Failed, TimedOut }

/// <summary>The outcome of one notebook run.</summary>
/// <param name="FailedCell">1-based index among all cells of the executed notebook (which includes an injected parameters cell).</param>
/// <param name="Message"><c>notebook NAME: cell N failed: ...</c> when the run did not succeed.</param>
/// <param name="CellDurations">Wall time per cell, null for cells not executed (markdown, or after a failure).</param>
public sealed record RunResult(
    string Name, RunStatus Status, int? FailedCell, string? Message,
    string NotebookPath, string HtmlPath, TimeSpan Duration, IReadOnlyList<TimeSpan?> CellDurations)
{
    public bool Succeeded => Status == RunStatus.Succeeded;
}

/// <summary>The outcome of running every notebook of a folder.</summary>
/// <param name="NotRun">Notebooks skipped because an earlier one timed out (its runaway cell may still hold the process).</param>
public sealed record RunAllResult(IReadOnlyList<RunResult> Results, IReadOnlyList<string> NotRun, string IndexPath)
{
    public bool Succeeded => NotRun.Count == 0 && Results.All(r => r.Succeeded);
}

/// <summary>
/// Executes notebooks headless on the .NET Interactive C# kernel (<see cref="KernelSession"/>, a fresh kernel per
/// notebook): cells run in order with the notebook's folder as current directory, as VS Code and Jupyter start the
/// kernel there (so <c>#r "../build/kit/Lib.dll"</c> and relative paths in cells resolve alike). The executed notebook
/// (outputs, execution counts, ids) and a self-contained HTML page are written to the out folder even when a cell
/// fails. The run stops at the first failing cell. The current directory belongs to the process, so notebooks of one
/// process run one at a time.
/// </summary>
public static class NotebookRunner
{
    static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>Runs the notebook at <paramref name="path"/>.</summary>
    public static async Task<RunResult> RunAsync(string path, RunOptions options)
    {
        var clock = Stopwatch.StartNew();
        var full = Path.GetFullPath(path);
        var name = Path.GetFileNameWithoutExtension(full);
        var outDir = Path.GetFullPath(options.OutDir);
        if (Path.Combine(outDir, name + ".ipynb") == full)
            throw new ArgumentException($"the out folder {outDir} holds {name}.ipynb itself; choose another --out so the notebook is not overwritten");
        var notebook = NotebookDocument.Load(full);
        NotebookParameters.Inject(notebook, options.Parameters, name);
        notebook.EnsureIds();

        var cells = notebook.Cells;
        foreach (var cell in cells) cell.ClearOutputs();
        var durations = new TimeSpan?[cells.Count];
        var status = RunStatus.Succeeded;
        int? failedCell = null;
        string? message = null;
        await OneAtATime.WaitAsync();
        clock.Restart(); // time spent waiting for another notebook is not this one's
        var workingDirectory = Environment.CurrentDirectory;
        var session = new KernelSession();
        try
        {
            Environment.CurrentDirectory = Path.GetDirectoryName(full)!;
            int executionCount = 0;
            for (int i = 0; i < cells.Count; i++)
            {
                var source = cells[i].Source;
                if (cells[i].Type != "code" || CellMagic.Parse(source).IsMarkdown || string.IsNullOrWhiteSpace(source)) continue;
                var run = await session.RunCellAsync(source, i + 1, ++executionCount, options.CellTimeout,
                    options.EchoCellOutput ? options.Progress : null, $"[{name}:{i + 1}] ");
                cells[i].Json["execution_count"] = executionCount;
                cells[i].Json["outputs"] = run.Outputs;
                durations[i] = run.Duration;
                if (options.SaveEachCell) notebook.Save(Path.Combine(outDir, name + ".ipynb"));
                var verdict = run.Status switch { CellStatus.Succeeded => "", CellStatus.TimedOut => " TIMED OUT", _ => " FAILED" };
                options.Progress?.WriteLine($"[{name}] cell {i + 1}/{cells.Count} ... {run.Duration.TotalSeconds:0.0} s{verdict}");
                if (run.Status != CellStatus.Succeeded)
                {
                    status = run.Status == CellStatus.TimedOut ? RunStatus.TimedOut : RunStatus.Failed;
                    failedCell = i + 1;
                    message = $"notebook {name}: cell {i + 1} failed: {run.Message}";
                    break;
                }
            }
        }
        finally
        {
            session.Dispose();
            Environment.CurrentDirectory = workingDirectory;
            OneAtATime.Release();
        }

        var result = new RunResult(name, status, failedCell, message,
            Path.Combine(outDir, name + ".ipynb"), Path.Combine(outDir, name + ".html"), clock.Elapsed, durations);
        Write(notebook, result, options, Path.GetDirectoryName(full)!);
        options.Progress?.WriteLine($"[{name}] {(result.Succeeded ? "done" : status == RunStatus.TimedOut ? "timed out" : "failed")} in {clock.Elapsed.TotalSeconds:0.0} s -> {result.HtmlPath}");
        return result;
    }

    /// <summary>
    /// Runs every <c>*.ipynb</c> of <paramref name="directory"/> in file-name order, going on past failures, and
    /// writes <c>index.html</c> in the out folder. With <see cref="RunOptions.ChildKit"/> each notebook runs in its own
    /// process (<see cref="NotebookProcesses"/>: a timeout or a crash ends only that notebook, and up to
    /// <see cref="RunOptions.Jobs"/> run at once); in this process a timeout stops the run (the runaway cell cannot be
    /// aborted), and the notebooks after it are listed as not run.
    /// </summary>
    public static async Task<RunAllResult> RunAllAsync(string directory, RunOptions options)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"notebook folder not found: {directory}");
        var files = Directory.GetFiles(directory, "*.ipynb").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new ArgumentException($"no .ipynb files in {directory}");
        if (options.ChildKit is { } kit) return await NotebookProcesses.RunAllAsync(files, options, kit);
        var clock = Stopwatch.StartNew();
        var results = new List<RunResult>();
        var notRun = new List<string>();
        foreach (var file in files)
        {
            if (results.Any(r => r.Status == RunStatus.TimedOut)) { notRun.Add(Path.GetFileNameWithoutExtension(file)); continue; }
            results.Add(await RunAsync(file, options));
        }
        var index = Path.Combine(Path.GetFullPath(options.OutDir), "index.html");
        File.WriteAllText(index, HtmlReport.Index(results, notRun, clock.Elapsed, jobs: 1));
        return new RunAllResult(results, notRun, index);
    }

    /// <summary>Writes the executed notebook and its HTML page to the paths <paramref name="result"/> names.</summary>
    internal static void Write(NotebookDocument notebook, RunResult result, RunOptions options, string notebookDir)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(result.NotebookPath)!);
        notebook.Save(result.NotebookPath);
        bool plotly = false;
        if (HasPlotly(notebook) && (options.PlotlyJs ?? HtmlReport.FindPlotly(notebookDir)) is { } js && File.Exists(js))
        {
            var copy = Path.Combine(Path.GetDirectoryName(result.HtmlPath)!, HtmlReport.PlotlyFile);
            if (Path.GetFullPath(js) != copy) File.Copy(js, copy, overwrite: true);
            plotly = true;
        }
        File.WriteAllText(result.HtmlPath, HtmlReport.Notebook(notebook, result, plotly));
    }

    /// <summary>True when an output needs plotly.js: a plotly figure, or HTML that calls <c>Plotly.newPlot(</c>.</summary>
    static bool HasPlotly(NotebookDocument notebook) =>
        notebook.Cells.Any(c => c.Json["outputs"] is JsonArray outputs && outputs.Any(o => o?["data"] is JsonObject data && HtmlReport.NeedsPlotly(data)));
}
